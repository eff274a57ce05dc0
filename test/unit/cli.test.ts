// The shared CLI conventions (tools/lib/cli.ts, tools/lib/target.ts) and each
// command's flag handling, in-process and without any emulator: parsing,
// --help, usage errors (exit 2), colour rules, and emulator-vs-project targets.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  choiceOpt, colorsFor, EXIT, helpText, numberOpt, parseCli, runCli, runCommand, shareOpt, timeOpt, UsageError, CliError, type CommandSpec, type Io,
} from '../../tools/lib/cli.js';
import { resolveTarget } from '../../tools/lib/target.js';
import { readFileSync } from 'node:fs';
import { SIMULATE_SPEC, simulate } from '../../tools/simulate/main.js';
import { QUERY_SPEC, query } from '../../tools/query/main.js';
import { REPLAY_SPEC, replay } from '../../tools/replay/main.js';
import { DASHBOARD_SPEC, dashboard } from '../../tools/dashboard/main.js';
import { EXAMPLES } from '../../tools/query/examples.js';
import { QUERIES_DOC, queriesMarkdown } from '../../tools/query/write-docs.js';

const SPEC: CommandSpec = {
  command: 'npm run thing --',
  summary: 'A thing.',
  usage: '[options] <sql>',
  maxPositionals: 1,
  options: {
    rate: { type: 'string', valueName: 'msg/s', default: '10', description: 'rate' },
    verbose: { type: 'boolean', short: 'v', description: 'more output' },
    format: { type: 'string', description: 'output format' },
  },
};

function fakeIo(env: NodeJS.ProcessEnv = {}): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString('utf8')));
  stderr.on('data', (d: Buffer) => (e += d.toString('utf8')));
  return { stdout, stderr, env, out: () => o, err: () => e };
}

describe('cli: argument parsing', () => {
  it('parses flags, defaults, short options and one positional', () => {
    const p = parseCli(SPEC, ['-v', '--format', 'json', 'SELECT 1']);
    assert.equal(p.values.verbose, true);
    assert.equal(p.values.format, 'json');
    assert.equal(p.values.rate, '10');
    assert.deepEqual(p.positionals, ['SELECT 1']);
    assert.equal(p.help, false);
  });

  it('accepts --flag=value', () => {
    assert.equal(parseCli(SPEC, ['--rate=25']).values.rate, '25');
  });

  it('rejects unknown flags, missing values and extra positionals with a UsageError', () => {
    assert.throws(() => parseCli(SPEC, ['--nope']), (e: unknown) => e instanceof UsageError && /unknown option '--nope'/.test(e.message));
    assert.throws(() => parseCli(SPEC, ['--format']), UsageError);
    assert.throws(() => parseCli(SPEC, ['a', 'b']), /too many arguments: "b"/);
    // A repeated flag: the last one wins, as with most CLIs.
    assert.equal(parseCli(SPEC, ['--rate', '1', '--rate', '2']).values.rate, '2');
  });

  it('--help wins over a missing positional and renders every option with its default', () => {
    assert.equal(parseCli(SPEC, ['--help']).help, true);
    assert.equal(parseCli(SPEC, ['-h']).help, true);
    const text = helpText(SPEC);
    assert.match(text, /^A thing\.\n\nUsage: npm run thing -- \[options\] <sql>/);
    assert.match(text, /--rate <msg\/s>\s+rate \(default: 10\)/);
    assert.match(text, /-v, --verbose\s+more output/);
    assert.match(text, /-h, --help/);
    assert.match(text, /Exit codes: 0 ok, 1 failure, 2 usage error\./);
  });

  it('typed accessors name the flag in their errors', () => {
    assert.equal(numberOpt({ n: '5' }, 'n', { min: 1, integer: true }), 5);
    assert.equal(numberOpt({}, 'n'), undefined);
    assert.throws(() => numberOpt({ n: 'x' }, 'n'), /--n: expected a number/);
    assert.throws(() => numberOpt({ n: '1.5' }, 'n', { integer: true }), /--n: expected a whole number/);
    assert.throws(() => numberOpt({ n: '0' }, 'n', { min: 1 }), /--n: must be at least 1/);
    assert.equal(shareOpt({ s: '5%' }, 's'), 0.05);
    assert.equal(shareOpt({ s: '0.25' }, 's'), 0.25);
    assert.throws(() => shareOpt({ s: '1.5' }, 's'), /between 0 and 1/);
    assert.equal(choiceOpt({ f: 'csv' }, 'f', ['table', 'csv'] as const), 'csv');
    assert.throws(() => choiceOpt({ f: 'xml' }, 'f', ['table', 'csv'] as const), /expected one of table, csv/);
  });

  it('times: RFC 3339 or a duration ago', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    assert.equal(timeOpt({ t: '2h' }, 't', now)?.toISOString(), '2026-11-24T18:00:00.000Z');
    assert.equal(timeOpt({ t: '15m' }, 't', now)?.toISOString(), '2026-11-24T19:45:00.000Z');
    assert.equal(timeOpt({ t: '2026-11-01T00:00:00Z' }, 't', now)?.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.throws(() => timeOpt({ t: 'yesterday' }, 't', now), /--t: expected an RFC 3339 time/);
  });
});

