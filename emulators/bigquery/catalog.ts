// Metadata for datasets and tables: kept in memory for lookups and persisted
// in the DuckDB file (schema __bq_meta) so a --data restart keeps schemas,
// partitioning, clustering and descriptions. Table data lives in one DuckDB
// schema per dataset, named "project.dataset".
import type { Engine } from './engine.js';
import { qid, qstr } from './sql/quote.js';
import { deleteInsertIdsSql, INSERT_IDS_DDL } from './dedup-store.js';
import { columnDefs, type TableFieldSchema } from './schema-types.js';

export interface DatasetMeta {
  project: string;
  dataset: string;
  /** REST fields the caller set (description, labels, ...) plus creation times. */
  resource: Record<string, unknown>;
}

export interface TableMeta {
  project: string;
  dataset: string;
  table: string;
  fields: TableFieldSchema[];
  resource: Record<string, unknown>;
  /** Ingestion-time partitioning: physical _PARTITIONTIME/_PARTITIONDATE columns. */
  ingestionTime: boolean;
  /** A logical view (tables.insert with view.query): a DuckDB view of the translated SQL. */
  view?: { query: string; useLegacySql: false };
  /** A table snapshot (copy job with operationType SNAPSHOT): read-only. */
  snapshot?: { baseTableReference: { projectId: string; datasetId: string; tableId: string }; snapshotTime: string };
}

const META = '__bq_meta';
const key = (...parts: string[]): string => parts.join('\u0000');

export function schemaSql(project: string, dataset: string): string {
  return qid(`${project}.${dataset}`);
}
export function tableSql(t: { project: string; dataset: string; table: string }): string {
  return `${schemaSql(t.project, t.dataset)}.${qid(t.table)}`;
}

export class Catalog {
  private readonly datasets = new Map<string, DatasetMeta>();
  private readonly tables = new Map<string, TableMeta>();

  constructor(private readonly engine: Engine) {}

