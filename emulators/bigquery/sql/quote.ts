// Quoting for the DuckDB SQL the emulator generates. Every name or string
// that comes from a request (dataset, table, column and struct field names,
// parameter values, labels) reaches SQL through one of these two, never
// interpolated as is. Pure: it must not import the native engine, so the
// translator loads (and is tested) without DuckDB.

/** Quotes an identifier for DuckDB ("a""b"). */
export function qid(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB ('it''s'). */
export function qstr(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
