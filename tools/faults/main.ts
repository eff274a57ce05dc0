// `node build/tools/faults/main.js`: runs the fault harness (harness.ts) on a
// stack of its own and prints the accounting table; exit code 1 when
// anything was lost or doubled, or the pipeline did not drain.
import { boolOpt, EXIT, main, numberOpt, processIo, runCli, stringOpt, type CommandSpec, type Io } from '../lib/cli.js';
import { stopAllStarted } from '../lib/process-group.js';
import { DEFAULTS, runFaultHarness } from './harness.js';

export const FAULTS_SPEC: CommandSpec = {
  command: 'node build/tools/faults/main.js',
  summary: 'Stream a realistic message mix through a local stack of its own while killing, restarting and slowing its parts; prove nothing is lost or doubled.',
  usage: '[options]',
  options: {
    messages: { type: 'string', valueName: 'n', default: String(DEFAULTS.messages), description: 'messages to publish (invalid, duplicate and out-of-order ones included)' },
    devices: { type: 'string', valueName: 'n', default: String(DEFAULTS.devices), description: 'publishing devices from the seeded registry (1..60)' },
    seed: { type: 'string', valueName: 'n', default: String(DEFAULTS.seed), description: 'random seed of the message mix' },
    rate: { type: 'string', valueName: 'msg/s', default: String(DEFAULTS.rate), description: 'publish rate' },
    'no-faults': { type: 'boolean', description: 'the same run without injecting faults (a baseline)' },
    poison: { type: 'string', valueName: 'n', default: String(DEFAULTS.poisonMessages), description: 'messages that fail on every delivery and must end as max-delivery-attempts' },
    log: { type: 'string', valueName: 'file', description: 'append every component log line to this file' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress lines, only the table' },
    verbose: { type: 'boolean', description: 'print the last component log lines at the end' },
  },
  epilog: [
    'Faults, in order, while messages flow: BigQuery slow (latency proxy), Firestore emulator killed and',
    'restarted, BigQuery emulator killed and restarted on its data file, sinkBigquery killed and restarted,',
    'sinkFirestore frozen with SIGSTOP for 5 s; plus poison messages that must end as max-delivery-attempts.',
    'Retries back off 5 s .. 80 s (5 attempts). Needs a build (npm run build), Java 17 and the gcloud emulators.',
    'See docs/reliability.md for what the table means.',
    '',
    'Example:',
    '  node build/tools/faults/main.js --messages 2000 --rate 100',
  ].join('\n'),
};

export async function faults(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(FAULTS_SPEC, argv, io, async ({ values }) => {
    const quiet = boolOpt(values, 'quiet');
    const result = await runFaultHarness({
      messages: numberOpt(values, 'messages', { min: 100, max: 1_000_000, integer: true }) ?? DEFAULTS.messages,
      devices: numberOpt(values, 'devices', { min: 1, max: 60, integer: true }) ?? DEFAULTS.devices,
      seed: numberOpt(values, 'seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? DEFAULTS.seed,
      rate: numberOpt(values, 'rate', { min: 1, max: 5000 }) ?? DEFAULTS.rate,
      poisonMessages: numberOpt(values, 'poison', { min: 0, max: 100, integer: true }) ?? DEFAULTS.poisonMessages,
      faults: !boolOpt(values, 'no-faults'),
      ...(stringOpt(values, 'log') ? { logFile: stringOpt(values, 'log') } : {}),
      ...(quiet ? {} : { progress: (l: string) => io.stderr.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`) }),
    });
    if (boolOpt(values, 'verbose') || !result.ok) io.stderr.write(`${result.logTail(boolOpt(values, 'verbose') ? 200 : 40)}\n`);
    io.stdout.write(result.report);
    return result.ok ? EXIT.ok : EXIT.failure;
  });
}

if (require.main === module) {
  // Ctrl-C or a kill stops every emulator and function this run started (own process groups).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`${sig}: stopping the stack\n`);
      void stopAllStarted().finally(() => process.exit(EXIT.interrupted));
    });
  }
  main(() => faults(process.argv.slice(2)));
}
