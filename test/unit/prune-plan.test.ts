// The prune planner and the index transform as tables: which remote refs are candidates at all,
// what happens to each (too new, merged, unmerged, --include-unmerged), and an index update that
// removes only the deleted refs' entries — never another host's, never one rewritten meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IndexEntry, WipIndex } from '../../src/core/wipindex/format.ts';
import { dropIndexEntries } from '../../src/core/prune/entries.ts';
import { classifyRemoteRef, isOrdinaryBranch, planPrune, remoteNamespaces, type PruneCandidate } from '../../src/core/prune/plan.ts';

const P = 'refs/heads/wip';
const NOW = 1_800_000_000;
const DAY = 86_400;
const sha = (c: string) => c.repeat(40);

function cand(ref: string, ageDays: number, onlyHere: number, c: string): PruneCandidate {
  const what = classifyRemoteRef(P, ref);
  assert.ok(what, ref);
  return { ...what, ref, sha: sha(c), committed: NOW - ageDays * DAY, onlyHere };
}

test('candidates: WIP refs and kept-aside refs; never dx/index, branches, tags or a malformed WIP name', () => {
  assert.deepEqual(classifyRemoteRef(P, 'refs/heads/wip/laptop/feature/x'), { kind: 'wip', host: 'laptop', branch: 'feature/x' });
  assert.deepEqual(classifyRemoteRef(P, 'refs/dx/snapshots/vm1/0123456789ab/main'), { kind: 'snapshot', host: 'vm1', branch: 'main' });
  assert.deepEqual(classifyRemoteRef(P, 'refs/dx/displaced/vm1/0123456789ab/a/b'), { kind: 'displaced', host: 'vm1', branch: 'a/b' });
  for (const ref of ['refs/heads/dx/index', 'refs/heads/main', 'refs/heads/wip', 'refs/heads/wip/lonely', 'refs/tags/checkpoint/x', 'refs/dx/index', 'refs/wip/a/b']) {
    assert.equal(classifyRemoteRef(P, ref), null, ref);
  }
  assert.deepEqual(classifyRemoteRef('refs/wip', 'refs/wip/a/b'), { kind: 'wip', host: 'a', branch: 'b' });
  assert.equal(isOrdinaryBranch(P, 'refs/heads/main'), true);
  assert.equal(isOrdinaryBranch(P, 'refs/heads/wip/lonely'), true, 'not <host>/<branch>: somebody\'s branch');
  for (const ref of ['refs/heads/wip/a/b', 'refs/heads/dx/index', 'refs/tags/v1', 'refs/dx/snapshots/a/b/c']) assert.equal(isOrdinaryBranch(P, ref), false, ref);
});

test('namespaces fetched: branches (which hold the default prefix), the prefix when elsewhere, the kept-aside refs', () => {
  assert.deepEqual(remoteNamespaces('refs/heads/wip'), ['refs/heads', 'refs/dx/snapshots', 'refs/dx/displaced']);
  assert.deepEqual(remoteNamespaces('refs/wip'), ['refs/heads', 'refs/wip', 'refs/dx/snapshots', 'refs/dx/displaced']);
});

