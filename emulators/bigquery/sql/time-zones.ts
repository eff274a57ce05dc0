// Time zones in TIMESTAMP functions. A TIMESTAMP is an instant (DuckDB
// TIMESTAMPTZ, the session zone is UTC); a zone turns it into local civil time
// (TIMESTAMP) and back. IANA names go through DuckDB's ICU `timezone()`; fixed
// offsets (+05:30, -8, UTC+3), which ICU does not name, are plain arithmetic.
import { invalidQuery } from '../errors.js';
import { qstr } from './quote.js';
import type { Node, Token } from './tokenize.js';

export interface Zone {
  /** Instant -> local civil time in the zone. */
  toLocal(instant: string): string;
  /** Local civil time in the zone -> instant. */
  fromLocal(local: string): string;
  /** True for UTC itself (the functions' default). */
  utc: boolean;
}

const OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

function offsetZone(sign: string, h: string, m: string | undefined): Zone {
  const minutes = (sign === '-' ? -1 : 1) * (Number(h) * 60 + Number(m ?? 0));
  if (Math.abs(minutes) > 14 * 60) throw invalidQuery(`Invalid time zone: ${sign}${h}${m ? `:${m}` : ''}`);
  return {
    toLocal: (x) => `(CAST(${x} AS TIMESTAMP) + INTERVAL (${minutes}) MINUTE)`,
    fromLocal: (x) => `CAST(CAST(${x} AS TIMESTAMP) - INTERVAL (${minutes}) MINUTE AS TIMESTAMPTZ)`,
    utc: minutes === 0,
  };
}

const UTC: Zone = { toLocal: (x) => `CAST(${x} AS TIMESTAMP)`, fromLocal: (x) => `CAST(CAST(${x} AS TIMESTAMP) AS TIMESTAMPTZ)`, utc: true };

/** The zone an argument names: a string literal (checked here) or any STRING expression (checked by DuckDB). */
export function zoneOf(nodes: Node[] | undefined, expr: (n: Node[]) => string): Zone {
  if (!nodes || nodes.length === 0) return UTC;
  const t = nodes[0] as Token;
  if (nodes.length === 1 && t.kind === 'string') {
    const name = t.value.trim();
    if (/^(UTC|Etc\/UTC|GMT|Z|Zulu)$/i.test(name)) return UTC;
    const m = OFFSET_RE.exec(name);
    if (m) return offsetZone(m[1]!, m[2]!, m[3]);
    if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) throw invalidQuery(`Invalid time zone: ${name}`);
    return named(qstr(name));
  }
  return named(expr(nodes));
}

function named(zone: string): Zone {
  return {
    toLocal: (x) => `timezone(${zone}, CAST(${x} AS TIMESTAMPTZ))`,
    fromLocal: (x) => `timezone(${zone}, CAST(${x} AS TIMESTAMP))`,
    utc: false,
  };
}
