// tabledata.list: rows in insertion order (DuckDB rowid), paged by
// maxResults + pageToken or startIndex, optionally only selectedFields.
import type { DuckDBValue } from '@duckdb/node-api';
import { tableSql } from './catalog.js';
import { qid } from './sql/quote.js';
import { invalid } from './errors.js';
import { decodePageToken, encodePageToken, maxResultsOf } from './paging.js';
import { ok, type Handler } from './state.js';
import { requireTable } from './tables.js';
import { formatRow, timestampFormatOf } from './value-format.js';

export const listTableData: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
  if (t.view) throw invalid('Cannot list a table of type VIEW.');
  const q = ctx.query;
  const start = q.get('pageToken') ? decodePageToken(q.get('pageToken')) : Number(q.get('startIndex') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid startIndex: ${q.get('startIndex')}`);
  const max = maxResultsOf(q, 100000);
  let fields = t.fields;
  const selected = q.get('selectedFields');
  if (selected) {
    const wanted = new Set(selected.split(',').map((s) => s.trim().split('.')[0]!.toLowerCase()).filter(Boolean));
    for (const w of wanted) if (!t.fields.some((f) => f.name.toLowerCase() === w)) throw invalid(`Invalid field selection ${w}`);
    fields = t.fields.filter((f) => wanted.has(f.name.toLowerCase()));
  }
  const ts = timestampFormatOf({ useInt64Timestamp: q.get('formatOptions.useInt64Timestamp') ?? undefined, timestampOutputFormat: q.get('formatOptions.timestampOutputFormat') ?? undefined });
  const { total, rows } = await state.engine.read(async (c) => {
    const total = Number((await c.runAndReadAll(`SELECT count(*) FROM ${tableSql(t)}`)).getRows()[0]![0]);
    if (fields.length === 0) return { total, rows: [] as { f: unknown[] }[] };
    const r = await c.runAndReadAll(`SELECT ${fields.map((f) => qid(f.name)).join(', ')} FROM ${tableSql(t)} ORDER BY rowid LIMIT ${max} OFFSET ${start}`);
    const types = r.columnTypes();
    const cols = fields.map((f, i) => ({ field: f, duck: types[i]! }));
    return { total, rows: (r.getRows() as DuckDBValue[][]).map((row) => formatRow(row, cols, ts)) };
  });
  const end = start + rows.length;
  return ok({
    kind: 'bigquery#tableDataList',
    etag: String(total),
    totalRows: String(total),
    ...(rows.length > 0 ? { rows } : {}),
    ...(end < total ? { pageToken: encodePageToken(end) } : {}),
  });
};