test('plan: too new → keep; old and merged → delete; old and unmerged → keep unless --include-unmerged', () => {
  const candidates = [
    cand('refs/heads/wip/laptop/new', 2, 0, 'a'),
    cand('refs/heads/wip/laptop/old-merged', 40, 0, 'b'),
    cand('refs/heads/wip/desk/old-unmerged', 40, 3, 'c'),
    cand('refs/dx/snapshots/desk/cccccccccccc/main', 45, 1, 'd'),
    cand('refs/heads/wip/laptop/future', -1, 0, 'e'),
  ];
  const p = planPrune({ candidates, now: NOW, olderThan: 30 * DAY, includeUnmerged: false });
  assert.equal(p.cutoff, NOW - 30 * DAY);
  const table = p.rows.map((r) => [r.ref, r.merged, r.action, r.reason]);
  assert.deepEqual(table, [
    ['refs/dx/snapshots/desk/cccccccccccc/main', false, 'keep', 'unmerged'],
    ['refs/heads/wip/desk/old-unmerged', false, 'keep', 'unmerged'],
    ['refs/heads/wip/laptop/future', true, 'keep', 'too-new'],
    ['refs/heads/wip/laptop/new', true, 'keep', 'too-new'],
    ['refs/heads/wip/laptop/old-merged', true, 'delete', 'merged'],
  ]);
  const row = p.rows.find((r) => r.ref.endsWith('old-merged'));
  assert.deepEqual([row?.host, row?.branch, row?.sha, row?.ageSeconds], ['laptop', 'old-merged', sha('b'), 40 * DAY]);

  const all = planPrune({ candidates, now: NOW, olderThan: 30 * DAY, includeUnmerged: true });
  assert.deepEqual(all.rows.filter((r) => r.action === 'delete').map((r) => [r.ref, r.reason]), [
    ['refs/dx/snapshots/desk/cccccccccccc/main', 'include-unmerged'],
    ['refs/heads/wip/desk/old-unmerged', 'include-unmerged'],
    ['refs/heads/wip/laptop/old-merged', 'merged'],
  ]);
  // A shorter limit makes the 2-day-old ref old too; the one from the future never is.
  const short = planPrune({ candidates, now: NOW, olderThan: DAY, includeUnmerged: false });
  assert.deepEqual(short.rows.filter((r) => r.action === 'delete').map((r) => r.ref), ['refs/heads/wip/laptop/new', 'refs/heads/wip/laptop/old-merged']);
  // Exactly at the limit is not older than it.
  const edge = planPrune({ candidates: [cand('refs/heads/wip/a/b', 30, 0, 'f')], now: NOW, olderThan: 30 * DAY, includeUnmerged: false });
  assert.equal(edge.rows[0]?.reason, 'too-new');
});

function entry(host: string, branch: string, c: string, ts: number): IndexEntry {
  return { host, branch, ref: `${P}/${host}/${branch}`, sha: sha(c), base: sha(c), ts, message: `${host} ${branch}`, dirty: false };
}

function index(entries: IndexEntry[], extraHosts: WipIndex['hosts'] = {}): WipIndex {
  const hosts: WipIndex['hosts'] = { ...extraHosts };
  for (const e of entries) if (!hosts[e.host] || e.ts >= (hosts[e.host]?.ts ?? 0)) hosts[e.host] = { sha: e.sha, branch: e.branch, ts: e.ts, message: e.message };
  return { schema_version: 1, repo: 'r', updated: 100, entries: Object.fromEntries(entries.map((e) => [`${e.host}/${e.branch}`, e])), hosts };
}

test('index: only the deleted refs\' entries go, and only while they still hold the deleted sha', () => {
  const base = index([entry('laptop', 'old', 'a', 10), entry('laptop', 'main', 'b', 50), entry('desk', 'main', 'c', 60), entry('vm', 'x', 'd', 70)]);
  const deleted = new Map([
    [`${P}/laptop/old`, sha('a')],
    [`${P}/vm/x`, sha('e')], // vm pushed a new WIP meanwhile: its entry stays
    [`${P}/gone/never-indexed`, sha('f')],
  ]);
  const { index: next, removed } = dropIndexEntries(base, deleted, 200);
  assert.deepEqual(removed, ['laptop/old']);
  assert.deepEqual(Object.keys(next.entries).sort(), ['desk/main', 'laptop/main', 'vm/x']);
  assert.equal(next.updated, 200);
  assert.deepEqual(next.hosts, base.hosts, 'each host\'s newest entry is unchanged');
});

test('index: a host summary naming a deleted sha moves to that host\'s newest remaining entry, or goes', () => {
  const base = index([entry('laptop', 'old', 'a', 90), entry('laptop', 'main', 'b', 50), entry('desk', 'only', 'c', 60)], { seed: { sha: sha('9'), branch: 'main', ts: 5, message: 'seed-format writer' } });
  const { index: next, removed } = dropIndexEntries(base, new Map([[`${P}/laptop/old`, sha('a')], [`${P}/desk/only`, sha('c')]]), 1);
  assert.deepEqual(removed, ['desk/only', 'laptop/old']);
  assert.equal(next.hosts.laptop?.sha, sha('b'));
  assert.equal(next.hosts.desk, undefined);
  assert.equal(next.hosts.seed?.sha, sha('9'), 'a seed-format summary without entries stays');
  assert.equal(next.updated, 100, 'updated never goes backwards');
  const same = dropIndexEntries(base, new Map([[`${P}/nobody/x`, sha('a')]]), 300);
  assert.equal(same.index, base, 'nothing to remove: the index is returned as it was');
});
