// The sections, in the order they run and are listed in --help.
import type { Section } from '../section.js';
import { benchBigQueryEmulatorSection } from './bigquery-emulator.js';
import { benchCore } from './core.js';
import { benchCost } from './cost.js';
import { benchE2e } from './e2e.js';
import { benchHttp } from './http.js';
import { benchMemory } from './memory.js';

export const SECTIONS: readonly Section[] = [
  { name: 'core', summary: 'validate+enrich+row building msg/s on one core vs decode+parse+ajv+stringify (ratio >= 0.66)', run: benchCore },
  { name: 'http', summary: 'validate served by functions-framework vs a bare decode function, autocannon (ratio >= 0.8)', run: benchHttp },
  { name: 'e2e', summary: 'local stack, batched vs naive: msg/s to rows + state, BigQuery requests/1,000 rows (<= 10), Firestore writes/message (<= 0.1)', run: benchE2e },
  { name: 'memory', summary: 'peak RSS of validate and sinkBigquery under the e2e load vs a 256 MiB Cloud Run instance (<= 200 MiB)', run: benchMemory },
  { name: 'cost', summary: 'counted operations at list prices (bench/prices.ts): USD per million messages, batched vs naive', run: benchCost },
  { name: 'bigquery-emulator', summary: "the BigQuery emulator's own benchmark (bench/bigquery-emulator.ts)", run: benchBigQueryEmulatorSection },
];
