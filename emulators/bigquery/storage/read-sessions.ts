// The Storage Read API: CreateReadSession and ReadRows in Arrow, what
// analysts' notebooks (pandas, the Node client's ReadClient) use to pull a
// table fast. One stream per session; selected_fields and row_restriction
// (a GoogleSQL boolean expression, translated like any query) are honoured;
// rows are read when ReadRows runs, not frozen at session creation. Sessions
// live in memory for 6 hours, as BigQuery's expire.
import { randomBytes } from 'node:crypto';
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { DuckDBValue } from '@duckdb/node-api';
import type { TableMeta } from '../catalog.js';
import { translateQuery } from '../query-runner-core.js';
import type { TableFieldSchema } from '../schema-types.js';
import type { EmulatorState } from '../state.js';
import { arrowSchema, selectList, serializeBatch, serializeSchema } from './arrow-rows.js';
import { invalidArgument, StorageApiError } from './storage-error.js';
import { parseTableName } from './write-streams.js';

interface ReadSession {
  name: string;
  stream: string;
  table: TableMeta;
  fields: TableFieldSchema[];
  restriction: string;
  schema: ReturnType<typeof arrowSchema>;
  schemaBytes: Buffer;
  expires: number;
}

const SESSION_MS = 6 * 3600 * 1000;
const MAX_SESSIONS = 1000;
/** Rows per ReadRows response (BigQuery sends batches of about this size). */
const BATCH_ROWS = 1024;

export class ReadSessions {
  private readonly sessions = new Map<string, ReadSession>();

  constructor(private readonly state: EmulatorState) {}

  async create(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    const parent = String(req['parent'] ?? '');
    const rs = (req['readSession'] ?? {}) as { table?: string; dataFormat?: string; readOptions?: { selectedFields?: string[]; rowRestriction?: string } };
    if (!/^projects\/[^/]+$/.test(parent)) throw invalidArgument(`Invalid parent: "${parent.slice(0, 200)}" (expected projects/{project})`);
    const ref = parseTableName(String(rs.table ?? ''));
    const t = this.state.catalog.getTable(ref.project, ref.dataset, ref.table);
    if (!t) throw new StorageApiError(status.NOT_FOUND, 'TABLE_NOT_FOUND', String(rs.table), `Not found: Table ${ref.project}:${ref.dataset}.${ref.table}`);
    if (t.view) throw invalidArgument(`${ref.project}:${ref.dataset}.${ref.table} is a view; the Storage Read API reads tables (query the view into a table first)`);
    const format = rs.dataFormat ?? 'DATA_FORMAT_UNSPECIFIED';
    if (format !== 'ARROW') throw new StorageApiError(status.UNIMPLEMENTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', String(rs.table), `The emulator's Storage Read API answers ARROW only (asked for ${format})`);
    const selected = rs.readOptions?.selectedFields ?? [];
    const byName = new Map(t.fields.map((f) => [f.name.toLowerCase(), f]));
    const fields = selected.length === 0 ? t.fields : selected.map((n) => byName.get(n.toLowerCase()) ?? failField(n, t));
    const schema = arrowSchema(fields);
    this.evict();
    const id = randomBytes(12).toString('hex');
    const name = `${parent}/locations/US/sessions/${id}`;
    const session: ReadSession = { name, stream: `${name}/streams/0`, table: t, fields, restriction: rs.readOptions?.rowRestriction ?? '', schema, schemaBytes: serializeSchema(schema), expires: Date.now() + SESSION_MS };
    // Planned now, so a bad restriction fails the session as it does in BigQuery.
    const sql = this.sql(session);
    try {
      await this.state.engine.read((c) => c.prepare(sql));
    } catch (err) {
      throw invalidArgument(`row_restriction: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300)}`);
    }
    this.sessions.set(session.stream, session);
    const expire = new Date(session.expires);
    return {
      name,
      expireTime: { seconds: String(Math.floor(expire.getTime() / 1000)), nanos: 0 },
      dataFormat: 'ARROW',
      arrowSchema: { serializedSchema: session.schemaBytes },
      table: String(rs.table),
      readOptions: rs.readOptions ?? {},
      streams: [{ name: session.stream }],
    };
  }

  /** ReadRows: the session's rows from `offset` on, in batches. */
  async read(call: ServerWritableStream<Record<string, unknown>, unknown>): Promise<void> {
    const streamName = String(call.request['readStream'] ?? '');
    const s = this.sessions.get(streamName);
    if (!s || s.expires < Date.now()) throw new StorageApiError(status.NOT_FOUND, 'STORAGE_ERROR_CODE_UNSPECIFIED', streamName, `Not found: read stream ${streamName.slice(0, 300)}`);
    const offset = Number(call.request['offset'] ?? 0);
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`Invalid offset ${String(call.request['offset'])}`);
    const rows = await this.state.engine.read(async (c) => (await c.runAndReadAll(this.sql(s))).getRows() as DuckDBValue[][]);
    for (let start = offset; start < rows.length; start += BATCH_ROWS) {
      if (call.cancelled) return;
      const batch = rows.slice(start, start + BATCH_ROWS);
      const ok = call.write({
        arrowRecordBatch: { serializedRecordBatch: serializeBatch(s.schema, batch, s.schemaBytes), rowCount: String(batch.length) },
        rowCount: String(batch.length),
        stats: { progress: { atResponseStart: start / rows.length, atResponseEnd: (start + batch.length) / rows.length } },
      });
      if (!ok) await new Promise<void>((r) => call.once('drain', () => r()));
    }
  }

  clear(): void {
    this.sessions.clear();
  }

  private sql(s: ReadSession): string {
    const t = s.table;
    const ref = `\`${t.project}.${t.dataset}.${t.table}\``;
    const where = s.restriction.trim() ? ` WHERE (${s.restriction})` : '';
    // The restriction is GoogleSQL: translated (and its names checked) like any query.
    const tr = translateQuery(this.state, { query: `SELECT * FROM ${ref}${where}`, project: t.project });
    if (tr.statementType !== 'SELECT') throw invalidArgument('row_restriction must be a boolean expression');
    return `SELECT ${selectList(s.fields)} FROM (${tr.sql}) AS t`;
  }

  private evict(): void {
    const now = Date.now();
    for (const [k, s] of this.sessions) if (s.expires < now) this.sessions.delete(k);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

function failField(name: string, t: TableMeta): never {
  throw invalidArgument(`selected_fields: no column ${name.slice(0, 100)} in ${t.project}:${t.dataset}.${t.table}`);
}
