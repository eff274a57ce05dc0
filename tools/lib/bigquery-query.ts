// Running a GoogleSQL query with @google-cloud/bigquery and getting back the
// rows together with the result schema (column order and types), which the
// client's plain query() drops. Shared by the query, replay and dashboard tools.
import type { BigQuery, Query } from '@google-cloud/bigquery';

export interface ResultField {
  name: string;
  type: string;
  mode?: string;
}

export interface QueryResult {
  fields: ResultField[];
  rows: Record<string, unknown>[];
  /** Rows the query produced (may exceed rows.length when capped by maxRows). */
  totalRows: number;
  truncated: boolean;
  elapsedMs: number;
}

export interface RunQueryOptions {
  /** Stop fetching after this many rows (default 10,000). */
  maxRows?: number;
  /** Named parameters (@name in the SQL). */
  params?: Record<string, unknown>;
  /** Parameter types, for nulls and empty arrays. */
  types?: Record<string, string | string[]>;
  location?: string;
}

export async function runQuery(bq: BigQuery, sql: string, opts: RunQueryOptions = {}): Promise<QueryResult> {
  const started = performance.now();
  const maxRows = opts.maxRows ?? 10_000;
  const request: Query = { query: sql, useLegacySql: false, ...(opts.location ? { location: opts.location } : {}) };
  if (opts.params) request.params = opts.params;
  if (opts.types) request.types = opts.types;
  const [job] = await bq.createQueryJob(request);
  const rows: Record<string, unknown>[] = [];
  let fields: ResultField[] = [];
  let totalRows = 0;
  let pageToken: string | undefined;
  for (;;) {
    const [page, next, resp] = await job.getQueryResults({
      autoPaginate: false,
      maxResults: Math.min(maxRows - rows.length, 10_000) || 1,
      ...(pageToken ? { pageToken } : {}),
    });
    if (resp?.schema?.fields && fields.length === 0) {
      fields = resp.schema.fields.map((f) => ({ name: f.name ?? '', type: f.type ?? 'STRING', ...(f.mode ? { mode: f.mode } : {}) }));
    }
    if (resp?.totalRows !== undefined && resp.totalRows !== null) totalRows = Number(resp.totalRows);
    rows.push(...(page as Record<string, unknown>[]));
    pageToken = next?.pageToken ?? undefined;
    if (!pageToken || rows.length >= maxRows) break;
  }
  const kept = rows.slice(0, maxRows);
  totalRows = Math.max(totalRows, rows.length);
  if (fields.length === 0 && kept[0]) fields = Object.keys(kept[0]).map((name) => ({ name, type: 'STRING' }));
  return { fields, rows: kept, totalRows, truncated: totalRows > kept.length, elapsedMs: performance.now() - started };
}

/** A result cell as plain JSON-able data: timestamps as RFC 3339 strings, BYTES as base64, NUMERIC as strings. */
export function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(plainValue);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // BigQueryTimestamp / Date / Datetime / Time wrap a string in .value.
    const ctor = (v as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (/^BigQuery(Timestamp|Date|Datetime|Time|Range)$/.test(ctor) && 'value' in o) return plainValue(o.value);
    if (ctor === 'Big' || ctor === 'BigQueryInt') return String(v);
    if (v instanceof Date) return v.toISOString();
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainValue(x)]));
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}
