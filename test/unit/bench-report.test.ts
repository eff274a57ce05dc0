import assert from 'node:assert/strict';
import { allPassed, busyMachineNote, formatMarkdownTable, formatNumber, formatTable, ratioOf, resultsFileName, toRow } from '../../bench/report.js';
import { median, rotatingRounds } from '../../bench/stats.js';
import { buildTraffic, newestEventIds } from '../../bench/messages.js';
import { parseBenchArgs, UsageError } from '../../bench/args.js';
import type { Section } from '../../bench/section.js';
import { parseCounterLine, vmHwmKiB, cpuTicks, machineCpuTicks } from '../../bench/proc-stats.js';

describe('bench report: ratios and pass', () => {
  it('ratio is ours/baseline when higher is better and baseline/ours when lower is better', () => {
    assert.equal(ratioOf(80, 100, 'higher'), 0.8);
    assert.equal(ratioOf(5, 20, 'lower'), 4);
    assert.equal(ratioOf(5, undefined, 'higher'), undefined);
    assert.equal(ratioOf(0, 10, 'lower'), undefined);
    assert.equal(ratioOf(0, 0, 'lower'), 1);
  });

  it('judges a ratio target against the ratio and a value target against our value', () => {
    const core = toRow({ group: 'core', name: 'msg/s', unit: 'msg/s', value: 700, baseline: 1000, better: 'higher', target: { on: 'ratio', op: '>=', threshold: 0.66 } });
    assert.equal(core.ratio, 0.7);
    assert.equal(core.pass, true);
    assert.equal(core.target, 'ratio >= 0.66');
    const low = toRow({ group: 'core', name: 'msg/s', unit: 'msg/s', value: 600, baseline: 1000, better: 'higher', target: { on: 'ratio', op: '>=', threshold: 0.66 } });
    assert.equal(low.pass, false);
    const mem = toRow({ group: 'memory', name: 'peak RSS', unit: 'MiB', value: 120, baseline: 256, baselineName: 'Cloud Run instance', better: 'lower', target: { on: 'value', op: '<=', threshold: 200 } });
    assert.equal(mem.pass, true);
    assert.equal(mem.target, '<= 200');
    assert.ok(Math.abs((mem.ratio ?? 0) - 256 / 120) < 1e-12);
    const bq = toRow({ group: 'e2e', name: 'requests per 1,000 rows', unit: '', value: 12, better: 'lower', target: { on: 'value', op: '<=', threshold: 10 } });
    assert.equal(bq.pass, false);
    assert.equal(bq.ratio, undefined);
  });

  it('a missing ratio fails its target rather than passing silently', () => {
    const r = toRow({ group: 'http', name: 'req/s', unit: 'req/s', value: 10, better: 'higher', target: { on: 'ratio', op: '>=', threshold: 0.8 } });
    assert.equal(r.pass, false);
  });

  it('allPassed ignores rows without a target', () => {
    assert.equal(allPassed([{ group: 'a', name: 'b', unit: '', value: 1 }, { group: 'a', name: 'c', unit: '', value: 1, pass: true }]), true);
    assert.equal(allPassed([{ group: 'a', name: 'c', unit: '', value: 1, pass: false }]), false);
  });
});

describe('bench report: formatting', () => {
  it('formats numbers with about three significant digits and separators', () => {
    assert.equal(formatNumber(123456.7), '123,457');
    assert.equal(formatNumber(12.345), '12.3');
    assert.equal(formatNumber(1.2345), '1.23');
    assert.equal(formatNumber(0.012345), '0.0123');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(undefined), '');
  });

  it('lays out the table with a header, a rule and aligned columns', () => {
    const rows = [
      toRow({ group: 'core', name: 'validate+enrich+rows', unit: 'msg/s', value: 41000, baseline: 52000, baselineName: 'floor', better: 'higher', target: { on: 'ratio', op: '>=', threshold: 0.66 } }),
      toRow({ group: 'e2e', name: 'BigQuery requests per 1,000 rows', unit: '', value: 3.5, baseline: 1000, baselineName: 'naive', better: 'lower', target: { on: 'value', op: '<=', threshold: 10 } }),
    ];
    const lines = formatTable(rows).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /^section\s+measure\s+ours\s+baseline\s+ratio\s+target\s+pass$/);
    assert.match(lines[1] ?? '', /^-+( +-+){6}$/);
    assert.match(lines[2] ?? '', /^core\s+validate\+enrich\+rows\s+41,000 msg\/s\s+52,000 msg\/s \(floor\)\s+0\.788\s+ratio >= 0\.66\s+yes$/);
    assert.match(lines[3] ?? '', /3\.5\s+1,000 \(naive\)\s+286\s+<= 10\s+yes$/);
    // The "ours" column is right-aligned: both values end at the same place.
    const end = (l: string | undefined, s: string): number => (l ?? '').indexOf(s) + s.length;
    assert.equal(end(lines[2], '41,000 msg/s'), end(lines[3], ' 3.5'));
  });

  it('renders Markdown with escaped pipes and right-aligned number columns', () => {
    const md = formatMarkdownTable([{ group: 'g', name: 'a|b', unit: '', value: 1 }]).split('\n');
    assert.equal(md[0], '| section | measure | ours | baseline | ratio | target | pass |');
    assert.equal(md[1], '| --- | --- | ---: | ---: | ---: | --- | --- |');
    assert.equal(md[2], '| g | a\\|b | 1 |  |  |  |  |');
  });

  it('notes a busy machine only when the load average exceeds the CPUs', () => {
    assert.equal(busyMachineNote([0.5, 1.9], 2), undefined);
    assert.match(busyMachineNote([0.5, 7.25], 2) ?? '', /load average up to 7\.25 on 2 CPUs/);
  });

  it('names results files by start time without colons', () => {
    assert.equal(resultsFileName(new Date('2026-11-25T05:06:07.089Z')), '2026-11-25T05-06-07.089Z.json');
  });
});

