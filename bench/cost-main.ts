// `npm run cost`: the cost model on its own (no emulators, about a second):
// USD per 1M messages and per month for this pipeline and the alternatives at
// the rates asked for, the itemized bill at each, and the targets.
import { choiceOpt, boolOpt, main, numberOpt, processIo, runCli, shareOpt, type CommandSpec, type Io } from '../tools/lib/cli.js';
import type { Billing, PipelineConfig } from './cost-model.js';
import { pipelineCost } from './cost-model.js';
import { benchProfile } from './cost-profile.js';
import { costsAt, costTargets, devicesFor, formatComparison, formatItems, formatTargets, pipelineVariants, STANDARD_RATES } from './cost-report.js';
import { BILLING_RULES, PRICES } from './prices.js';

export const COST_SPEC: CommandSpec = {
  command: 'npm run cost --',
  summary: 'Price this pipeline and three alternatives on Google Cloud list prices (bench/prices.ts), per 1M messages and per month.',
  usage: '[options]',
  options: {
    rate: { type: 'string', valueName: 'msg/s', description: `device messages per second (default: ${STANDARD_RATES.join(', ')})` },
    devices: { type: 'string', valueName: 'n', description: `devices sending them (default: one message per ${10} s each, rate x 10)` },
    billing: { type: 'string', valueName: 'mode', description: 'Cloud Run billing of every function in the recommended variant: auto (cheaper per function), request, instance (default auto)' },
    'bigquery-write': { type: 'string', valueName: 'api', description: 'sinkBigquery write path of the recommended variant: storageWrite (default) or insertAll' },
    'request-logs': { type: 'string', valueName: 'share', description: 'share of Cloud Run request logs kept in the recommended variant (default 0: excluded)' },
    'no-firestore': { type: 'boolean', description: 'the BigQuery path alone (no sinkFirestore, no live state)' },
    'no-free-tier': { type: 'boolean', description: 'leave out the monthly free tiers (they are per billing account, shared by its projects)' },
    json: { type: 'boolean', description: 'print the results as JSON' },
  },
  epilog: ['Examples:', '  npm run cost', '  npm run cost -- --rate 500 --devices 20000', '  npm run cost -- --rate 1 --billing request --no-free-tier'].join('\n'),
};

export async function cost(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(COST_SPEC, argv, io, async ({ values }) => {
    const rate = numberOpt(values, 'rate', { min: 0.001, max: 10_000_000 });
    const devices = numberOpt(values, 'devices', { min: 1, integer: true });
    const billing = choiceOpt(values, 'billing', ['auto', 'request', 'instance'] as const) ?? 'auto';
    const bigqueryWrite = choiceOpt(values, 'bigquery-write', ['storageWrite', 'insertAll'] as const) ?? 'storageWrite';
    const requestLogShare = shareOpt(values, 'request-logs') ?? 0;
    const freeTier = !boolOpt(values, 'no-free-tier');
    const firestore = !boolOpt(values, 'no-firestore');

    const profile = await benchProfile();
    const variants = pipelineVariants({ firestore });
    const rec = variants[2]!;
    for (const v of variants.slice(2)) v.config = withBilling({ ...v.config, bigqueryWrite, requestLogShare }, billing);
    const rates = rate !== undefined ? [rate] : [...STANDARD_RATES];
    const byRate = new Map(rates.map((r) => [r, costsAt(profile, { ratePerS: r, devices: devicesFor(r, devices), freeTier }, variants)]));
    const targets = costTargets(profile, freeTier);
    if (boolOpt(values, 'json')) {
      io.stdout.write(JSON.stringify({ profile, prices: PRICES, rules: BILLING_RULES, byRate: Object.fromEntries(byRate), targets }, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(`${formatComparison(byRate)}\n\n`);
    for (const r of rates) {
      const scenario = { ratePerS: r, devices: devicesFor(r, devices), freeTier };
      io.stdout.write(`${formatItems(pipelineCost(profile, rec.config, scenario, PRICES, BILLING_RULES, rec.name))}\n\n`);
    }
    io.stdout.write(`Targets (issue 14, ${freeTier ? 'after' : 'without'} free tiers):\n${formatTargets(targets)}\n\n`);
    io.stdout.write(`Profile: ${profile.source}. Prices: bench/prices.ts (offline, last known; re-check each source page). Terms: docs/benchmarks.md (section cost)\n`);
    return 0;
  });
}

function withBilling(config: PipelineConfig, billing: Billing | 'auto'): PipelineConfig {
  const deploy = Object.fromEntries(Object.entries(config.deploy).map(([fn, d]) => [fn, { ...d, billing }])) as PipelineConfig['deploy'];
  return { ...config, deploy };
}

if (require.main === module) main(() => cost(process.argv.slice(2)));