  async load(): Promise<void> {
    await this.engine.write(async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${META}`);
      await c.run(`CREATE TABLE IF NOT EXISTS ${META}.datasets (project VARCHAR, dataset VARCHAR, resource VARCHAR, PRIMARY KEY (project, dataset))`);
      await c.run(`CREATE TABLE IF NOT EXISTS ${META}.tables (project VARCHAR, dataset VARCHAR, tbl VARCHAR, meta VARCHAR, PRIMARY KEY (project, dataset, tbl))`);
      await c.run(INSERT_IDS_DDL);
      for (const r of (await c.runAndReadAll(`SELECT project, dataset, resource FROM ${META}.datasets`)).getRows()) {
        const [project, dataset, resource] = r as [string, string, string];
        this.datasets.set(key(project, dataset), { project, dataset, resource: JSON.parse(resource) as Record<string, unknown> });
      }
      for (const r of (await c.runAndReadAll(`SELECT meta FROM ${META}.tables`)).getRows()) {
        const t = JSON.parse(r[0] as string) as TableMeta;
        this.tables.set(key(t.project, t.dataset, t.table), t);
      }
    });
  }

  projects(): string[] {
    return [...new Set([...this.datasets.values()].map((d) => d.project))].sort();
  }

  getDataset(project: string, dataset: string): DatasetMeta | undefined {
    return this.datasets.get(key(project, dataset));
  }

  listDatasets(project: string): DatasetMeta[] {
    return [...this.datasets.values()].filter((d) => d.project === project).sort((a, b) => a.dataset.localeCompare(b.dataset));
  }

  getTable(project: string, dataset: string, table: string): TableMeta | undefined {
    return this.tables.get(key(project, dataset, table));
  }

  listTables(project: string, dataset: string): TableMeta[] {
    return [...this.tables.values()].filter((t) => t.project === project && t.dataset === dataset).sort((a, b) => a.table.localeCompare(b.table));
  }

  async createDataset(d: DatasetMeta): Promise<void> {
    await this.engine.write(async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${schemaSql(d.project, d.dataset)}`);
      await c.run(`INSERT INTO ${META}.datasets VALUES (${qstr(d.project)}, ${qstr(d.dataset)}, ${qstr(JSON.stringify(d.resource))})`);
    });
    this.datasets.set(key(d.project, d.dataset), d);
  }

  async saveDataset(d: DatasetMeta): Promise<void> {
    await this.engine.write((c) =>
      c.run(`UPDATE ${META}.datasets SET resource = ${qstr(JSON.stringify(d.resource))} WHERE project = ${qstr(d.project)} AND dataset = ${qstr(d.dataset)}`),
    );
    this.datasets.set(key(d.project, d.dataset), d);
  }

  async deleteDataset(project: string, dataset: string): Promise<void> {
    await this.engine.write(async (c) => {
      await c.run(`DROP SCHEMA IF EXISTS ${schemaSql(project, dataset)} CASCADE`);
      await c.run(`DELETE FROM ${META}.tables WHERE project = ${qstr(project)} AND dataset = ${qstr(dataset)}`);
      await c.run(deleteInsertIdsSql(project, dataset));
      await c.run(`DELETE FROM ${META}.datasets WHERE project = ${qstr(project)} AND dataset = ${qstr(dataset)}`);
    });
    for (const t of this.listTables(project, dataset)) this.tables.delete(key(project, dataset, t.table));
    this.datasets.delete(key(project, dataset));
  }

  async createTable(t: TableMeta): Promise<void> {
    const hidden = t.ingestionTime ? ', "_PARTITIONTIME" TIMESTAMPTZ, "_PARTITIONDATE" DATE' : '';
    await this.engine.write(async (c) => {
      await c.run(`CREATE TABLE ${tableSql(t)} (${columnDefs(t.fields)}${hidden})`);
      await c.run(`INSERT INTO ${META}.tables VALUES (${qstr(t.project)}, ${qstr(t.dataset)}, ${qstr(t.table)}, ${qstr(JSON.stringify(t))})`);
    });
    this.tables.set(key(t.project, t.dataset, t.table), t);
  }

  /** Creates a view: `sql` is its query already translated to DuckDB SQL. */
  async createView(t: TableMeta, sql: string): Promise<void> {
    await this.engine.write(async (c) => {
      await c.run(`CREATE VIEW ${tableSql(t)} AS ${sql}`);
      await c.run(`INSERT INTO ${META}.tables VALUES (${qstr(t.project)}, ${qstr(t.dataset)}, ${qstr(t.table)}, ${qstr(JSON.stringify(t))})`);
    });
    this.tables.set(key(t.project, t.dataset, t.table), t);
  }

  /** Saves new metadata; addColumns are appended to the DuckDB table first. */
  async saveTable(t: TableMeta, addColumns: TableFieldSchema[] = [], relaxColumns: string[] = []): Promise<void> {
    await this.engine.write(async (c) => {
      for (const f of addColumns) await c.run(`ALTER TABLE ${tableSql(t)} ADD COLUMN ${columnDefs([f])}`);
      for (const name of relaxColumns) await c.run(`ALTER TABLE ${tableSql(t)} ALTER COLUMN ${qid(name)} DROP NOT NULL`);
      await c.run(`UPDATE ${META}.tables SET meta = ${qstr(JSON.stringify(t))} WHERE project = ${qstr(t.project)} AND dataset = ${qstr(t.dataset)} AND tbl = ${qstr(t.table)}`);
    });
    this.tables.set(key(t.project, t.dataset, t.table), t);
  }

  async deleteTable(t: TableMeta): Promise<void> {
    await this.engine.write(async (c) => {
      await c.run(`DROP ${t.view ? 'VIEW' : 'TABLE'} IF EXISTS ${tableSql(t)}`);
      await c.run(`DELETE FROM ${META}.tables WHERE project = ${qstr(t.project)} AND dataset = ${qstr(t.dataset)} AND tbl = ${qstr(t.table)}`);
      await c.run(deleteInsertIdsSql(t.project, t.dataset, t.table));
    });
    this.tables.delete(key(t.project, t.dataset, t.table));
  }

  async reset(): Promise<void> {
    for (const d of [...this.datasets.values()]) await this.deleteDataset(d.project, d.dataset);
  }
}
