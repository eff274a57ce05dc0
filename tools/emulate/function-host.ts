// Serves one registered function with the functions-framework's own server
// (the same Express pipeline as `functions-framework --target=NAME`: the
// Pub/Sub push body becomes a CloudEvent), but bound to 127.0.0.1 only: the
// framework's CLI listens on every interface.
//
//   node build/tools/emulate/function-host.js --source=build/functions/index.js --target=validate --port=8090
import path from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { guardServer, limitsFromConfig } from '../../functions/lib/request-guard.js';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function main(): void {
  const source = flag('source');
  const target = flag('target');
  const port = Number(flag('port'));
  if (!source || !target || !Number.isInteger(port) || port <= 0) {
    process.stderr.write('usage: function-host --source=FILE --target=NAME --port=N\n');
    process.exit(2);
  }
  // Registration happens as a side effect of loading the build (functions.cloudEvent(...)).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.resolve(source));
  const server = getTestServer(target);
  // The same cap and body budget as under the framework's CLI in production.
  guardServer(server, limitsFromConfig());
  server.setTimeout(0);
  // Longer than any client's idle keep-alive: with Node's default 5 s the
  // server may close a socket just as the bridge reuses it ("fetch failed").
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`Serving function ${target} on http://127.0.0.1:${port}/\n`);
  });
  const shutdown = (): void => {
    server.close(() => process.exit(0));
    // Open keep-alive sockets would hold close() forever.
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main();
