// Regenerates docs/queries.md from examples.ts, so the documented SQL is the
// SQL the tool runs: `node build/tools/query/write-docs.js` (a unit test
// fails when the two drift apart).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLES } from './examples.js';

export const QUERIES_DOC = path.resolve(__dirname, '..', '..', '..', 'docs', 'queries.md');

export function queriesMarkdown(): string {
  const parts = [
    '# Example queries',
    '',
    "GoogleSQL for analysts over the pipeline's BigQuery tables: `telemetry.readings` (one row per event and metric), `telemetry.events` (one row per event, with its state) and `telemetry.deadletter` (messages that could not be processed). The same text runs on real BigQuery and on the local emulator (`npm run emulate`).",
    '',
    'Run any of them by name with the query tool (see [cli.md](cli.md#npm-run-query)):',
    '',
    '```sh',
    'npm run query -- --list                       # names and descriptions',
    'npm run query -- --example p95-by-site        # run one against the local emulator',
    'npm run query -- --example hourly-avg --format csv > hourly.csv',
    'npm run query -- --example anomalies --show   # print the SQL only',
    'npm run query -- --example silent-devices --project my-proj   # real BigQuery',
    '```',
    '',
    'Locally the project is `demo-iot`; with `--project my-proj` the tool puts your project id in its place. Every query filters on the partitioning column (`event_time`, or `received_at` for dead letters) over a bounded window, so on real BigQuery it scans only recent partitions; `tenant_id`, `device_id` and `metric` are clustering columns, so filtering on them is cheap too.',
    '',
  ];
  for (const e of EXAMPLES) parts.push(`## ${e.name}: ${e.title}`, '', e.description, '', '```sql', e.sql('demo-iot'), '```', '');
  parts.push(
    '## Notes',
    '',
    '- `APPROX_QUANTILES(value, 100)[OFFSET(95)]` is approximate on BigQuery (a sketch); the local emulator computes it exactly, so small differences between the two are expected.',
    '- `silent-devices` only knows devices that reported at least once in the last 7 days; devices that never reported are in the Firestore registry (`devices/{id}`), not in BigQuery.',
    "- `anomalies` compares each reading with the same device's previous 20 readings of that metric (window functions); the simulator's injected spikes (`npm run simulate`) show up here.",
    '- The sinks write through the Storage Write API\'s default stream, which is at-least-once: a redelivered or replayed message is stored again in `telemetry.readings`. Query `telemetry.readings_dedup` (one row per `(event_id, metric)`; also `events_dedup`, `deadletter_dedup`) for exact counts, or count `DISTINCT event_id`, as `late-arrivals` does.',
    '',
  );
  return parts.join('\n');
}

if (require.main === module) {
  writeFileSync(QUERIES_DOC, queriesMarkdown());
  console.log(`wrote ${QUERIES_DOC}`);
}
