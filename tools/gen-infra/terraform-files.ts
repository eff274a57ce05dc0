// Reads infra/ as data: every .tf file parsed to JSON by @cdktf/hcl2json (the
// HCL parser Terraform's CDK uses, compiled to WASM), so tests can check the
// Terraform against the code without a terraform binary.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A parsed HCL body: blocks are arrays of bodies, expressions are "${...}" strings. */
export type HclBody = Record<string, unknown>;

export interface TfFile {
  /** Path relative to the repo root, e.g. infra/modules/pubsub/main.tf. */
  readonly rel: string;
  /** Directory relative to the repo root (one Terraform module). */
  readonly dir: string;
  readonly body: HclBody;
}

export interface TfResource {
  readonly file: TfFile;
  readonly type: string;
  readonly name: string;
  readonly body: HclBody;
}

export function listTfFiles(root: string, dir = 'infra'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== '.terraform') out.push(...listTfFiles(root, rel));
    else if (entry.isFile() && entry.name.endsWith('.tf')) out.push(rel);
  }
  return out.sort();
}

export async function parseTfFiles(root: string): Promise<TfFile[]> {
  const files: TfFile[] = [];
  for (const rel of listTfFiles(root)) {
    const body = (await parse(rel, readFileSync(path.join(root, rel), 'utf8'))) as HclBody;
    files.push({ rel, dir: path.dirname(rel), body });
  }
  return files;
}

export function isBody(v: unknown): v is HclBody {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The bodies of nested block `key` (hcl2json gives each block as an array of bodies). */
export function blocks(body: HclBody | undefined, key: string): HclBody[] {
  const v = body?.[key];
  return Array.isArray(v) ? v.filter(isBody) : [];
}

/** The single nested block `key`, or undefined. */
export function block(body: HclBody | undefined, key: string): HclBody | undefined {
  return blocks(body, key)[0];
}

export function resources(files: readonly TfFile[], type?: string): TfResource[] {
  const out: TfResource[] = [];
  for (const file of files) {
    const byType = file.body.resource;
    if (!isBody(byType)) continue;
    for (const [t, byName] of Object.entries(byType)) {
      if ((type && t !== type) || !isBody(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of Array.isArray(bodies) ? bodies.filter(isBody) : []) out.push({ file, type: t, name, body });
      }
    }
  }
  return out;
}

/** Named top-level blocks of one kind (variable, output, module): name -> body, with the file. */
export function namedBlocks(files: readonly TfFile[], kind: 'variable' | 'output' | 'module'): { file: TfFile; name: string; body: HclBody }[] {
  const out: { file: TfFile; name: string; body: HclBody }[] = [];
  for (const file of files) {
    const byName = file.body[kind];
    if (!isBody(byName)) continue;
    for (const [name, bodies] of Object.entries(byName)) {
      for (const body of Array.isArray(bodies) ? bodies.filter(isBody) : []) out.push({ file, name, body });
    }
  }
  return out;
}

/** All `locals` of one module directory merged into one body. */
export function locals(files: readonly TfFile[], dir: string): HclBody {
  const merged: HclBody = {};
  for (const f of files.filter((x) => x.dir === dir)) for (const b of blocks(f.body, 'locals')) Object.assign(merged, b);
  return merged;
}

/** Every string anywhere in a parsed value (for "no allUsers anywhere"-style checks). */
export function allStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (isBody(v)) return Object.entries(v).flatMap(([k, x]) => [k, ...allStrings(x)]);
  return [];
}
