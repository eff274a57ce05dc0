// The BigQuery emulator left running on a laptop: what a web page in the
// developer's browser, a hostile request or an oversized body can do to it.
// Every refusal is checked for its status and BigQuery error JSON, and for
// leaving nothing behind (a canary table keeps its rows, no file appears).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Engine } from '../../../emulators/bigquery/engine.js';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: { error?: { code: number; message: string; errors: { reason: string }[] } } & Record<string, unknown>;
}

describe('integration: BigQuery emulator safety (browsers, hostile input, limits, DuckDB lockdown)', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let dir: string;
  const LIMIT = 256 * 1024;

  // node:http rather than fetch: fetch cannot set Host or Origin as a browser or an attacker would.
  function raw(method: string, p: string, opts: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Answer> {
    const u = new URL(emu.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers: opts.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Answer['json']) : {} });
        });
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  const json = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    raw(method, p, { headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

  async function canaryRows(): Promise<string> {
    const r = await json('POST', '/projects/p/queries', { query: 'SELECT COUNT(*) FROM d.canary', useLegacySql: false });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['rows'] as { f: { v: string }[] }[])[0]!.f[0]!.v;
  }

  function reasonOf(a: Answer): string | undefined {
    return a.json.error?.errors[0]?.reason;
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bq-safety-'));
    emu = await startBigQueryEmulator({ port: 0, maxBodyBytes: LIMIT, maxUploadBytes: LIMIT, allowedHosts: ['bigquery-emulator'] });
    assert.equal((await json('POST', '/projects/p/datasets', { datasetReference: { datasetId: 'd' } })).status, 200);
    const t = await json('POST', '/projects/p/datasets/d/tables', {
      tableReference: { tableId: 'canary' },
      schema: { fields: [{ name: 's', type: 'STRING' }, { name: 'i', type: 'INT64' }] },
    });
    assert.equal(t.status, 200);
    assert.equal((await json('POST', '/projects/p/datasets/d/tables/canary/insertAll', { rows: [{ json: { s: 'a', i: 1 } }, { json: { s: 'b', i: 2 } }] })).status, 200);
  });

  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('browsers', () => {
    it('refuses a request from another origin with 403 and creates nothing', async () => {
      const r = await json('POST', '/projects/p/datasets', { datasetReference: { datasetId: 'from_page' } }, { origin: 'http://evil.example' });
      assert.equal(r.status, 403);
      assert.equal(reasonOf(r), 'accessDenied');
      assert.match(r.json.error!.message, /Origin "http:\/\/evil\.example" is not allowed/);
      assert.equal((await json('GET', '/projects/p/datasets/from_page')).status, 404);
      // Sandboxed frames and file:// pages send Origin: null.
      assert.equal((await json('GET', '/projects/p/datasets', undefined, { origin: 'null' })).status, 403);
    });

    it('answers its own origin (a page the emulator would serve itself)', async () => {
      const host = new URL(emu.url).host;
      const r = await json('GET', '/projects/p/datasets', undefined, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
      assert.equal(r.status, 200);
    });

    it('refuses CORS preflights and cross-site fetches without sending any CORS header', async () => {
      const pre = await raw('OPTIONS', '/projects/p/queries', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      assert.equal(pre.status, 403);
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
      // A no-cors GET (an <img> or <script> tag) carries no Origin, only Sec-Fetch-Site.
      const img = await raw('GET', '/projects/p/datasets', { headers: { 'sec-fetch-site': 'cross-site' } });
      assert.equal(img.status, 403);
    });

    it('refuses a Host that is not an IP address, localhost or an --allow-host name (DNS rebinding)', async () => {
      const port = new URL(emu.url).port;
      const rebound = await json('GET', '/projects/p/datasets', undefined, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` });
      assert.equal(rebound.status, 403);
      assert.match(rebound.json.error!.message, /Host "evil\.example:\d+" is not allowed/);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `bigquery-emulator:${port}`]) {
        assert.equal((await json('GET', '/projects/p/datasets', undefined, { host })).status, 200, host);
      }
    });

    it('takes only JSON bodies: forms and text/plain (what a page can send without a preflight) are 415', async () => {
      const q = JSON.stringify({ query: "INSERT INTO d.canary (s, i) VALUES ('page', 3)", useLegacySql: false });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const r = await raw('POST', '/projects/p/queries', { headers: { 'content-type': type }, body: q });
        assert.equal(r.status, 415, type);
        assert.match(r.json.error!.message, /Unsupported Content-Type/);
      }
      const none = await raw('POST', '/projects/p/queries', { body: q });
      assert.equal(none.status, 415);
      assert.equal(await canaryRows(), '2');
      // application/json with a charset is JSON.
      const ok = await raw('POST', '/projects/p/queries', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ query: 'SELECT 1', useLegacySql: false }) });
      assert.equal(ok.status, 200);
    });
  });

  describe('body limits', () => {
    const bigRows = (n: number): unknown => ({ rows: Array.from({ length: n }, (_, i) => ({ json: { s: 'x'.repeat(100), i } })) });

    it('answers 413 in BigQuery error JSON for a body over the limit, declared or streamed', async () => {
      const body = JSON.stringify(bigRows(3000));
      assert.ok(body.length > LIMIT);
      const declared = await raw('POST', '/projects/p/datasets/d/tables/canary/insertAll', { headers: { 'content-type': 'application/json' }, body });
      assert.equal(declared.status, 413);
      assert.equal(declared.json.error!.message, `Request payload size exceeds the limit: ${LIMIT} bytes.`);
      assert.equal(declared.headers.connection, 'close');
      const streamed = await raw('POST', '/projects/p/datasets/d/tables/canary/insertAll', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body });
      assert.equal(streamed.status, 413);
      assert.equal(await canaryRows(), '2');
    });

    it('bounds gzip inflation: a small body that inflates past the limit is 413; bad gzip is 400; good gzip works', async () => {
      const bomb = gzipSync(Buffer.from(JSON.stringify({ rows: [{ json: { s: ' '.repeat(20 * 1024 * 1024) } }] })));
      assert.ok(bomb.length < 64 * 1024, `bomb is ${bomb.length} bytes`);
      const r = await raw('POST', '/projects/p/datasets/d/tables/canary/insertAll', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      assert.equal(r.status, 413);
      assert.match(r.json.error!.message, /after gzip inflation/);
      const bad = await raw('POST', '/projects/p/queries', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error!.message, /Invalid gzip body/);
      const good = await raw('POST', '/projects/p/queries', {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ query: 'SELECT 40 + 2 AS x', useLegacySql: false })),
      });
      assert.equal(good.status, 200);
      assert.deepEqual(good.json['rows'], [{ f: [{ v: '42' }] }]);
      const br = await raw('POST', '/projects/p/queries', { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: 'x' });
      assert.equal(br.status, 415);
      assert.equal(await canaryRows(), '2');
    });
  });

  describe('media uploads (load jobs)', () => {
    const path_ = '/upload/bigquery/v2/projects/p/jobs';
    const job = { configuration: { load: { destinationTable: { projectId: 'p', datasetId: 'd', tableId: 'canary' }, sourceFormat: 'NEWLINE_DELIMITED_JSON' } } };
    const multipart = (meta: unknown, data: string, metaType = 'application/json'): Buffer =>
      Buffer.from(`--b\r\nContent-Type: ${metaType}\r\n\r\n${JSON.stringify(meta)}\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n${data}\r\n--b--`);

    it('takes a multipart/related upload and refuses other body types, other origins and non-load jobs', async () => {
      const good = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/related; boundary=b' }, body: multipart(job, '{"s":"up","i":9}\n') });
      assert.equal(good.status, 200, JSON.stringify(good.json));
      assert.equal((good.json['status'] as { state: string }).state, 'DONE');
      assert.equal(await canaryRows(), '3');
      await json('POST', '/projects/p/queries', { query: 'DELETE FROM d.canary WHERE i = 9', useLegacySql: false });
      const form = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: multipart(job, '{"s":"x"}') });
      assert.equal(form.status, 415);
      const textMeta = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/related; boundary=b' }, body: multipart(job, '{"s":"x"}', 'text/plain') });
      assert.equal(textMeta.status, 415);
      const page = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/related; boundary=b', origin: 'http://evil.example' }, body: multipart(job, '{"s":"x"}') });
      assert.equal(page.status, 403);
      const query = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/related; boundary=b' }, body: multipart({ configuration: { query: { query: 'SELECT 1' } } }, '') });
      assert.equal(query.status, 400);
      const media = await raw('POST', `${path_}?uploadType=media`, { headers: { 'content-type': 'text/plain' }, body: '{"s":"x"}' });
      assert.equal(media.status, 400);
      assert.equal(await canaryRows(), '2');
    });

    it('bounds uploads (413) and forgets unknown resumable sessions (404)', async () => {
      const big = await raw('POST', `${path_}?uploadType=multipart`, { headers: { 'content-type': 'multipart/related; boundary=b' }, body: multipart(job, `{"s":"${'x'.repeat(LIMIT)}"}`) });
      assert.equal(big.status, 413);
      const init = await json('POST', `${path_}?uploadType=resumable`, job);
      const location = new URL(String(init.headers.location));
      const over = await raw('PUT', `${location.pathname}${location.search}`, { body: Buffer.alloc(LIMIT + 1, 0x20) });
      assert.equal(over.status, 413);
      const unknown = await raw('PUT', `${path_}?uploadType=resumable&upload_id=nope`, { body: '{}' });
      assert.equal(unknown.status, 404);
      assert.equal(await canaryRows(), '2');
    });
  });

  describe('hostile values in request fields never reach SQL unquoted', () => {
    it('struct query-parameter field names are quoted: one field with the hostile name, nothing else runs', async () => {
      const names = ['a" BIGINT, "b', 'x" := 1) FROM d.canary; DROP TABLE "p.d"."canary"; --', 'q"'];
      for (const name of names) {
        const r = await json('POST', '/projects/p/queries', {
          query: 'SELECT @s AS s',
          useLegacySql: false,
          parameterMode: 'NAMED',
          queryParameters: [{ name: 's', parameterType: { type: 'STRUCT', structTypes: [{ name, type: { type: 'INT64' } }] }, parameterValue: { structValues: { [name]: { value: '7' } } } }],
        });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        const field = (r.json['schema'] as { fields: { fields: { name: string }[] }[] }).fields[0]!;
        assert.deepEqual(field.fields.map((f) => f.name), [name]);
        assert.deepEqual(r.json['rows'], [{ f: [{ v: { f: [{ v: '7' }] } }] }]);
      }
      assert.equal(await canaryRows(), '2');
    });

    it('parameter values, types and shapes: values stay data, malformed parameters are 400 invalidQuery', async () => {
      const value = "'); DROP TABLE \"p.d\".\"canary\"; --";
      const v = await json('POST', '/projects/p/queries', { query: 'SELECT @v AS v', useLegacySql: false, queryParameters: [{ name: 'v', parameterType: { type: 'STRING' }, parameterValue: { value } }] });
      assert.deepEqual(v.json['rows'], [{ f: [{ v: value }] }]);
      const bad = [
        [{ name: 'v', parameterType: { type: 'INT64) AS x; DROP TABLE "p.d"."canary"; --' }, parameterValue: { value: '1' } }],
        [{ name: 'v', parameterType: { type: 7 }, parameterValue: { value: '1' } }],
        [{ name: 'v', parameterType: { type: 'STRUCT', structTypes: 'a' }, parameterValue: {} }],
        [{ name: 'v', parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } }, parameterValue: { arrayValues: 'x' } }],
        [{ name: 'v', parameterType: { type: 'STRING' }, parameterValue: { value: { nested: true } } }],
        [{ name: 12, parameterType: { type: 'STRING' } }],
        'not an array',
      ];
      for (const queryParameters of bad) {
        const r = await json('POST', '/projects/p/queries', { query: 'SELECT @v AS v', useLegacySql: false, queryParameters });
        assert.equal(r.status, 400, `${JSON.stringify(queryParameters)}: ${JSON.stringify(r.json)}`);
        assert.equal(reasonOf(r), 'invalidQuery');
      }
      assert.equal(await canaryRows(), '2');
    });

    it('dataset, table, column, project and job ids with quotes or SQL are 400, never a statement', async () => {
      const hostile = 'x"; DROP TABLE "p.d"."canary"; --';
      const cases: [string, string, unknown][] = [
        ['POST', '/projects/p/datasets', { datasetReference: { datasetId: hostile } }],
        ['POST', '/projects/p/datasets/d/tables', { tableReference: { tableId: hostile }, schema: { fields: [{ name: 'a', type: 'STRING' }] } }],
        ['POST', '/projects/p/datasets/d/tables', { tableReference: { tableId: 'ok_t' }, schema: { fields: [{ name: hostile, type: 'STRING' }] } }],
        ['POST', '/projects/p/datasets/d/tables', { tableReference: { tableId: 'ok_t' }, schema: { fields: [{ name: 'a', type: 'STRING); DROP TABLE x; --' }] } }],
        ['POST', `/projects/${encodeURIComponent(hostile)}/datasets`, { datasetReference: { datasetId: 'd2' } }],
        ['POST', '/projects/p/jobs', { jobReference: { jobId: hostile }, configuration: { query: { query: 'SELECT 1', useLegacySql: false } } }],
        ['GET', '/projects/p%ZZ/datasets', undefined],
      ];
      for (const [method, p, body] of cases) {
        const r = await json(method, p, body);
        assert.equal(r.status, 400, `${method} ${p} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.json)}`);
        assert.equal(reasonOf(r), 'invalid');
      }
      assert.equal((await json('GET', '/projects/p/datasets/d/tables/ok_t')).status, 404);
      assert.equal(await canaryRows(), '2');
    });

    it('labels and descriptions are stored as given (quotes included) and read back unchanged', async () => {
      const text = "it's \"quoted\"'); DROP TABLE \"p.d\".\"canary\"; --";
      const r = await json('PATCH', '/projects/p/datasets/d/tables/canary', { description: text, labels: { k: text } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const got = await json('GET', '/projects/p/datasets/d/tables/canary');
      assert.equal(got.json['description'], text);
      assert.deepEqual(got.json['labels'], { k: text });
      const ds = await json('PATCH', '/projects/p/datasets/d', { description: text });
      assert.equal(ds.status, 200);
      assert.equal((await json('GET', '/projects/p/datasets/d')).json['description'], text);
      assert.equal(await canaryRows(), '2');
    });

    it('tabledata.list paging and selectedFields take only what they describe', async () => {
      const base = '/projects/p/datasets/d/tables/canary/data';
      for (const q of ['?pageToken=MTsgRFJPUCBUQUJMRQ', '?startIndex=1;%20DROP%20TABLE%20x', '?maxResults=1%20OFFSET%200', '?maxResults=1e400', '?selectedFields=s,(SELECT%201)', '?selectedFields=s%22%20FROM%20x;--']) {
        const r = await json('GET', `${base}${q}`);
        assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.json)}`);
      }
      const ok = await json('GET', `${base}?selectedFields=i&maxResults=1&startIndex=1`);
      assert.deepEqual(ok.json['rows'], [{ f: [{ v: '2' }] }]);
      assert.equal(await canaryRows(), '2');
    });

    it('DML string literals stay data (GoogleSQL escapes a quote as \\\', and the DuckDB SQL doubles it)', async () => {
      const r = await json('POST', '/projects/p/queries', { query: "INSERT INTO d.canary (s, i) VALUES ('x\\'); DROP TABLE d.canary; --', 3)", useLegacySql: false });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const back = await json('POST', '/projects/p/queries', { query: 'SELECT s FROM d.canary WHERE i = 3', useLegacySql: false });
      assert.deepEqual(back.json['rows'], [{ f: [{ v: "x'); DROP TABLE d.canary; --" }] }]);
      await json('POST', '/projects/p/queries', { query: 'DELETE FROM d.canary WHERE i = 3', useLegacySql: false });
      assert.equal(await canaryRows(), '2');
    });
  });

  describe('DuckDB lockdown', () => {
    it('gives SQL no file, network, extension or configuration access, while queries still work', async () => {
      const engine = await Engine.open();
      const target = path.join(dir, 'leak.csv');
      try {
        const refused = [
          `COPY (SELECT 1) TO '${target}'`,
          "SELECT * FROM read_csv('/etc/passwd')",
          "SELECT * FROM read_text('/etc/hostname')",
          `ATTACH '${path.join(dir, 'other.duckdb')}'`,
          "SELECT * FROM 'https://example.com/x.parquet'",
          'INSTALL httpfs',
          'LOAD httpfs',
          'SET enable_external_access = true',
          'SET lock_configuration = false',
          "SET TimeZone = 'America/New_York'",
          `EXPORT DATABASE '${dir}'`,
        ];
        for (const sql of refused) {
          await assert.rejects(engine.read((c) => c.run(sql)), /Permission Error|disabled|locked/, sql);
        }
        assert.equal(existsSync(target), false);
        assert.equal(existsSync(path.join(dir, 'other.duckdb')), false);
        const r = await engine.read(async (c) => (await c.runAndReadAll("SELECT current_setting('TimeZone'), strftime(TIMESTAMPTZ '2024-01-01 10:00:00+02', '%H'), json_extract_string('{\"a\":1}', '$.a')")).getRows());
        assert.deepEqual(r, [['UTC', '08', '1']]);
      } finally {
        await engine.close();
      }
    });
  });
});
