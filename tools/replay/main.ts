// `npm run replay`: dead-lettered messages from telemetry.deadletter, grouped
// by reason, stage, device and hour; --dry-run shows what would be
// re-published, --publish re-publishes the raw bytes and original attributes
// (plus replayOf=<message id>) to the topic of the stage that failed.
import { BigQuery } from '@google-cloud/bigquery';
import type { Topic } from '@google-cloud/pubsub';
import {
  boolOpt, CliError, colorsFor, EXIT, main, numberOpt, processIo, runCli, stringOpt, timeOpt, UsageError,
  type CommandSpec, type Io,
} from '../lib/cli.js';
import { runQuery } from '../lib/bigquery-query.js';
import { requireEmulators, resolveTarget, type Target } from '../lib/target.js';
import { planReplay, toDeadLetterRow, type PlanItem } from './plan.js';
import { renderOverview, renderPlan, renderSkips, toGroupRow } from './report.js';
import { selectGroups, selectRows, type DeadLetterFilters, type SqlWithParams } from './select.js';

export const REPLAY_SPEC: CommandSpec = {
  command: 'npm run replay --',
  summary: 'List dead-lettered messages and re-publish them once the cause is fixed.',
  usage: '[filters] [--dry-run | --publish]',
  options: {
    reason: { type: 'string', valueName: 'reason', description: 'only this reason (e.g. unknown-device)' },
    stage: { type: 'string', valueName: 'stage', description: 'only this stage (validate, enrich, sinkBigquery, sinkFirestore)' },
    device: { type: 'string', valueName: 'id', description: 'only this device id' },
    'message-id': { type: 'string', valueName: 'id', description: 'only the dead letter of this Pub/Sub message id' },
    since: { type: 'string', valueName: 'time', default: '7d', description: 'received at or after: RFC 3339 or a duration ago (30m, 6h, 7d)' },
    until: { type: 'string', valueName: 'time', description: 'received before: RFC 3339 or a duration ago' },
    limit: { type: 'string', valueName: 'n', default: '1000', description: 'at most this many messages for --dry-run / --publish (oldest first)' },
    'dry-run': { type: 'boolean', short: 'n', description: 'show, message by message, what would be re-published and where; publish nothing' },
    publish: { type: 'boolean', description: 're-publish the selected messages' },
    topic: { type: 'string', valueName: 'name', description: 'publish to this topic instead of the failed stage\'s own (validate: device-events, enrich: events-valid, sinks: events-enriched)' },
    project: { type: 'string', valueName: 'id', description: 'use this real Google Cloud project instead of the local emulators' },
  },
  epilog: [
    'Without --dry-run or --publish the tool only lists (grouped by stage and reason, device and hour).',
    'Re-published messages keep their exact bytes, so their eventIds are unchanged and the sinks\'',
    'idempotency (BigQuery insertId, Firestore last-writer-wins) absorbs a message replayed twice.',
    'Truncated payloads (payload_truncated) cannot be replayed and are skipped with a message.',
    '',
    'Examples:',
    '  npm run replay                                   # overview of the last 7 days',
    '  npm run replay -- --reason unknown-device --since 2h --dry-run',
    '  npm run replay -- --reason unknown-device --since 2h --publish',
  ].join('\n'),
};

function filtersFrom(values: Record<string, string | boolean | undefined>): DeadLetterFilters {
  const now = new Date();
  const since = timeOpt(values, 'since', now) ?? new Date(now.getTime() - 7 * 86_400_000);
  const until = timeOpt(values, 'until', now);
  if (until && until <= since) throw new UsageError('--until must be later than --since');
  const f: DeadLetterFilters = { since, limit: numberOpt(values, 'limit', { min: 1, max: 100_000, integer: true }) ?? 1000 };
  if (until) f.until = until;
  for (const [flag, key] of [['reason', 'reason'], ['stage', 'stage'], ['device', 'device'], ['message-id', 'messageId']] as const) {
    const v = stringOpt(values, flag);
    if (v !== undefined) f[key] = v;
  }
  return f;
}

