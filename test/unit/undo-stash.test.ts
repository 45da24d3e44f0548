// What undo makes of the stash list (src/core/undo/stash.ts): dropped entries go back where they were,
// newer entries stay on top, an undo of that undo drops exactly what it put back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { droppedStash } from '../../src/core/gitguard/destructive.ts';
import { sameStash, stashAfter, type StashEntry } from '../../src/core/undo/stash.ts';

const e = (c: string): StashEntry => ({ sha: c.repeat(40), message: `On main: ${c}` });
const shas = (l: StashEntry[]) => l.map((x) => x.sha[0]).join('');

test('a dropped entry goes back in its place; entries stashed since stay on top; nothing is duplicated', () => {
  const before = [e('a'), e('b'), e('c')];
  assert.equal(shas(stashAfter([e('a'), e('c')], { add: before })), 'abc', 'stash drop stash@{1}');
  assert.equal(shas(stashAfter([], { add: before })), 'abc', 'stash clear');
  assert.equal(shas(stashAfter([e('n'), e('b'), e('c')], { add: before })), 'nabc', 'a newer stash stays newest');
  assert.equal(shas(stashAfter([e('a'), e('b'), e('c')], { add: before })), 'abc');
  assert.ok(sameStash(stashAfter(before, { add: before }), before), 'nothing to do');
});

test('drop removes exactly the named entries (the reverse of an undo that put them back)', () => {
  assert.equal(shas(stashAfter([e('n'), e('a'), e('b'), e('c')], { drop: ['b'.repeat(40)] })), 'nac');
  assert.equal(shas(stashAfter([e('a')], { drop: ['z'.repeat(40)] })), 'a', 'an entry already gone is no error');
  assert.ok(!sameStash([e('a'), e('b')], [e('b'), e('a')]), 'order matters');
});

test('only what the drop removed comes back, not an entry a later `stash pop` applied', () => {
  const before = [e('a'), e('b'), e('c')];
  assert.equal(shas(stashAfter([e('c')], { add: before, restore: ['a'.repeat(40)] })), 'ac', 'b was popped since: it stays applied');
  assert.deepEqual(droppedStash(['drop'], before.map((x) => x.sha)), ['a'.repeat(40)]);
  assert.deepEqual(droppedStash(['drop', '-q', 'stash@{2}'], before.map((x) => x.sha)), ['c'.repeat(40)]);
  assert.deepEqual(droppedStash(['drop', '1'], before.map((x) => x.sha)), ['b'.repeat(40)]);
  assert.equal(droppedStash(['clear'], before.map((x) => x.sha)), null);
  assert.equal(droppedStash(['drop', 'refs/stash@{1}'], before.map((x) => x.sha)), null, 'a form not read: every missing entry');
});
