// The sections, in the order they run and are listed in --help.
import type { Section } from '../section.js';
import { benchBigQueryEmulatorSection } from './bigquery-emulator.js';
import { benchCapacity } from './capacity.js';
import { benchCore } from './core.js';
import { benchCost } from './cost.js';
import { benchE2e } from './e2e.js';
import { benchGateway } from './gateway.js';
import { benchHttp } from './http.js';
import { benchMemory } from './memory.js';

export const SECTIONS: readonly Section[] = [
  { name: 'core', summary: 'validate+enrich+row building msg/s on one core vs decode+parse+ajv+stringify (ratio >= 0.66)', run: benchCore },
  { name: 'http', summary: 'validate served by functions-framework vs a bare decode function, autocannon (ratio >= 0.8)', run: benchHttp },
  { name: 'e2e', summary: 'local stack, batched vs naive: msg/s to rows + state, BigQuery requests/1,000 rows (<= 10), Firestore writes/message (<= 0.1)', run: benchE2e },
  { name: 'memory', summary: 'peak RSS of validate and sinkBigquery under the e2e load vs a 256 MiB Cloud Run instance (<= 200 MiB)', run: benchMemory },
  { name: 'capacity', summary: 'local stack: offered rate raised in steps until the drain grows; highest sustained msg/s and the process at 100% CPU; latency and billed time at 1 msg/s', run: benchCapacity },
  { name: 'cost', summary: 'cost model fed with the e2e run (bench/cost-model.ts): USD per 1M and per month at 1, 100, 10,000 msg/s vs the alternatives; the three targets', run: benchCost },
  { name: 'gateway', summary: 'MQTT bridge next to a bare aedes broker, same clients: connections held, connects/s, QoS 1 msg/s PUBACKed after Pub/Sub, memory per connection', run: benchGateway },
  { name: 'bigquery-emulator', summary: "the BigQuery emulator's own benchmark (bench/bigquery-emulator.ts)", run: benchBigQueryEmulatorSection },
];
