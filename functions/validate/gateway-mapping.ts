// A registry's payload mapping: how devices built for IoT Core, which send
// whatever their firmware sends, become the pipeline's event model. Kept on
// registries/{registryId}.payloadMapping (npm run devices -- create-registry
// --mapping file.json) and applied by validate on the gateway path only.
//
//   {"format": "event"}   (the default) the body is our event model, single
//                          or batch, where deviceId and ts may be left out
//   {"format": "json", "ts": "time", "tsUnit": "s", "seq": "n",
//    "readings": {"temperature": "env.temp_c"} | "*",
//    "state": {"door": "door_state"} | "*"}
//                          a JSON object; each field named by a dotted path;
//                          "*" takes every top-level number as a reading
//                          (readings) or every string/boolean as state (state)
//   {"format": "text", "stateKey": "message"}
//                          any UTF-8 text, kept as one state value
import { PermanentError } from '../lib/errors.js';

export type PayloadMapping =
  | { format: 'event' }
  | { format: 'json'; ts: string | null; tsUnit: 'rfc3339' | 's' | 'ms'; seq: string | null; readings: Record<string, string> | '*' | null; state: Record<string, string> | '*' | null }
  | { format: 'text'; stateKey: string };

export const DEFAULT_MAPPING: PayloadMapping = { format: 'event' };

function malformed(detail: string): PermanentError {
  return new PermanentError('malformed-device-record', `registries payloadMapping: ${detail}`);
}

const fieldMap = (v: unknown, what: string): Record<string, string> | '*' | null => {
  if (v === undefined || v === null) return null;
  if (v === '*') return '*';
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what} must be an object of name -> path, or "*"`);
  for (const [k, p] of Object.entries(v)) if (typeof p !== 'string' || !p) throw malformed(`${what}.${k} must be a path`);
  return v as Record<string, string>;
};

/** Parses a registry document's payloadMapping (absent: the event model as it is). */
export function parsePayloadMapping(registryDoc: Record<string, unknown>): PayloadMapping {
  const m = registryDoc.payloadMapping;
  if (m === undefined || m === null) return DEFAULT_MAPPING;
  if (typeof m !== 'object' || Array.isArray(m)) throw malformed('not an object');
  const o = m as Record<string, unknown>;
  switch (o.format ?? 'event') {
    case 'event':
      return DEFAULT_MAPPING;
    case 'text':
      if (typeof o.stateKey !== 'string') throw malformed('text needs stateKey');
      return { format: 'text', stateKey: o.stateKey };
    case 'json': {
      const tsUnit = o.tsUnit ?? 'rfc3339';
      if (tsUnit !== 'rfc3339' && tsUnit !== 's' && tsUnit !== 'ms') throw malformed('tsUnit must be rfc3339, s or ms');
      const path = (v: unknown, what: string): string | null => {
        if (v === undefined || v === null) return null;
        if (typeof v !== 'string' || !v) throw malformed(`${what} must be a path`);
        return v;
      };
      return { format: 'json', ts: path(o.ts, 'ts'), tsUnit, seq: path(o.seq, 'seq'), readings: fieldMap(o.readings, 'readings'), state: fieldMap(o.state, 'state') };
    }
    default:
      throw malformed('format must be event, json or text');
  }
}

function at(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function tsOf(v: unknown, unit: 'rfc3339' | 's' | 'ms'): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (unit === 'rfc3339') return typeof v === 'string' ? v : String(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PermanentError('invalid-timestamp', `mapped ts is not a number of ${unit === 's' ? 'seconds' : 'milliseconds'}`);
  const d = new Date(unit === 's' ? v * 1000 : v);
  if (Number.isNaN(d.getTime())) throw new PermanentError('invalid-timestamp', 'mapped ts is out of range');
  return d.toISOString();
}

/**
 * The event-model body for `text` (the device's bytes, already UTF-8 text),
 * before deviceId and a missing ts are filled in: an object for the "json"
 * and "text" formats, the parsed body itself for "event".
 */
export function mapPayload(mapping: PayloadMapping, text: string): unknown {
  if (mapping.format === 'text') return { state: { [mapping.stateKey]: text } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PermanentError('not-json', 'body is not JSON');
  }
  if (mapping.format === 'event') return parsed;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PermanentError('not-object', 'the mapping needs a JSON object');
  const src = parsed as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const ts = mapping.ts ? tsOf(at(src, mapping.ts), mapping.tsUnit) : undefined;
  if (ts !== undefined) out.ts = ts;
  if (mapping.seq) {
    const seq = at(src, mapping.seq);
    if (seq !== undefined) out.seq = seq;
  }
  const pick = (spec: Record<string, string> | '*' | null, wanted: (v: unknown) => boolean): Record<string, unknown> | undefined => {
    if (spec === null) return undefined;
    const r: Record<string, unknown> = {};
    if (spec === '*') {
      const skip = new Set([mapping.ts, mapping.seq]);
      for (const [k, v] of Object.entries(src)) if (!skip.has(k) && wanted(v)) r[k] = v;
    } else {
      for (const [name, p] of Object.entries(spec)) {
        const v = at(src, p);
        if (v !== undefined) r[name] = v;
      }
    }
    return Object.keys(r).length ? r : undefined;
  };
  const readings = pick(mapping.readings, (v) => typeof v === 'number');
  const state = pick(mapping.state, (v) => typeof v === 'string' || typeof v === 'boolean');
  if (readings) out.readings = readings;
  if (state) out.state = state;
  return out;
}
