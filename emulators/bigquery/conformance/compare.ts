// Compares a REST query result (schema + f/v rows) with a result table as the
// reference pages print it: strings bare, arrays as [a, b], structs as {a, b},
// TIMESTAMPs in some display zone, FLOAT64 with the digits the page shows.
// Kept loose where the pages' display is loose, strict on the values.

export interface RestField {
  name: string;
  type: string;
  mode?: string;
  fields?: RestField[];
}
export interface RestCell {
  v: unknown;
}
export type RestRow = { f: RestCell[] };

/** One cell as the reference pages display it. */
export function display(field: RestField, v: unknown): string {
  if (v === null || v === undefined) return field.mode === 'REPEATED' ? '[]' : 'NULL';
  if (field.mode === 'REPEATED') {
    const elem = { ...field, mode: 'NULLABLE' };
    return `[${(v as RestCell[]).map((c) => display(elem, c.v)).join(', ')}]`;
  }
  if (field.type === 'RECORD' || field.type === 'STRUCT') {
    const cells = (v as { f: RestCell[] }).f;
    return `{${cells.map((c, i) => display(field.fields![i]!, c.v)).join(', ')}}`;
  }
  if (field.type === 'TIMESTAMP') return `@${String(v)}`; // int64 micros, compared as an instant
  if (field.type === 'BYTES') return bytesDisplay(Buffer.from(String(v), 'base64'));
  return String(v);
}

/** BYTES as the pages print them: b"..." with printable ASCII kept and other bytes as \\xhh. */
function bytesDisplay(b: Buffer): string {
  let out = '';
  for (const byte of b) out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return `b"${out}"`;
}

const ZONE_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(UTC|Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z_]+\/[A-Za-z_/]+)?$/;

/** Offset of an IANA zone at a UTC instant, in ms (Intl). */
function zoneOffsetMs(zone: string, utcMs: number): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']), Number(p['hour']), Number(p['minute']), Number(p['second']));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A displayed timestamp as epoch microseconds, or undefined when it is not one. */
export function timestampMicros(text: string): bigint | undefined {
  const m = ZONE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, d, t, frac, zone] = m;
  const localMs = Date.parse(`${d}T${t}Z`);
  if (Number.isNaN(localMs)) return undefined;
  let offsetMs = 0;
  if (zone && zone !== 'UTC' && zone !== 'Z') {
    if (/^[+-]/.test(zone)) {
      const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      offsetMs = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60000;
    } else {
      try {
        offsetMs = zoneOffsetMs(zone, localMs);
        offsetMs = zoneOffsetMs(zone, localMs - offsetMs);
      } catch {
        return undefined;
      }
    }
  }
  const us = BigInt(frac ? Math.round(Number(`0${frac}`) * 1e6) : 0);
  return BigInt(localMs - offsetMs) * 1000n + us;
}

function numeric(s: string): number | undefined {
  const t = s.trim();
  if (/^[+]?inf$/i.test(t) || t === 'Infinity') return Infinity;
  if (/^-inf$/i.test(t) || t === '-Infinity') return -Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

const octalToHex = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => `\\x${parseInt(o, 8).toString(16).padStart(2, '0')}`);

/** Digits after the point in a page's number, e.g. 3 for 2.828. */
const shownDecimals = (s: string): number => /^[+-]?\d*\.(\d+)$/.exec(s.trim())?.[1]?.length ?? -1;

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  // Pages print FLOAT64 with a few digits: accept what rounds to the shown value.
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 5e-7 * Math.max(1, Math.abs(b));
}

// Whitespace as the pages print it does not matter inside brackets and around commas.
const norm = (s: string): string =>
  s
    .replace(/\s+/g, ' ')
    .replace(/([[{])\s+/g, '$1')
    .replace(/\s+([\]}])/g, '$1')
    .replace(/\s*,\s*/g, ',')
    .replace(/^"(.*)"$/, '$1')
    .trim();
// DATETIME: the REST API prints 2008-12-25T15:30:00, the pages 2008-12-25 15:30:00.
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(\.\d+)?)$/;
function sameDatetime(a: string, e: string): boolean {
  const ma = DATETIME_RE.exec(a);
  const me = DATETIME_RE.exec(e);
  if (!ma || !me || ma[1] !== me[1]) return false;
  const frac = (x: string): string => x.replace(/\.?0*$/, '');
  return frac(ma[2]!) === frac(me[2]!);
}

