// `npm run query -- "<GoogleSQL>"`: runs a query on BigQuery (the local
// emulator by default, a real project with --project) and prints the rows
// as a table, CSV or JSON; --example runs a named analyst query.
import { BigQuery } from '@google-cloud/bigquery';
import {
  boolOpt, choiceOpt, CliError, colorsFor, EXIT, main, numberOpt, processIo, runCli, stringOpt, UsageError,
  type CommandSpec, type Io,
} from '../lib/cli.js';
import { runQuery } from '../lib/bigquery-query.js';
import { requireEmulators, resolveTarget } from '../lib/target.js';
import { EXAMPLES, findExample } from './examples.js';
import { FORMATS, formatCsv, formatJson, formatTable } from './format.js';

export const QUERY_SPEC: CommandSpec = {
  command: 'npm run query --',
  summary: 'Run a GoogleSQL query on BigQuery (the local emulator by default) and print the result.',
  usage: '[options] "<GoogleSQL>"  |  --example <name>  |  --list',
  maxPositionals: 1,
  options: {
    example: { type: 'string', short: 'e', valueName: 'name', description: `run a named example query (${EXAMPLES.map((e) => e.name).join(', ')})` },
    list: { type: 'boolean', short: 'l', description: 'list the example queries with their descriptions' },
    show: { type: 'boolean', description: 'print the SQL (of --example) instead of running it' },
    format: { type: 'string', short: 'f', valueName: 'table|json|csv', default: 'table', description: 'output format' },
    'max-rows': { type: 'string', valueName: 'n', default: '1000', description: 'print at most this many rows' },
    project: { type: 'string', valueName: 'id', description: 'query this real Google Cloud project instead of the local emulator' },
    location: { type: 'string', valueName: 'loc', description: 'BigQuery location of the job (real projects, e.g. EU)' },
  },
  epilog: [
    'Tables: `demo-iot.telemetry.readings`, `.events`, `.deadletter` locally (use your project id with --project).',
    '',
    'Examples:',
    '  npm run query -- "SELECT metric, COUNT(*) AS n FROM \\`demo-iot.telemetry.readings\\` GROUP BY metric"',
    '  npm run query -- --example p95-by-site --format csv > p95.csv',
    '  npm run query -- --list',
  ].join('\n'),
};

export async function query(argv: string[], io: Io = processIo()): Promise<number> {
  return runCli(QUERY_SPEC, argv, io, async ({ values, positionals }) => {
    const c = colorsFor(io.stdout, io.env);
    if (boolOpt(values, 'list')) {
      const w = Math.max(...EXAMPLES.map((e) => e.name.length));
      for (const e of EXAMPLES) io.stdout.write(`${c.bold(e.name.padEnd(w))}  ${e.description}\n`);
      return EXIT.ok;
    }
    const format = choiceOpt(values, 'format', FORMATS) ?? 'table';
    const maxRows = numberOpt(values, 'max-rows', { min: 1, max: 1_000_000, integer: true }) ?? 1000;
    const exampleName = stringOpt(values, 'example');
    const sqlArg = positionals[0];
    if (exampleName !== undefined && sqlArg !== undefined) throw new UsageError('give either a query or --example, not both');
    const example = exampleName !== undefined ? findExample(exampleName) : undefined;
    if (exampleName !== undefined && !example) throw new UsageError(`--example: no example named ${JSON.stringify(exampleName)} (have: ${EXAMPLES.map((e) => e.name).join(', ')})`);
    if (!example && (sqlArg === undefined || sqlArg.trim() === '')) throw new UsageError('give a query ("SELECT ...") or --example <name> (see --list)');

    const target = resolveTarget(stringOpt(values, 'project'), io.env);
    const sql = example ? example.sql(target.projectId) : (sqlArg as string);
    if (boolOpt(values, 'show')) {
      io.stdout.write(sql + '\n');
      return EXIT.ok;
    }
    await requireEmulators(target, ['bigquery']);
    const bq = new BigQuery({ projectId: target.projectId });
    let result;
    try {
      const location = stringOpt(values, 'location');
      result = await runQuery(bq, sql, { maxRows, ...(location ? { location } : {}) });
    } catch (err) {
      throw new CliError(`query failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (format === 'json') io.stdout.write(formatJson(result.fields, result.rows));
    else if (format === 'csv') io.stdout.write(formatCsv(result.fields, result.rows));
    else {
      io.stdout.write(formatTable(result.fields, result.rows, c));
      const more = result.truncated ? `, first ${result.rows.length} of ${result.totalRows} shown (--max-rows)` : '';
      io.stderr.write(colorsFor(io.stderr, io.env).dim(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${more}, ${Math.round(result.elapsedMs)} ms)\n`));
    }
    return EXIT.ok;
  });
}

if (require.main === module) main(() => query(process.argv.slice(2)));
