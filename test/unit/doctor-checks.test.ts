// Doctor's pure deciders: git's version floor, when a lock is stale, where the index disagrees with
// the WIP refs, what counts as pending, the network timeout, and finding dx-hooks' block in a hook file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gitOlderThan, MIN_GIT } from '../../src/core/doctor/git-version.ts';
import { lockIsStale, LOCK_STALE_MS } from '../../src/core/doctor/locks.ts';
import { pendingItems } from '../../src/core/doctor/pending.ts';
import { doctorTimeoutMs, DOCTOR_TIMEOUT_MS } from '../../src/core/doctor/remote.ts';
import { blockOf } from '../../src/core/doctor/runtime.ts';
import { indexDrift } from '../../src/core/doctor/wip-index.ts';
import { emptyIndex, type IndexEntry } from '../../src/core/wipindex/format.ts';
import { parseGitVersion } from '../../src/core/install/plan.ts';
import type { DxState } from '../../src/core/state.ts';

const sha = (c: string) => c.repeat(40);

test('git older than 2.28 is too old; 2.28 and later (3.x too) are not', () => {
  assert.deepEqual(MIN_GIT, [2, 28]);
  const cases: [string, boolean][] = [['git version 2.27.0', true], ['git version 2.28.0', false], ['git version 2.39.5', false], ['git version 1.99.9', true], ['git version 3.0.0', false], ['git version 2.9.5', true], ['git version 2.100.0', false]];
  for (const [text, old] of cases) assert.equal(gitOlderThan(parseGitVersion(text)), old, text);
});

test('a lock is stale when not refreshed for its stale time, or when its known owner is dead; never while the owner lives', () => {
  const now = 1_000_000;
  assert.equal(lockIsStale({ mtimeMs: now - LOCK_STALE_MS - 1, now }), true);
  assert.equal(lockIsStale({ mtimeMs: now - LOCK_STALE_MS + 1000, now }), false);
  assert.equal(lockIsStale({ mtimeMs: now - 5000, now, staleMs: 1000 }), true);
  assert.equal(lockIsStale({ mtimeMs: now - 10 * LOCK_STALE_MS, now, owner: { pid: 42, alive: true } }), false, 'a live owner keeps even an old lock');
  assert.equal(lockIsStale({ mtimeMs: now, now, owner: { pid: 42, alive: false } }), true, 'a dead owner frees a fresh lock');
});

test('index drift: sha out of step, entry without ref, ref without entry; other prefixes are ignored', () => {
  const e = (host: string, branch: string, c: string, prefix = 'refs/heads/wip'): IndexEntry => ({ host, branch, ref: `${prefix}/${host}/${branch}`, sha: sha(c), base: sha(c), ts: 1, message: 'm', dirty: false });
  const index = { ...emptyIndex('r', 1), entries: { 'a/main': e('a', 'main', 'a'), 'b/main': e('b', 'main', 'b'), 'c/gone': e('c', 'gone', 'c'), 'x/y': e('x', 'y', 'd', 'refs/wip') } };
  const refs = new Map([
    ['refs/heads/wip/a/main', sha('a')],
    ['refs/heads/wip/b/main', sha('e')],
    ['refs/heads/wip/d/feature/x', sha('f')],
    ['refs/heads/dx/index', sha('9')],
  ]);
  const drift = indexDrift(index, refs, 'refs/heads/wip');
  assert.equal(drift.length, 3, drift.join('\n'));
  assert.match(drift[0] ?? '', /^b\/main: the index says bbbbbbbbbbbb, refs\/heads\/wip\/b\/main is at eeeeeeeeeeee/);
  assert.match(drift[1] ?? '', /^c\/gone: its ref refs\/heads\/wip\/c\/gone is not on the remote/);
  assert.equal(drift[2], 'refs/heads/wip/d/feature/x has no entry');
  assert.deepEqual(indexDrift(index, new Map([['refs/heads/wip/a/main', sha('a')], ['refs/heads/wip/b/main', sha('b')], ['refs/heads/wip/c/gone', sha('c')]]), 'refs/heads/wip'), []);
});

test('pending: WIP pushes, the index update, other ref pushes and unhandled queue lines, each named', () => {
  const state: DxState = {
    schema_version: 1,
    wip: {
      'refs/heads/wip/h/main': { pending: { sha: sha('a'), branch: 'main', since: 100, attempts: 2, error: 'rejected', dirty: false, keep: [] } },
      'refs/heads/wip/h/done': { lastPushed: sha('b') },
    },
    index: { pending: { since: 100, attempts: 1, error: 'timeout', keys: ['h/main'] } },
    refPushes: [{ remote: 'origin', refs: ['refs/tags/checkpoint/x'], force: false, since: 100, attempts: 1, error: 'down' }],
  };
  const items = pendingItems(state, 3, 400);
  assert.equal(items.length, 4);
  assert.match(items[0] ?? '', /^refs\/heads\/wip\/h\/main → aaaaaaaaaaaa, failing since 5m ago after 2 attempt\(s\): rejected$/);
  assert.match(items[1] ?? '', /index update \(h\/main\)/);
  assert.match(items[2] ?? '', /refs\/tags\/checkpoint\/x to "origin"/);
  assert.equal(items[3], '3 queued commit(s) that no worker is pushing');
  assert.deepEqual(pendingItems({ schema_version: 1, wip: {}, index: {}, refPushes: [] }, 0, 400), []);
  // An index update queued for the background worker (no attempt yet) is on its way while a worker runs or for a minute; then it is pending.
  const queued: DxState = { schema_version: 1, wip: {}, index: { pending: { since: 100, attempts: 0, error: 'queued for the background worker', keys: ['h/main'] } }, refPushes: [] };
  assert.deepEqual(pendingItems(queued, 0, 130), []);
  assert.deepEqual(pendingItems(queued, 0, 400, true), []);
  assert.deepEqual(pendingItems(queued, 0, 400), ['the index update (h/main), queued for the background worker 5m ago']);
  // A session push queued for the worker (0 attempts) is the same: on its way, then pending — never "failing".
  const ref = 'refs/dx/sessions/h/codex/s1';
  const queuedRef: DxState = { schema_version: 1, wip: {}, index: {}, refPushes: [{ remote: 'origin', refs: [ref], force: false, since: 100, attempts: 0, error: 'queued for the background worker' }] };
  assert.deepEqual(pendingItems(queuedRef, 0, 130), []);
  assert.deepEqual(pendingItems(queuedRef, 0, 400, true), []);
  assert.deepEqual(pendingItems(queuedRef, 0, 400), [`${ref} to "origin", queued 5m ago and not pushed by any worker yet`]);
});

test('the network timeout: DX_NETWORK_TIMEOUT_MS when a positive number, else 10 s', () => {
  assert.equal(DOCTOR_TIMEOUT_MS, 10_000);
  assert.equal(doctorTimeoutMs({}), 10_000);
  assert.equal(doctorTimeoutMs({ DX_NETWORK_TIMEOUT_MS: '2500' }), 2500);
  for (const bad of ['0', '-5', 'soon', '']) assert.equal(doctorTimeoutMs({ DX_NETWORK_TIMEOUT_MS: bad }), 10_000, bad);
});

test('blockOf finds dx-hooks\' block between its markers, null without both', () => {
  const block = '# >>> dx-hooks >>>\necho dx\n# <<< dx-hooks <<<';
  assert.equal(blockOf(`#!/bin/sh\n${block}\nnpm test\n`), block);
  assert.equal(blockOf('npm test\n'), null);
  assert.equal(blockOf('# >>> dx-hooks >>>\necho half'), null);
});
