// `npm run dashboard`: the live dashboard for the local stack, on
// http://127.0.0.1:8070 (firebase.json) unless --port says otherwise.
import { colorsFor, EXIT, main, numberOpt, processIo, runCli, stringOpt, UsageError, type CommandSpec, type Io } from '../lib/cli.js';
import { localPorts, requireEmulators, resolveTarget } from '../lib/target.js';
import { startDashboard } from './server.js';

export const DASHBOARD_SPEC: CommandSpec = {
  command: 'npm run dashboard --',
  summary: 'Serve the live dashboard (devices per tenant, live readings, sparklines, dead letters) for the local stack.',
  usage: '[options]',
  options: {
    port: { type: 'string', valueName: 'n', description: 'port on 127.0.0.1 (default: firebase.json emulators.dashboard, 8070; 0 = any free port)' },
    project: { type: 'string', valueName: 'id', description: 'emulator project id (a demo- project; default demo-iot)' },
  },
  epilog: [
    'The dashboard reads the local emulators: FIRESTORE_EMULATOR_HOST and BIGQUERY_EMULATOR_HOST when set,',
    'else the firebase.json ports. Start the stack first with `npm run emulate`. Stop with Ctrl-C.',
  ].join('\n'),
};

export async function dashboard(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(DASHBOARD_SPEC, argv, io, async ({ values }) => {
    const port = numberOpt(values, 'port', { min: 0, max: 65535, integer: true }) ?? localPorts().dashboard;
    const project = stringOpt(values, 'project');
    if (project !== undefined && !project.startsWith('demo-')) {
      throw new UsageError('--project: the dashboard works with the local emulators only (a demo- project id)');
    }
    const target = resolveTarget(project, io.env);
    await requireEmulators(target, ['firestore', 'bigquery']);
    const c = colorsFor(io.stdout, io.env);
    const d = await startDashboard({
      port,
      projectId: target.projectId,
      firestoreHost: target.firestoreHost as string,
      bigqueryUrl: target.bigqueryUrl as string,
      log: (line) => io.stderr.write(`dashboard: ${line}\n`),
    });
    io.stdout.write(`${c.bold('Dashboard')} on ${c.cyan(d.url)}  (project ${target.projectId}; Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await d.close();
    return EXIT.ok;
  });
}

if (require.main === module) main(() => dashboard(process.argv.slice(2)));
