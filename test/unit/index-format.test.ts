// The index file (DESIGN §4): parse with clear errors, merge per key (newest ts wins), never drop a host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyIndex, mergeEntries, parseIndex, serializeIndex, type IndexEntry } from '../../src/core/wipindex/format.ts';

const sha = (c: string) => c.repeat(40);
const entry = (host: string, branch: string, ts: number, c: string): IndexEntry => ({ host, branch, ref: `refs/heads/wip/${host}/${branch}`, sha: sha(c), base: sha(c), ts, message: `${host} ${ts}`, dirty: false });

test('merge: newest ts wins per key, other keys are kept, hosts show each host\'s newest entry', () => {
  let idx = emptyIndex('repo', 100);
  idx = mergeEntries(idx, { 'a/main': entry('a', 'main', 10, 'a'), 'b/main': entry('b', 'main', 20, 'b') }, 100);
  idx = mergeEntries(idx, { 'a/main': entry('a', 'main', 5, 'c') }, 101); // older: ignored
  assert.equal(idx.entries['a/main']?.sha, sha('a'));
  idx = mergeEntries(idx, { 'a/feature': entry('a', 'feature', 30, 'd') }, 102);
  assert.deepEqual(Object.keys(idx.entries).sort(), ['a/feature', 'a/main', 'b/main']);
  assert.equal(idx.hosts.a?.branch, 'feature');
  assert.equal(idx.hosts.b?.sha, sha('b'));
  assert.equal(idx.updated, 102);
});

test('merge keeps seed-format host summaries that have no entries', () => {
  const base = { ...emptyIndex('r', 1), hosts: { old: { sha: sha('e'), branch: 'main', ts: 1, message: 'seed' } } };
  const merged = mergeEntries(base, { 'n/main': entry('n', 'main', 2, 'f') }, 3);
  assert.ok(merged.hosts.old);
  assert.ok(merged.hosts.n);
});

test('parse: round-trips, and says what is wrong with a bad file', () => {
  const idx = mergeEntries(emptyIndex('r', 1), { 'a/main': entry('a', 'main', 10, 'a') }, 2);
  const back = parseIndex(serializeIndex(idx));
  assert.ok('index' in back);
  assert.deepEqual(back.index, idx);
  const notJson = parseIndex('{"schema_version":1,');
  assert.ok('error' in notJson && /not JSON/.test(notJson.error));
  const badSha = parseIndex(JSON.stringify({ ...idx, entries: { 'a/main': { ...entry('a', 'main', 1, 'a'), sha: 'xyz' } } }));
  assert.ok('error' in badSha && /entries\.a\/main\.sha: expected a 40-hex commit id/.test(badSha.error));
  const version = parseIndex(JSON.stringify({ ...idx, schema_version: 2 }));
  assert.ok('error' in version && /schema_version/.test(version.error));
});

test('rebuild: entries come from the WIP refs, but an entry written during the rebuild is never dropped', async () => {
  const { rebuildOnto } = await import('../../src/core/wipindex/format.ts');
  const base = mergeEntries(emptyIndex('r', 1), { 'gone/main': entry('gone', 'main', 10, 'a'), 'racer/main': entry('racer', 'main', 200, 'b'), 'a/main': entry('a', 'main', 50, 'c') }, 2);
  const fresh = { 'a/main': entry('a', 'main', 40, 'd') };
  const out = rebuildOnto(base, fresh, 100, 300);
  assert.deepEqual(Object.keys(out.entries).sort(), ['a/main', 'racer/main']);
  assert.equal(out.entries['a/main']?.sha, sha('d'), 'the WIP ref is the truth for keys it has');
  assert.ok(!out.hosts.gone);
});
