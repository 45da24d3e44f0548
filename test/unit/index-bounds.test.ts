// The index limits and the trust check (issue 10, class 8) as pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { believedTs, boundIndex, cutMessage, INDEX_LIMITS } from '../../src/core/wipindex/bounds.ts';
import { emptyIndex, mergeEntries, parseIndex, rebuildOnto, serializeIndex, type IndexEntry } from '../../src/core/wipindex/format.ts';
import { trustEntries } from '../../src/core/wipindex/trust.ts';

const P = 'refs/heads/wip';
const sha = (c: string) => c.repeat(40);
const entry = (host: string, branch: string, ts: number, s = 'a', message = 'm'): IndexEntry => ({ host, branch, ref: `${P}/${host}/${branch}`, sha: sha(s), base: sha(s), ts, message, dirty: false });
const NOW = 1_800_000_000;

test('a future ts is not believed: it never pins a key against the real writer, and reads as 0', () => {
  assert.equal(believedTs(NOW + 10, NOW), NOW + 10, 'clock skew is tolerated');
  assert.equal(believedTs(NOW + INDEX_LIMITS.futureSkew + 1, NOW), 0);
  const poisoned = mergeEntries(emptyIndex('r', 1), { 'a/main': { ...entry('a', 'main', 4102444800, 'b'), ref: `${P}/b/main` } }, NOW);
  // Another host writing newer real work for a/main is not blocked by the 2100 time, even without `self`.
  const next = mergeEntries(poisoned, { 'a/main': entry('a', 'main', NOW, 'c') }, NOW);
  assert.equal(next.entries['a/main']?.sha, sha('c'));
  // The writer's own entry always wins its key, whatever time the other claims.
  const own = mergeEntries({ ...poisoned, entries: { 'a/main': { ...entry('a', 'main', NOW + 100, 'd') } } }, { 'a/main': entry('a', 'main', NOW - 50, 'e') }, NOW, 'a');
  assert.equal(own.entries['a/main']?.sha, sha('e'));
  const read = parseIndex(serializeIndex(poisoned), { now: NOW });
  assert.ok('index' in read);
  assert.equal(read.index.entries['a/main']?.ts, 0);
  assert.equal(read.cut.futureTs, 1);
});

test('limits: per host, in all, bytes, message length; this host\'s entries are kept first', () => {
  let idx = emptyIndex('r', 1);
  const flood: Record<string, IndexEntry> = {};
  for (let i = 0; i < 20_000; i++) flood[`h${i % 300}/b${i}`] = entry(`h${i % 300}`, `b${i}`, NOW - i);
  flood['me/main'] = entry('me', 'main', NOW - 100_000);
  flood['big/main'] = entry('big', 'main', NOW, 'f', 'x'.repeat(1024 * 1024));
  idx = { ...idx, entries: flood };
  const text = JSON.stringify(idx);
  const t0 = Date.now();
  const read = parseIndex(text, { now: NOW, self: 'me' });
  const ms = Date.now() - t0;
  assert.ok('index' in read);
  const n = Object.keys(read.index.entries).length;
  assert.ok(n <= INDEX_LIMITS.entries, `${n} entries`);
  assert.ok(read.index.entries['me/main'], 'this host\'s oldest entry survives the flood');
  assert.equal(read.index.entries['big/main']?.message.length, INDEX_LIMITS.messageChars);
  assert.ok(serializeIndex(read.index).length <= INDEX_LIMITS.bytes);
  const perHost = new Map<string, number>();
  for (const e of Object.values(read.index.entries)) perHost.set(e.host, (perHost.get(e.host) ?? 0) + 1);
  assert.ok(Math.max(...perHost.values()) <= INDEX_LIMITS.entriesPerHost);
  assert.ok(read.cut.entriesDropped > 0 && read.cut.messagesCut === 1);
  assert.ok(ms < 5000, `reading a 20,000-entry index took ${ms} ms`);
  const again = boundIndex(read.index, NOW, 'me');
  assert.equal(again.cut.entriesDropped + again.cut.messagesCut + again.cut.futureTs, 0, 'bounding is idempotent');
  assert.ok('error' in parseIndex(' '.repeat(INDEX_LIMITS.readBytes + 1)), 'a file over the read limit is not parsed');
});

test('trust: only entries naming their own host\'s WIP ref at the sha the remote has', () => {
  const refs = new Map([[`${P}/a/main`, sha('a')], [`${P}/b/main`, sha('b')]]);
  const idx = {
    ...emptyIndex('r', 1),
    entries: {
      'a/main': entry('a', 'main', NOW, 'a'), // good
      'b/main': entry('b', 'main', NOW, 'c'), // wrong sha
      'c/main': entry('c', 'main', NOW, 'a'), // no such ref
      'a/other': { ...entry('a', 'other', NOW, 'b'), ref: `${P}/b/main` }, // someone else's ref
      'x/main': entry('a', 'main', NOW, 'a'), // key and fields disagree
    },
  };
  const t = trustEntries(idx, P, refs, NOW);
  assert.deepEqual(Object.keys(t.index.entries), ['a/main']);
  assert.equal(t.dropped, 4);
  assert.equal(t.examples.length, 3);
});

test('rebuild keeps only what the refs back, plus consistent entries written during the rebuild', () => {
  const base = { ...emptyIndex('r', 1), entries: {
    'old/main': entry('old', 'main', NOW - 1000), // older than the rebuild, no ref: dropped
    'racer/main': entry('racer', 'main', NOW - 5), // written during it: kept
    'liar/main': entry('liar', 'main', 4102444800), // a future time: dropped
    'fake/main': { ...entry('fake', 'main', NOW - 5), ref: `${P}/other/main` }, // inconsistent: dropped
  } };
  const out = rebuildOnto(base, { 'a/main': entry('a', 'main', NOW - 3000) }, NOW - 10, NOW);
  assert.deepEqual(Object.keys(out.entries).sort(), ['a/main', 'racer/main']);
});

test('cutMessage counts code points: a short message of two-unit characters is kept whole; a long one is cut to the limit with "…"', () => {
  const max = INDEX_LIMITS.messageChars;
  const emoji = '\u{1F600}';
  assert.equal(cutMessage('x'.repeat(max)), 'x'.repeat(max));
  assert.equal(cutMessage(emoji.repeat(max)), emoji.repeat(max), 'max code points in 2 × max units: nothing cut');
  assert.equal(cutMessage(emoji.repeat(max + 1)), emoji.repeat(max - 1) + '…');
  assert.equal(cutMessage('y'.repeat(1024 * 1024)), 'y'.repeat(max - 1) + '…', 'a 1 MB message');
  const mixed = 'a' + emoji.repeat(max);
  assert.equal(Array.from(cutMessage(mixed)).length, max);
  assert.ok(cutMessage(mixed).endsWith('…'));
  assert.equal(cutMessage(mixed).slice(0, -1), 'a' + emoji.repeat(max - 2), 'never half a character');
});