describe('cli: exit codes', () => {
  it('0 for success, 2 for a UsageError (with a --help pointer), 1 for a CliError or any other error', async () => {
    const io = fakeIo();
    assert.equal(await runCommand(SPEC, async () => EXIT.ok, io), 0);
    assert.equal(await runCommand(SPEC, async () => { throw new UsageError('bad flag'); }, io), 2);
    assert.match(io.err(), /error: bad flag\nRun npm run thing -- --help for usage\./);
    assert.equal(await runCommand(SPEC, async () => { throw new CliError('stack down'); }, io), 1);
    assert.match(io.err(), /error: stack down\n/);
    assert.equal(await runCommand(SPEC, async () => { throw new Error('boom'); }, io), 1);
  });

  it('runCli answers --help from the spec without running the body, and reports a bad flag on the given io', async () => {
    let ran = 0;
    const body = async (): Promise<number> => {
      ran++;
      return EXIT.ok;
    };
    const help = fakeIo();
    assert.equal(await runCli(SPEC, ['--help'], help, body), 0);
    assert.equal(help.out(), helpText(SPEC));
    const bad = fakeIo();
    assert.equal(await runCli(SPEC, ['--no-such-flag'], bad, body), 2);
    assert.match(bad.err(), /Run npm run thing -- --help for usage\./);
    assert.equal(ran, 0);
    assert.equal(await runCli(SPEC, [], fakeIo(), body), 0);
    assert.equal(ran, 1);
  });

  const commands: [string, (argv: string[], io: Io) => Promise<number>, RegExp][] = [
    ['simulate', simulate, /--duplicate-share <share>/],
    ['query', query, /--example <name>/],
    ['replay', replay, /-n, --dry-run/],
    ['dashboard', dashboard, /--port <n>/],
  ];
  for (const [name, run, flag] of commands) {
    it(`${name}: --help prints usage and exits 0; a bad flag exits 2`, async () => {
      const io = fakeIo();
      assert.equal(await run(['--help'], io), 0);
      assert.match(io.out(), new RegExp(`Usage: npm run ${name}`));
      assert.match(io.out(), flag);
      const bad = fakeIo();
      assert.equal(await run(['--no-such-flag'], bad), 2);
      assert.match(bad.err(), /unknown option '--no-such-flag'/);
      assert.equal(bad.out(), '');
    });
  }

  it('simulate: shares adding up to more than 1 and out-of-range values are usage errors', async () => {
    const io = fakeIo();
    assert.equal(await simulate(['--invalid-share', '0.6', '--late-share', '0.6'], io), 2);
    assert.match(io.err(), /add up to more than 1/);
    assert.equal(await simulate(['--devices', '1000'], fakeIo()), 2);
    assert.equal(await simulate(['--rate', '-1'], fakeIo()), 2);
  });
});

describe('cli: replay flags', () => {
  it('--dry-run with --publish, a bad time and --until before --since are usage errors', async () => {
    const both = fakeIo();
    assert.equal(await replay(['--dry-run', '--publish'], both), 2);
    assert.match(both.err(), /--dry-run or --publish, not both/);
    assert.equal(await replay(['--since', 'last week'], fakeIo()), 2);
    const order = fakeIo();
    assert.equal(await replay(['--since', '1h', '--until', '2h'], order), 2);
    assert.match(order.err(), /--until must be later than --since/);
    assert.equal(await replay(['--limit', '0'], fakeIo()), 2);
  });
});

describe('cli: dashboard flags', () => {
  it('is for the local emulators only: a real project or a bad port is a usage error', async () => {
    const real = fakeIo();
    assert.equal(await dashboard(['--project', 'my-proj'], real), 2);
    assert.match(real.err(), /local emulators only/);
    assert.equal(await dashboard(['--port', '70000'], fakeIo()), 2);
  });
});

