// Prints a results file (default bench/results/latest.json) as the Markdown
// that docs/benchmarks.md shows:  node build/bench/markdown.js [FILE]
// With --cost, the cost table the README shows (from the cost section's
// details):  node build/bench/markdown.js --cost [FILE]
import { readFileSync } from 'node:fs';
import { repoPath } from '../tools/emulate/repo-root.js';
import type { CostResult } from './cost-model.js';
import { usd } from './cost-report.js';
import { formatMarkdownTable, formatNumber, type ResultsDocument } from './report.js';

export function resultsMarkdown(doc: ResultsDocument): string {
  const h = doc.host;
  const out = [
    `Run ${doc.startedAt} (${doc.durationSeconds} s${doc.quick ? ', --quick' : ''}) on ${h.cpus} × ${h.cpuModel}, ${formatNumber(h.memoryMiB)} MiB, ` +
      `Node ${h.node}, ${h.platform}; 1-minute load average ${formatNumber(h.loadAverageAtStart)} at the start, ${formatNumber(h.loadAverageAtEnd)} at the end.`,
    '',
    formatMarkdownTable(doc.rows),
    '',
  ];
  for (const n of doc.notes) out.push(`- ${n}`);
  for (const s of doc.skipped) out.push(`- not measured: ${s.section}: ${s.reason}`);
  return out.join('\n') + '\n';
}

/** USD per 1M messages and per month by rate, for this pipeline and the alternatives, and the targets. */
export function costMarkdown(doc: ResultsDocument): string {
  const cost = (doc.details.cost ?? {}) as Record<string, unknown>;
  const rates = Object.keys(cost)
    .filter((k) => /^rate\d+$/.test(k))
    .map((k) => Number(k.slice(4)))
    .sort((a, b) => a - b);
  if (rates.length === 0) return 'no cost section in this results file\n';
  const at = (r: number): CostResult[] => cost[`rate${r}`] as CostResult[];
  const head = `| USD | ${rates.map((r) => `${r.toLocaleString('en-US')} msg/s: per 1M | per month`).join(' | ')} |`;
  const sep = `| --- | ${rates.map(() => '---: | ---:').join(' | ')} |`;
  const body = at(rates[0]!).map((c, i) => `| ${c.name} | ${rates.map((r) => `${usd(at(r)[i]!.usdPerMillion)} | ${usd(at(r)[i]!.usdPerMonth)}`).join(' | ')} |`);
  const reqs = `| Cloud Run requests per message (model: unbatched / defaults / recommended) | ${rates.map((r) => `${at(r).slice(0, 3).map((c) => c.requestsPerMessage.toFixed(2)).join(' / ')} | `).join(' | ')} |`;
  const targets = doc.rows.filter((r) => r.group === 'cost' && r.name.startsWith('target:'));
  return (
    [`From the run of ${doc.startedAt} (\`npm run bench\`, section cost; free tiers applied; prices in bench/prices.ts):`, '', head, sep, ...body, reqs, ''].join('\n') +
    '\n' +
    targets.map((t) => `- ${t.name.slice('target: '.length)}: **${formatNumber(t.value)}${t.unit === 'USD' ? ' USD' : ''}** (${t.target ?? ''}) ${t.pass ? 'met' : 'MISSED'}`).join('\n') +
    '\n'
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const costOnly = args.includes('--cost');
  const file = args.find((a) => a !== '--cost') ?? repoPath('bench', 'results', 'latest.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument;
  process.stdout.write(costOnly ? costMarkdown(doc) : resultsMarkdown(doc));
}
