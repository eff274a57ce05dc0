// The BigQuery emulator's module structure, checked on its sources:
// - no import cycles (type-only imports included: a cycle of types is still
//   two files that cannot be understood apart);
// - it imports nothing from the rest of the repository (a product of its own);
// - the SQL translator (sql/) reaches the native engine through no runtime
//   import, and really loads and translates with @duckdb/node-api unavailable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const EMU = path.join(ROOT, 'emulators/bigquery');
const BUILT = path.join(ROOT, 'build/emulators/bigquery');

interface Edge {
  spec: string;
  typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

// import/export ... from '...', side-effect imports and dynamic import('...').
const IMPORT_RE = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function edgesOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4];
    if (!spec) continue;
    // `export const x = ...` has no module: the regex only matches forms with a quoted specifier.
    out.push({ spec, typeOnly: m[2] !== undefined });
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.resolve(path.dirname(from), spec.replace(/\.js$/, '.ts'));
}

const files = sources(EMU);
const graph = new Map<string, { local: { file: string; typeOnly: boolean }[]; external: Edge[] }>();
for (const f of files) {
  const local: { file: string; typeOnly: boolean }[] = [];
  const external: Edge[] = [];
  for (const e of edgesOf(f)) {
    const target = resolveLocal(f, e.spec);
    if (target) local.push({ file: target, typeOnly: e.typeOnly });
    else external.push(e);
  }
  graph.set(f, { local, external });
}
const rel = (f: string): string => path.relative(EMU, f);

describe('bigquery emulator: module structure', () => {
  it('has sources to check (the import scan sees the files)', () => {
    assert.ok(files.length > 20, `found ${files.length} files`);
    assert.ok(graph.get(path.join(EMU, 'server.ts'))!.local.length > 5);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const { file } of graph.get(f)?.local ?? []) {
        if (state.get(file) === 'open') cycles.push([...stack.slice(stack.indexOf(file)), file].map(rel).join(' -> '));
        else if (!state.has(file)) visit(file);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, []);
  });

  it('imports nothing from outside emulators/bigquery/ (packages and node: modules only)', () => {
    const outside: string[] = [];
    for (const [f, { local }] of graph) {
      for (const { file } of local) if (!file.startsWith(EMU + path.sep)) outside.push(`${rel(f)} imports ${path.relative(ROOT, file)}`);
    }
    assert.deepEqual(outside, []);
  });

  it('keeps the SQL translator (sql/) free of runtime imports of the native engine', () => {
    const reach = new Set<string>();
    const walk = (f: string): void => {
      if (reach.has(f)) return;
      reach.add(f);
      for (const { file, typeOnly } of graph.get(f)?.local ?? []) if (!typeOnly) walk(file);
    };
    for (const f of files) if (f.startsWith(path.join(EMU, 'sql') + path.sep)) walk(f);
    const native = [...reach].flatMap((f) => graph.get(f)!.external.filter((e) => !e.typeOnly && e.spec.startsWith('@duckdb/')).map((e) => `${rel(f)} imports ${e.spec}`));
    assert.deepEqual(native, []);
    assert.ok(reach.has(path.join(EMU, 'sql/quote.ts')));
  });

  it('loads and translates a query with @duckdb/node-api unavailable', () => {
    // A child process where resolving any @duckdb/ module throws, as on a machine without the native package.
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request.startsWith('@duckdb/')) throw new Error('DuckDB is not available here');
        return resolve.call(this, request, ...rest);
      };
      const { GoogleSqlTranslator } = require(${JSON.stringify(path.join(BUILT, 'sql/translate.js'))});
      const { ParamResolver } = require(${JSON.stringify(path.join(BUILT, 'sql/params.js'))});
      const tr = new GoogleSqlTranslator({
        defaultProject: 'p',
        params: new ParamResolver([{ name: 's', parameterType: { type: 'STRUCT', structTypes: [{ name: 'a" INT, b', type: { type: 'INT64' } }] }, parameterValue: { structValues: { 'a" INT, b': { value: '1' } } } }], 'NAMED'),
        resolveTable: () => ({ sql: '"p.d"."t"', ingestionTime: false }),
      });
      process.stdout.write(tr.translate('SELECT @s AS s, COUNT(*) AS n FROM d.t').sql);
    `;
    const sql = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.match(sql, /"p\.d"\."t"/);
    assert.ok(sql.includes('"a"" INT, b" := CAST(\'1\' AS BIGINT)'), sql);
  });
});