describe('cli: query examples', () => {
  it('query: needs SQL or --example, and rejects unknown examples, formats and both at once', async () => {
    const none = fakeIo();
    assert.equal(await query([], none), 2);
    assert.match(none.err(), /give a query/);
    assert.equal(await query(['--example', 'nope'], fakeIo()), 2);
    assert.equal(await query(['--format', 'xml', 'SELECT 1'], fakeIo()), 2);
    assert.equal(await query(['--example', 'anomalies', 'SELECT 1'], fakeIo()), 2);
  });

  it('--list names every example; --show prints its SQL for the project', async () => {
    const io = fakeIo();
    assert.equal(await query(['--list'], io), 0);
    for (const name of ['hourly-avg', 'p95-by-site', 'silent-devices', 'anomalies']) assert.match(io.out(), new RegExp(`^${name} `, 'm'));
    const show = fakeIo({});
    assert.equal(await query(['--example', 'p95-by-site', '--show', '--project', 'demo-x1'], show), 0);
    assert.match(show.out(), /APPROX_QUANTILES\(value, 100\)\[OFFSET\(95\)\]/);
    assert.match(show.out(), /FROM `demo-x1\.telemetry\.readings`/);
  });

  it('docs/queries.md holds exactly the SQL the tool runs (regenerate: node build/tools/query/write-docs.js)', () => {
    const doc = readFileSync(QUERIES_DOC, 'utf8');
    assert.equal(doc, queriesMarkdown());
    for (const e of EXAMPLES) assert.ok(doc.includes(e.sql('demo-iot')), e.name);
  });
});

describe('cli: docs/cli.md', () => {
  it('documents every command and every flag', () => {
    const doc = readFileSync(QUERIES_DOC.replace(/queries\.md$/, 'cli.md'), 'utf8');
    for (const spec of [SIMULATE_SPEC, QUERY_SPEC, REPLAY_SPEC, DASHBOARD_SPEC]) {
      const name = spec.command.replace(/ --$/, '');
      assert.ok(doc.includes(`## ${name}`), name);
      const section = doc.slice(doc.indexOf(`## ${name}`)).split('\n## ')[0] ?? '';
      for (const flag of Object.keys(spec.options)) assert.ok(section.includes(`--${flag}`), `${name}: --${flag}`);
    }
  });
});

describe('cli: colour', () => {
  it('only on a TTY, never with NO_COLOR or TERM=dumb', () => {
    assert.equal(colorsFor({ isTTY: true }, {}).enabled, true);
    assert.equal(colorsFor({ isTTY: true }, {}).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(colorsFor({ isTTY: false }, {}).enabled, false);
    assert.equal(colorsFor({}, {}).red('x'), 'x');
    assert.equal(colorsFor({ isTTY: true }, { NO_COLOR: '1' }).enabled, false);
    assert.equal(colorsFor({ isTTY: true }, { TERM: 'dumb' }).enabled, false);
  });
});

describe('cli: target (emulators or a real project)', () => {
  const ports = { pubsub: 8085, firestore: 8080, bigquery: 9050, dashboard: 8070 };

  it('defaults to the emulators on the firebase.json ports, keeping variables already set', () => {
    const env: NodeJS.ProcessEnv = { FIRESTORE_EMULATOR_HOST: '127.0.0.1:9999' };
    const t = resolveTarget(undefined, env, ports);
    assert.equal(t.mode, 'emulator');
    assert.equal(t.projectId, 'demo-iot');
    assert.equal(env.PUBSUB_EMULATOR_HOST, '127.0.0.1:8085');
    assert.equal(env.FIRESTORE_EMULATOR_HOST, '127.0.0.1:9999');
    assert.equal(env.BIGQUERY_EMULATOR_HOST, 'http://127.0.0.1:9050');
    assert.equal(t.bigqueryUrl, 'http://127.0.0.1:9050');
  });

  it('a demo- project stays on the emulators', () => {
    const t = resolveTarget('demo-other', {}, ports);
    assert.equal(t.mode, 'emulator');
    assert.equal(t.projectId, 'demo-other');
  });

  it('a real project clears the emulator variables', () => {
    const env: NodeJS.ProcessEnv = { PUBSUB_EMULATOR_HOST: 'x:1', BIGQUERY_EMULATOR_HOST: 'http://x:2', FIRESTORE_EMULATOR_HOST: 'x:3' };
    const t = resolveTarget('my-proj', env, ports);
    assert.deepEqual(t, { mode: 'cloud', projectId: 'my-proj' });
    assert.equal(env.PUBSUB_EMULATOR_HOST, undefined);
    assert.equal(env.BIGQUERY_EMULATOR_HOST, undefined);
    assert.equal(env.FIRESTORE_EMULATOR_HOST, undefined);
  });

  it('rejects an invalid project id as a usage error', () => {
    assert.throws(() => resolveTarget('Bad_Project', {}, ports), UsageError);
  });
});