/** Atom-level comparison inside arrays/structs: quotes on strings are optional on the pages. */
function atomsEqual(a: string, e: string): boolean {
  // BYTES: the pages print b"\x00", \x00 or octal \377.
  if (a.startsWith('b"') && !e.startsWith('b')) return a.slice(2, -1).toLowerCase() === octalToHex(e).toLowerCase();
  const ua = a.replace(/^["']|["']$/g, '');
  const ue = e.replace(/^["']|["']$/g, '');
  if (ua === ue || ua.toLowerCase() === ue.toLowerCase() || sameDatetime(ua, ue)) return true;
  const na = numeric(ua);
  const ne = numeric(ue);
  if (na !== undefined && ne !== undefined) {
    if (sameNumber(na, ne)) return true;
    // 2.8284271247461903 shown as 2.828: the page rounded.
    const d = shownDecimals(ue);
    return d >= 1 && Math.abs(na) !== Infinity && Number(na.toFixed(d)) === ne;
  }
  if (ua.startsWith('@')) {
    const te = timestampMicros(ue);
    return te !== undefined && BigInt(ua.slice(1)) === te;
  }
  return false;
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = '';
  for (const ch of s) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"') quote = ch;
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur !== '' || out.length > 0) out.push(cur);
  return out.map((x) => x.trim());
}

let unorderedArrays = false;

/** Does an actual display value match the page's expected text? */
export function cellMatches(actual: string, expected: string): boolean {
  const a = norm(actual);
  const e = norm(expected);
  if (a === e) return true;
  // BigQuery's API returns a NULL array as an empty one; the pages print NULL.
  if (a === '[]' && e.toUpperCase() === 'NULL') return true;
  if (a.toUpperCase() === 'NULL' || e.toUpperCase() === 'NULL') return a.toUpperCase() === e.toUpperCase();
  const composite = (x: string): boolean => (x.startsWith('[') && x.endsWith(']')) || (x.startsWith('{') && x.endsWith('}'));
  if (composite(a) && composite(e) && a[0] === e[0]) {
    const pa = splitTop(a.slice(1, -1));
    const pe = splitTop(e.slice(1, -1));
    if (pa.length !== pe.length) return false;
    // {2025 year, 09 month} or {x: 1}: some pages print a struct field's name after or before its value.
    const struct = e[0] === '{';
    const same = (x: string, y: string): boolean =>
      cellMatches(x, y) || (struct && (cellMatches(x, y.replace(/^\w+:/, '')) || cellMatches(x, y.replace(/\s+\w+$/, ''))));
    if (pa.every((x, i) => same(x, pe[i]!))) return true;
    // An array built without ORDER BY has no defined order: compare as a multiset.
    if (a[0] === '[' && unorderedArrays) {
      const used = new Set<number>();
      return pe.every((y) => {
        const k = pa.findIndex((x, i) => !used.has(i) && same(x, y));
        if (k >= 0) used.add(k);
        return k >= 0;
      });
    }
    return false;
  }
  return atomsEqual(a, e);
}

/**
 * Rows against the page's table. Columns are matched by name when the page
 * names the same columns in another order; arrays compare as multisets when
 * the query builds them without any ORDER BY.
 */
export function rowsMatch(actualIn: string[][], actualNames: string[], expected: string[][], expectedNames: string[], ordered: boolean, arraysUnordered: boolean): boolean {
  unorderedArrays = arraysUnordered;
  let actual = actualIn;
  const lower = actualNames.map((n) => n.toLowerCase());
  const perm = expectedNames.map((n) => lower.indexOf(n.toLowerCase()));
  if (perm.every((k) => k >= 0) && new Set(perm).size === perm.length && perm.length === actualNames.length) actual = actualIn.map((r) => perm.map((k) => r[k]!));
  if (actual.length !== expected.length) return false;
  if (actual.some((r, i) => r.length !== expected[i]!.length)) return false;
  if (ordered) return actual.every((r, i) => r.every((c, j) => cellMatches(c, expected[i]![j]!)));
  // Unordered: greedy matching of each expected row to an unused actual row.
  const used = new Set<number>();
  return expected.every((er) => {
    const k = actual.findIndex((ar, i) => !used.has(i) && ar.every((c, j) => cellMatches(c, er[j]!)));
    if (k < 0) return false;
    used.add(k);
    return true;
  });
}
