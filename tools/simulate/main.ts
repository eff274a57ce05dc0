// `npm run simulate`: a fleet of seeded devices publishing realistic
// telemetry (plus batches, late, duplicate and invalid messages in chosen
// shares) to device-events, on the local emulators or a real project.
import { PubSub } from '@google-cloud/pubsub';
import { TOPICS } from '../../functions/lib/names.js';
import {
  boolOpt, CliError, colorsFor, EXIT, main, numberOpt, processIo, runCli, shareOpt, stringOpt, UsageError,
  type CommandSpec, type Io,
} from '../lib/cli.js';
import { requireEmulators, resolveTarget } from '../lib/target.js';
import { chooseFleet } from './fleet.js';
import { MessageFactory } from './messages.js';
import { DEFAULT_SHARES, singleShare, type MixShares } from './mix.js';
import { ProgressWriter, summary } from './progress.js';
import { runSimulation } from './run.js';

export const SIMULATE_SPEC: CommandSpec = {
  command: 'npm run simulate --',
  summary: 'Simulate a fleet of devices publishing telemetry to the device-events topic.',
  usage: '[options]',
  options: {
    devices: { type: 'string', valueName: 'n', description: 'number of seeded devices to simulate (default: all active ones)' },
    tenants: { type: 'string', valueName: 'n', description: 'spread the devices over the first n seeded tenants (default: all)' },
    rate: { type: 'string', valueName: 'msg/s', default: '10', description: 'messages per second, all devices together' },
    duration: { type: 'string', valueName: 's', description: 'stop after this many seconds (default 60 when --count is not given)' },
    count: { type: 'string', valueName: 'n', description: 'stop after publishing this many messages' },
    'batch-share': { type: 'string', valueName: 'share', default: String(DEFAULT_SHARES.batch), description: 'share of messages that are batches of 2-10 events' },
    'late-share': { type: 'string', valueName: 'share', default: String(DEFAULT_SHARES.late), description: 'share of events arriving 2-30 minutes after they were measured' },
    'duplicate-share': { type: 'string', valueName: 'share', default: String(DEFAULT_SHARES.duplicate), description: 'share of messages re-sending earlier bytes exactly (client retries)' },
    'invalid-share': { type: 'string', valueName: 'share', default: String(DEFAULT_SHARES.invalid), description: 'share of invalid messages (bad JSON, schema, unknown device...) that end in the dead letter' },
    seed: { type: 'string', valueName: 'n', description: 'random seed: the same seed gives the same signals and mix (default: random, printed)' },
    project: { type: 'string', valueName: 'id', description: 'publish to this real Google Cloud project instead of the local emulators' },
    topic: { type: 'string', valueName: 'name', default: TOPICS.deviceEvents, description: 'topic to publish to' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress line, only the summary' },
  },
  epilog: [
    'Shares accept 0.05 or 5%; together they must not exceed 1 (the rest are single events).',
    '',
    'Examples:',
    '  npm run simulate -- --rate 50 --duration 120',
    '  npm run simulate -- --devices 6 --tenants 2 --count 1000 --invalid-share 10% --seed 7',
  ].join('\n'),
};

export async function simulate(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(SIMULATE_SPEC, argv, io, async ({ values }) => {
    const rate = numberOpt(values, 'rate', { min: 0.01, max: 100_000 }) ?? 10;
    const count = numberOpt(values, 'count', { min: 1, integer: true });
    const durationS = numberOpt(values, 'duration', { min: 0.1 });
    const shares: MixShares = {
      batch: shareOpt(values, 'batch-share') ?? DEFAULT_SHARES.batch,
      late: shareOpt(values, 'late-share') ?? DEFAULT_SHARES.late,
      duplicate: shareOpt(values, 'duplicate-share') ?? DEFAULT_SHARES.duplicate,
      invalid: shareOpt(values, 'invalid-share') ?? DEFAULT_SHARES.invalid,
    };
    if (singleShare(shares) < -1e-9) throw new UsageError('--batch-share, --late-share, --duplicate-share and --invalid-share add up to more than 1');
    const seed = numberOpt(values, 'seed', { min: 0, max: 2 ** 32 - 1, integer: true }) ?? Math.floor(Math.random() * 2 ** 31);
    const devicesOpt = numberOpt(values, 'devices', { min: 1, integer: true });
    const tenantsOpt = numberOpt(values, 'tenants', { min: 1, integer: true });
    const fleet = chooseFleet({ ...(devicesOpt !== undefined ? { devices: devicesOpt } : {}), ...(tenantsOpt !== undefined ? { tenants: tenantsOpt } : {}) });
    const topicName = stringOpt(values, 'topic') ?? TOPICS.deviceEvents;
    const quiet = boolOpt(values, 'quiet');

    const target = resolveTarget(stringOpt(values, 'project'), io.env);
    await requireEmulators(target, ['pubsub']);
    const c = colorsFor(io.stdout, io.env);
    const cErr = colorsFor(io.stderr, io.env);
    const where = target.mode === 'emulator' ? `${target.pubsubHost} (emulator)` : 'Google Cloud';
    const bound = count !== undefined ? `${count} message(s)` : `${durationS ?? 60} s`;
    io.stderr.write(cErr.dim(`Simulating ${fleet.devices.length} device(s) of ${fleet.tenants.join(', ')} at ${rate} msg/s for ${bound} -> projects/${target.projectId}/topics/${topicName} on ${where}, seed ${seed}\n`));

    const pubsub = new PubSub({ projectId: target.projectId });
    const topic = pubsub.topic(topicName, { batching: { maxMessages: 500, maxMilliseconds: 20 } });
    const abort = new AbortController();
    const onSigint = (): void => {
      if (abort.signal.aborted) process.exit(EXIT.interrupted); // second Ctrl-C: leave now
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      let exists: boolean;
      try {
        [exists] = await topic.exists();
      } catch (err) {
        throw new CliError(`cannot reach Pub/Sub for project ${target.projectId}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!exists) {
        throw new CliError(`topic ${topicName} does not exist in project ${target.projectId}${target.mode === 'emulator' ? ' — `npm run emulate` provisions it' : ''}`);
      }
      const factory = new MessageFactory({
        devices: fleet.devices,
        disabledDeviceIds: fleet.disabledDeviceIds,
        shares,
        seed,
        ...(count !== undefined ? { total: count } : {}),
        // Microseconds since the epoch: later runs get higher seqs, so eventIds never repeat across runs.
        seqBase: Date.now() * 1000,
        now: () => new Date(),
      });
      const progress = new ProgressWriter(io.stderr, cErr);
      const stats = await runSimulation({
        factory,
        publish: (m) => topic.publishMessage({ data: m.data, attributes: m.attributes }),
        rate,
        ...(count !== undefined ? { count } : { durationMs: (durationS ?? 60) * 1000 }),
        signal: abort.signal,
        ...(quiet ? {} : { onTick: (s) => progress.update(s) }),
      });
      progress.done();
      io.stdout.write(summary(stats, `projects/${target.projectId}/topics/${topicName}`, c));
      if (stats.errors > 0) return EXIT.failure;
      return stats.aborted ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
      await pubsub.close().catch(() => undefined);
    }
  });
}

if (require.main === module) main(() => simulate(process.argv.slice(2)));
