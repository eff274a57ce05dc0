// A table's REST schema (legacy type names) as the Storage API's TableSchema,
// which GetWriteStream returns with view FULL: writers turn it into their
// proto descriptor (adapt.convertStorageSchemaToProto2Descriptor).
import type { TableFieldSchema } from '../schema-types.js';

const STORAGE_TYPE: Record<string, string> = {
  STRING: 'STRING',
  BYTES: 'BYTES',
  INTEGER: 'INT64',
  FLOAT: 'DOUBLE',
  NUMERIC: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BOOLEAN: 'BOOL',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'DATETIME',
  JSON: 'JSON',
  RECORD: 'STRUCT',
};

export interface StorageField {
  name: string;
  type: string;
  mode: string;
  fields?: StorageField[];
  description?: string;
}

export function storageTableSchema(fields: TableFieldSchema[]): { fields: StorageField[] } {
  const convert = (fs: TableFieldSchema[]): StorageField[] =>
    fs.map((f) => ({
      name: f.name,
      type: STORAGE_TYPE[f.type] ?? 'TYPE_UNSPECIFIED',
      mode: f.mode ?? 'NULLABLE',
      ...(f.fields ? { fields: convert(f.fields) } : {}),
      ...(typeof f.description === 'string' ? { description: f.description } : {}),
    }));
  return { fields: convert(fields) };
}
