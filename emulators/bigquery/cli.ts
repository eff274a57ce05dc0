// npm run bigquery-emulator -- --port 9050 --data ./bq.duckdb
import { parseArgs } from 'node:util';
import { startBigQueryEmulator } from './server.js';

const HELP = `BigQuery emulator (REST API v2 on DuckDB)

Usage: npm run bigquery-emulator -- [--port 9050] [--grpc-port 9060] [--host 127.0.0.1] [--data FILE] [options]

  --port N               REST API port (default 9050; 0 picks a free port)
  --grpc-port N          Storage Write API (gRPC) port, always on 127.0.0.1
                         (default 9060; 0 picks a free port)
  --host H               address the REST API binds (default 127.0.0.1)
  --data FILE            persist to this DuckDB file (default: in memory)
  --allow-host NAME      also answer requests whose Host is NAME (repeatable; IP
                         addresses and localhost always work)
  --max-body-bytes N     largest JSON request body, after gzip (default 10485760)
  --max-upload-bytes N   largest load-job upload, after gzip (default 268435456)
  --max-jobs N           jobs kept; the oldest finished ones are forgotten (default 1000)
  --max-result-bytes N   query result bytes held across jobs (default 268435456)
  --max-job-ms N         longest a job may run before it is stopped (default 300000)
  --gcs-dir DIR          local directory standing in for Cloud Storage: extract jobs
                         write gs://bucket/path to DIR/bucket/path, loads read it
  --verbose              log every request and translated query to stderr
  --help                 show this help

Point clients at it with BIGQUERY_EMULATOR_HOST=http://HOST:PORT, or
bq --api=http://HOST:PORT --project_id=demo-iot ..., and the Storage Write
client at 127.0.0.1:GRPC_PORT with insecure credentials (see
emulators/bigquery/README.md).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9050' },
      'grpc-port': { type: 'string', default: '9060' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      'allow-host': { type: 'string', multiple: true, default: [] },
      'max-body-bytes': { type: 'string' },
      'max-upload-bytes': { type: 'string' },
      'max-jobs': { type: 'string' },
      'max-result-bytes': { type: 'string' },
      'max-job-ms': { type: 'string' },
      'gcs-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const grpcPort = Number(values['grpc-port']);
  if (!Number.isInteger(grpcPort) || grpcPort < 0 || grpcPort > 65535) throw new Error(`--grpc-port must be 0..65535, got ${values['grpc-port']}`);
  const positive = (flag: keyof typeof values): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, got ${String(raw)}`);
    return n;
  };
  const jobLimits = { maxJobs: positive('max-jobs'), maxResultBytes: positive('max-result-bytes'), maxJobMs: positive('max-job-ms') };
  const emulator = await startBigQueryEmulator({
    host: values.host,
    port,
    grpcPort,
    dataFile: values.data,
    allowedHosts: values['allow-host'],
    maxBodyBytes: positive('max-body-bytes'),
    maxUploadBytes: positive('max-upload-bytes'),
    gcsDir: values['gcs-dir'],
    jobLimits: Object.fromEntries(Object.entries(jobLimits).filter(([, v]) => v !== undefined)),
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  process.stdout.write(`BigQuery emulator listening on ${emulator.url}${values.data ? ` (data: ${values.data})` : ' (in memory)'}; Storage Write API (gRPC) on 127.0.0.1:${emulator.grpcPort}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: closing BigQuery emulator\n`);
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`close failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
