// Prints a results file (default bench/results/latest.json) as the Markdown
// that docs/benchmarks.md shows:  node build/bench/markdown.js [FILE]
import { readFileSync } from 'node:fs';
import { repoPath } from '../tools/emulate/repo-root.js';
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

if (require.main === module) {
  const file = process.argv[2] ?? repoPath('bench', 'results', 'latest.json');
  process.stdout.write(resultsMarkdown(JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument));
}
