// Checks on untrusted JSON that must not recurse: a 10,000-level nest has to
// fail with a named reason, not a stack overflow. The depth is measured on the
// text before parsing; keys and numbers are checked on the parsed value with
// an explicit stack.
import { PermanentError } from '../lib/errors.js';

/** Keys that could reach an object's prototype if the value were ever merged or spread. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deepest bracket nesting in JSON text (brackets inside strings ignored).
 * Stops counting as soon as `limit` is exceeded, so the cost is one pass.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * Walks a parsed JSON value: forbidden keys anywhere -> forbidden-key,
 * non-finite numbers (1e999 parses to Infinity) -> non-finite-number.
 * Details name the JSON path, never the value.
 */
export function checkParsedJson(root: unknown): void {
  const stack: { v: unknown; path: string }[] = [{ v: root, path: '' }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new PermanentError('non-finite-number', `at ${path || '/'}`);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: `${path}/${i}` });
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v)) {
        if (FORBIDDEN_KEYS.has(key)) throw new PermanentError('forbidden-key', `${key} at ${path || '/'}`);
        stack.push({ v: (v as Record<string, unknown>)[key], path: `${path}/${safeSegment(key)}` });
      }
    }
  }
}

/** A path segment fit for a log or a dead-letter detail: key names are user input too. */
export function safeSegment(key: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : '*';
}

/** An ajv instancePath made safe the same way, and bounded. */
export function safePath(instancePath: string): string {
  if (!instancePath) return '/';
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => '/' + safeSegment(s))
    .join('')
    .slice(0, 200);
}