async function publishPlan(target: Target, items: readonly PlanItem[]): Promise<{ published: Map<string, number>; errors: string[] }> {
  // Loaded only when publishing: listing and --dry-run start faster without it.
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId: target.projectId });
  const topics = new Map<string, Topic>();
  const published = new Map<string, number>();
  const errors: string[] = [];
  try {
    for (const i of items) {
      if (i.action !== 'publish' || !i.topic || topics.has(i.topic)) continue;
      const t = pubsub.topic(i.topic, { batching: { maxMessages: 100, maxMilliseconds: 20 } });
      const [exists] = await t.exists();
      if (!exists) throw new CliError(`topic ${i.topic} does not exist in project ${target.projectId}`);
      topics.set(i.topic, t);
    }
    await Promise.all(
      items.map(async (i) => {
        if (i.action !== 'publish' || !i.topic || !i.row.payload) return;
        try {
          await (topics.get(i.topic) as Topic).publishMessage({ data: i.row.payload, attributes: i.attributes ?? {} });
          published.set(i.topic, (published.get(i.topic) ?? 0) + 1);
        } catch (err) {
          errors.push(`${i.row.messageId ?? '?'}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
  } finally {
    await pubsub.close().catch(() => undefined);
  }
  return { published, errors };
}

export async function replay(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(REPLAY_SPEC, argv, io, async ({ values }) => {
    const dryRun = boolOpt(values, 'dry-run');
    const publish = boolOpt(values, 'publish');
    if (dryRun && publish) throw new UsageError('give --dry-run or --publish, not both');
    const filters = filtersFrom(values);
    const topicOverride = stringOpt(values, 'topic');
    const target = resolveTarget(stringOpt(values, 'project'), io.env);
    await requireEmulators(target, publish ? ['bigquery', 'pubsub'] : ['bigquery']);
    const c = colorsFor(io.stdout, io.env);
    const bq = new BigQuery({ projectId: target.projectId });

    const run = async (q: SqlWithParams) => {
      try {
        return await runQuery(bq, q.sql, { params: q.params, types: q.types, maxRows: 100_000 });
      } catch (err) {
        throw new CliError(`reading ${target.projectId}.telemetry.deadletter failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };

    if (!dryRun && !publish) {
      const { limit: _limit, ...groupFilters } = filters;
      const res = await run(selectGroups(target.projectId, groupFilters));
      io.stdout.write(renderOverview(res.rows.map(toGroupRow), c));
      return EXIT.ok;
    }

    const res = await run(selectRows(target.projectId, filters));
    const items = planReplay(res.rows.map(toDeadLetterRow), topicOverride ? { topicOverride } : {});
    if (dryRun) {
      io.stdout.write(renderPlan(items, c));
      if (res.rows.length >= filters.limit) io.stdout.write(c.dim(`(stopped at --limit ${filters.limit}; narrow the filters or raise it)\n`));
      return EXIT.ok;
    }

    const skips = renderSkips(items, colorsFor(io.stderr, io.env));
    if (skips) io.stderr.write(skips + '\n');
    const { published, errors } = await publishPlan(target, items);
    // Topics in the order the plan first names them (stable output for people and scripts).
    const order = [...new Set(items.flatMap((i) => (i.topic ? [i.topic] : [])))];
    const done = order.filter((t) => published.has(t)).map((t) => `${published.get(t)} to ${t}`).join(', ') || 'nothing';
    const skipped = items.filter((i) => i.action === 'skip').length;
    io.stdout.write(`${c.bold(`Replayed ${done}`)} (attribute replayOf=<original message id>)${skipped ? `; skipped ${skipped}` : ''}\n`);
    if (errors.length) {
      io.stderr.write(colorsFor(io.stderr, io.env).red(`${errors.length} publish error(s):\n  ${errors.slice(0, 10).join('\n  ')}\n`));
      return EXIT.failure;
    }
    return EXIT.ok;
  });
}

if (require.main === module) main(() => replay(process.argv.slice(2)));
