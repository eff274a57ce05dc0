// The conformance comparator: what counts as the page's value, and what does not.
import assert from 'node:assert/strict';
import { cellMatches, display, rowsMatch, timestampMicros } from '../../../emulators/bigquery/conformance/compare.js';

describe('bigquery emulator conformance: comparing results with the reference pages', () => {
  it('reads displayed timestamps in their zone', () => {
    assert.equal(timestampMicros('2008-12-25 15:30:00+00'), 1230219000000000n);
    assert.equal(timestampMicros('2008-12-25 07:30:00.000 America/Los_Angeles'), 1230219000000000n);
    assert.equal(timestampMicros('2008-12-25 15:30:00 UTC'), 1230219000000000n);
    assert.equal(timestampMicros('not a time'), undefined);
  });

  it('renders REST cells as the pages print them', () => {
    assert.equal(display({ name: 'a', type: 'INTEGER', mode: 'REPEATED' }, [{ v: '1' }, { v: '2' }]), '[1, 2]');
    assert.equal(display({ name: 's', type: 'RECORD', fields: [{ name: 'x', type: 'STRING' }, { name: 'y', type: 'INTEGER' }] }, { f: [{ v: 'a' }, { v: null }] }), '{a, NULL}');
    assert.equal(display({ name: 'b', type: 'BYTES' }, Buffer.from('a\u0000').toString('base64')), 'b"a\\x00"');
  });

  it('accepts display differences but not value differences', () => {
    assert.ok(cellMatches('1.4142135623730951', '1.41421356237'));
    assert.ok(!cellMatches('1.5', '1.4'));
    assert.ok(cellMatches('2008-12-25T15:30:00', '2008-12-25 15:30:00'));
    assert.ok(cellMatches('@1230219000000000', '2008-12-25 07:30:00.000 America/Los_Angeles'));
    assert.ok(!cellMatches('@1230219000000001', '2008-12-25 15:30:00+00'));
    assert.ok(cellMatches('{1, 2}', '{x: 1, y: 2}'));
    assert.ok(cellMatches('[a, b]', '["a", "b"]'));
    assert.ok(!cellMatches('NULL', ''));
    assert.ok(!cellMatches('', 'NULL'));
    assert.ok(!cellMatches('[1, 2]', '[2, 1]'));
  });

  it('matches rows in order when the query orders them, as a multiset otherwise, columns by name', () => {
    assert.ok(rowsMatch([['1'], ['2']], ['a'], [['2'], ['1']], ['a'], false, false));
    assert.ok(!rowsMatch([['1'], ['2']], ['a'], [['2'], ['1']], ['a'], true, false));
    assert.ok(rowsMatch([['x', '1']], ['k', 'v'], [['1', 'x']], ['v', 'k'], true, false));
    assert.ok(rowsMatch([['[2, 1]']], ['a'], [['[1, 2]']], ['a'], true, true));
    assert.ok(!rowsMatch([['1']], ['a'], [['1'], ['1']], ['a'], false, false));
  });
});
