// Load-job input parsing without DuckDB: CSV as BigQuery reads it (quotes,
// delimiters, line breaks, broken records), schema auto-detection for CSV
// and NDJSON, the multipart/related bodies of uploads, and gs:// paths under
// --gcs-dir. Table-driven: each case states its input and its exact result.
import assert from 'node:assert/strict';
import path from 'node:path';
import { csvOptionsOf, parseCsv } from '../../../emulators/bigquery/load-csv.js';
import { detectCsvSchema, detectJsonSchema } from '../../../emulators/bigquery/load-detect.js';
import { localPathOf } from '../../../emulators/bigquery/local-storage.js';
import { multipartParts } from '../../../emulators/bigquery/upload.js';

const fields = (text: string, conf: Record<string, unknown> = {}): string[][] => parseCsv(text, csvOptionsOf(conf)).records.map((r) => r.fields);

describe('bigquery emulator: load parsing', () => {
  it('reads CSV records with BigQuery options', () => {
    const cases: [string, Record<string, unknown>, string[][]][] = [
      ['a,b\n1,2\n', {}, [['a', 'b'], ['1', '2']]],
      ['a,b\r\n1,2', {}, [['a', 'b'], ['1', '2']]],
      ['"a,b","say ""hi"""\n', {}, [['a,b', 'say "hi"']]],
      ['a;b\n', { fieldDelimiter: ';' }, [['a', 'b']]],
      ['a\tb\n', { fieldDelimiter: 'tab' }, [['a', 'b']]],
      ['a\tb\n', { fieldDelimiter: '\\t' }, [['a', 'b']]],
      ['"x"\n', { quote: '' }, [['"x"']]],
      ["'a,b',c\n", { quote: "'" }, [['a,b', 'c']]],
      ['"line\nbreak",z\n', { allowQuotedNewlines: true }, [['line\nbreak', 'z']]],
      ['a,,\n\n', {}, [['a', '', '']]],
    ];
    for (const [text, conf, want] of cases) assert.deepEqual(fields(text, conf), want, JSON.stringify([text, conf]));
  });

  it('reports a broken CSV record by position and goes on with the next line', () => {
    const r = parseCsv('ok,1\n"open,2\nnext,3\n"a"b,4\n"nl\nx",5\n', csvOptionsOf({}));
    assert.deepEqual(r.records.map((x) => x.fields), [['ok', '1'], ['next', '3'], ['x"', '5']]);
    assert.deepEqual(r.errors.map((e) => e.position), [5, 20, 27]);
    assert.match(r.errors[0]!.message, /line break, which needs allowQuotedNewlines/);
    assert.match(r.errors[1]!.message, /Data between close quote/);
    // An empty quoted field is an empty string; an empty unquoted one may be NULL.
    assert.deepEqual(parseCsv('"",\n', csvOptionsOf({})).records[0]!.quoted, [true, false]);
  });

  it('detects CSV schemas: types from the data, names from a header or BigQuery-style defaults', () => {
    const rows = [['1', '1.5', 'true', '2026-11-24', '2026-11-24 10:00:00', 'x']];
    assert.deepEqual(
      detectCsvSchema(rows, undefined).fields.map((f) => `${f.name}:${f.type}`),
      ['int64_field_0:INTEGER', 'double_field_1:FLOAT', 'bool_field_2:BOOLEAN', 'date_field_3:DATE', 'timestamp_field_4:TIMESTAMP', 'string_field_5:STRING'],
    );
    const withHeader = detectCsvSchema([['device id', 'n'], ['a', '1'], ['b', '']], undefined);
    assert.equal(withHeader.headerDetected, true);
    assert.deepEqual(withHeader.fields.map((f) => `${f.name}:${f.type}`), ['device_id:STRING', 'n:INTEGER']);
    assert.deepEqual(detectCsvSchema([['1', '2']], ['n', 'n']).fields.map((f) => f.name), ['n', 'n_2']);
  });

  it('detects NDJSON schemas: numbers, strings, dates, nested records and arrays', () => {
    const schema = detectJsonSchema([
      { i: 1, f: 1.5, s: 'x', b: true, ts: '2026-11-24T10:00:00Z', d: '2026-11-24', r: { k: 'v' }, a: [1, 2], q: '12' },
      { i: 2, f: 2, s: null, extra: 'late' },
    ]);
    assert.deepEqual(schema, [
      { name: 'i', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'f', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 's', type: 'STRING', mode: 'NULLABLE' },
      { name: 'b', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'd', type: 'DATE', mode: 'NULLABLE' },
      { name: 'r', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'k', type: 'STRING', mode: 'NULLABLE' }] },
      { name: 'a', type: 'INTEGER', mode: 'REPEATED' },
      { name: 'q', type: 'STRING', mode: 'NULLABLE' },
      { name: 'extra', type: 'STRING', mode: 'NULLABLE' },
    ]);
  });

  it('splits multipart/related upload bodies into their parts', () => {
    const body = Buffer.from('--xyz\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n--xyz\r\nContent-Type: application/octet-stream\r\n\r\nline1\r\nline2\r\n--xyz--');
    const parts = multipartParts(body, 'xyz');
    assert.deepEqual(parts.map((p) => [p.headers['content-type'], p.data.toString()]), [
      ['application/json', '{"a":1}'],
      ['application/octet-stream', 'line1\r\nline2'],
    ]);
    assert.throws(() => multipartParts(Buffer.from('no boundary here'), 'xyz'), /boundary not found/);
  });

  it('maps gs:// URIs into --gcs-dir and never outside it', () => {
    assert.equal(localPathOf('/data/gcs', 'gs://bucket/a/b.json'), path.resolve('/data/gcs/bucket/a/b.json'));
    for (const uri of ['gs://bucket/../x', 'gs://bucket/a/../../x', 'gs://bucket/./x', 'http://x/y', 'gs://b/x', 's3://bucket/x']) {
      assert.throws(() => localPathOf('/data/gcs', uri), /Invalid Cloud Storage URI/, uri);
    }
    assert.throws(() => localPathOf(undefined, 'gs://bucket/x'), /--gcs-dir/);
  });
});
