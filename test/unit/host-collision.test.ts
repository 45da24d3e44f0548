// Collision records (issue 11 point 4): one per ref, only the current host's count, a held lease clears one; the message names the host and the fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearCollision, collisionFix, collisionMessage, collisionsOf, recordCollision } from '../../src/core/wip/collision.ts';
import type { Collision, DxState } from '../../src/core/state.ts';

const sha = (c: string) => c.repeat(40);
const c = (ref: string, host: string, seen: number, theirs = sha('b')): Collision => ({ ref, host, remote: 'origin', theirs, ours: sha('a'), seen, by: 'push' });

test('records: one per ref (the latest), only the current host id counts, a held lease clears the ref', () => {
  const state: DxState = { schema_version: 1, wip: {}, index: {}, refPushes: [] };
  recordCollision(state, c('refs/heads/wip/twin/main', 'twin', 10));
  recordCollision(state, c('refs/heads/wip/twin/main', 'twin', 20, sha('c')));
  recordCollision(state, c('refs/heads/wip/twin/x', 'twin', 15));
  recordCollision(state, c('refs/heads/wip/old/main', 'old', 30));
  assert.deepEqual(collisionsOf('twin', state.collisions).map((x) => [x.ref, x.seen]), [['refs/heads/wip/twin/main', 20], ['refs/heads/wip/twin/x', 15]]);
  assert.deepEqual(collisionsOf('new-id', state.collisions), [], 'records under an earlier host id are history');
  // A sighting from status merges with the records: the newest per ref.
  assert.equal(collisionsOf('twin', state.collisions, [c('refs/heads/wip/twin/x', 'twin', 40)]).find((x) => x.ref.endsWith('/x'))?.seen, 40);
  clearCollision(state, 'refs/heads/wip/twin/main');
  assert.deepEqual(collisionsOf('twin', state.collisions).map((x) => x.ref), ['refs/heads/wip/twin/x']);
});

test('the message names the ref, the host id and what was kept; the fix names the machine config; remote text is made safe', () => {
  const m = collisionMessage(c('refs/heads/wip/twin/evil\u001b[2J', 'twin', 1));
  assert.match(m, /refs\/heads\/wip\/twin\/evil/);
  assert.match(m, /two machines use the host id "twin"/);
  assert.ok(!m.includes('\u001b'), 'no escape sequence reaches the terminal');
  assert.match(collisionFix(), /"host" in the machine config \(.*config\.json\)/);
});