describe('bench command line', () => {
  const sections: Section[] = ['core', 'http', 'e2e'].map((name) => ({ name, summary: name, run: async () => [] }));
  const names = (argv: string[]): string[] => parseBenchArgs(argv, sections).sections.map((s) => s.name);

  it('runs every section by default, and --only picks some in the documented order', () => {
    assert.deepEqual(names([]), ['core', 'http', 'e2e']);
    assert.deepEqual(names(['--only', 'e2e,core']), ['core', 'e2e']);
    assert.deepEqual(names(['--only=http']), ['http']);
  });

  it('reads --quick and --help', () => {
    assert.equal(parseBenchArgs(['--quick'], sections).quick, true);
    assert.equal(parseBenchArgs([], sections).quick, false);
    assert.equal(parseBenchArgs(['-h'], sections).help, true);
  });

  it('rejects unknown sections, unknown flags and positionals with a UsageError', () => {
    assert.throws(() => parseBenchArgs(['--only', 'core,nope'], sections), (e: unknown) => e instanceof UsageError && /nope/.test(e.message));
    assert.throws(() => parseBenchArgs(['--only', ','], sections), UsageError);
    assert.throws(() => parseBenchArgs(['--fast'], sections), UsageError);
    assert.throws(() => parseBenchArgs(['core'], sections), UsageError);
  });
});

describe('bench stats', () => {
  it('median of odd, even and empty lists', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('rotatingRounds rotates which variant runs first', async () => {
    const order: string[] = [];
    const variant = (name: string, value: number) => ({ name, run: () => (order.push(name), value) });
    const r = await rotatingRounds(4, [variant('a', 1), variant('b', 2), variant('c', 3)]);
    assert.deepEqual(order, ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b', 'a', 'b', 'c']);
    assert.deepEqual([...r], [['a', [1, 1, 1, 1]], ['b', [2, 2, 2, 2]], ['c', [3, 3, 3, 3]]]);
  });
});

describe('bench traffic and process readings', () => {
  it('builds the same seeded traffic every time, with singles and small batches', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const a = buildTraffic({ count: 200, now, seqBase: 10 });
    const b = buildTraffic({ count: 200, now, seqBase: 10 });
    assert.deepEqual(a.map((m) => m.data.toString()), b.map((m) => m.data.toString()));
    const batches = a.filter((m) => m.events > 1);
    assert.ok(batches.length > 10 && batches.length < 80, `batches: ${batches.length}`);
    assert.ok(batches.every((m) => m.events >= 2 && m.events <= 5));
    const first = JSON.parse(a[0]?.data.toString() ?? '{}') as { seq?: number; ts?: string };
    assert.equal(first.seq, 10);
    assert.ok((first.ts ?? '') < now.toISOString());
  });

  it('knows each device\'s newest event id (what deviceState must end at)', () => {
    const traffic = buildTraffic({ count: 100, deviceIds: ['d1', 'd2'], now: new Date('2026-11-25T00:00:00Z'), seqBase: 5 });
    const newest = newestEventIds(traffic, 5);
    for (const id of ['d1', 'd2']) {
      const events = traffic
        .filter((m) => m.deviceId === id)
        .flatMap((m) => {
          const body = JSON.parse(m.data.toString()) as { seq?: number; ts: string; events?: { seq: number; ts: string }[] };
          return body.events ?? [{ seq: body.seq ?? -1, ts: body.ts }];
        });
      const latest = events.reduce((a, b) => (b.ts > a.ts ? b : a));
      assert.equal(newest.get(id), `${id}:${latest.seq}`);
      assert.equal(latest.seq, Math.max(...events.map((e) => e.seq)));
    }
  });

  it('reads VmHWM and CPU ticks from /proc text', () => {
    assert.equal(vmHwmKiB('Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1 kB\n'), 123456);
    assert.equal(vmHwmKiB('Name:\tnode\n'), undefined);
    // comm may hold spaces and parentheses: fields count from the last ')'.
    const stat = '4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 150 25 0 0 20 0 1 0';
    assert.equal(cpuTicks(stat), 175);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    assert.deepEqual(machineCpuTicks('cpu  100 5 50 800 20 1 2 3\ncpu0 1 2 3 4\n'), { busy: 161, total: 981 });
  });

  it('parses the counter lines the e2e section reads from function logs', () => {
    const line = JSON.stringify({ severity: 'INFO', message: 'bench firestore counters', stage: 'sinkFirestore', firestoreCommits: 3, firestoreWrites: 4, firestoreReadRpcs: 5, firestoreReads: 6, firestoreRpcs: 9 });
    assert.deepEqual(parseCounterLine(line), { firestoreCommits: 3, firestoreWrites: 4, firestoreReadRpcs: 5, firestoreReads: 6, firestoreRpcs: 9 });
    assert.equal(parseCounterLine('{"severity":"INFO","message":"other"}'), undefined);
    assert.equal(parseCounterLine('not json'), undefined);
  });
});
