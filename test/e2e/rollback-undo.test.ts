// `dx-hooks rollback` and `dx-hooks undo` against real git: first the loss without dx-hooks, then
// the same operation refused or fully recoverable with it. Also undo's generic reader: an event
// written in the reference-transaction hook's format (a `git reset --hard HEAD~3` rewind) is undone
// with the work tree following the branch, and local changes are never overwritten.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxJson, seedRemote, withSandbox, type Host } from '../helpers/index.ts';
import { diffTrees, modeOf, snapshotTree } from './_e2e.ts';

const sha = async (h: Host, rev: string) => (await h.git(['rev-parse', rev])).out;
const status = async (h: Host) => (await h.git(['status', '--porcelain=v1', '--untracked-files=all'])).out;
const staged = async (h: Host) => (await h.git(['diff', '--cached', '--name-only'])).out.split('\n').filter(Boolean);
/** The index as a tree id: equal ids mean an identical index. */
const indexTree = async (h: Host) => (await h.git(['write-tree'])).out;

interface UndoList { entries: Array<{ id: string; op: string; summary: string; undoneBy: string | null }> }

/** Three commits on main: protection on, a protected deploy script (exec), an app change; plus uncommitted work. */
async function history(t: Parameters<typeof withSandbox>[0]) {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'roller');
  const c1 = await h.commit('protect deploy/', { '.dxrc.json': JSON.stringify({ protect: { paths: ['deploy/**'] } }), 'app.txt': 'v1\n', 'notes.txt': 'n1\n' });
  await h.write('deploy/run.sh', '#!/bin/sh\necho deploy\n');
  fs.chmodSync(path.join(h.dir, 'deploy/run.sh'), 0o755);
  const c2 = await h.commit('deploy script');
  const c3 = await h.commit('app v2', { 'app.txt': 'v2\n' });
  await h.git(['push', '-q', 'origin', 'main']);
  await h.write('notes.txt', 'n1\nuncommitted note\n');
  await h.write('scratch.txt', 'untracked scratch\n');
  return { sb, remote, h, c1, c2, c3 };
}

test('rollback 2 across a commit that touched a protected path: refused (nothing changes); --force keeps the changes; undo reverses it', async (t) => {
  const { sb, remote, h, c1, c2, c3 } = await history(t);
  // Without dx-hooks: the soft reset goes through silently, and the usual clean-up after it wipes the protected script.
  {
    const plain = await cloneAs(sb, remote, 'plain');
    assert.equal((await plain.git(['reset', '--soft', 'HEAD~2'])).code, 0);
    await plain.git(['reset', '--hard']);
    assert.equal(fs.existsSync(path.join(plain.dir, 'deploy/run.sh')), false);
  }
  const tree = await snapshotTree(h.dir, ['.git']);
  const index = await indexTree(h);
  const statusBefore = await status(h);

  const refused = await dx(h, ['rollback', '2']);
  assert.equal(refused.code, 1);
  assert.ok(refused.stderr.includes(`${c2.slice(0, 12)} "deploy script": deploy/run.sh (A)`), refused.stderr);
  assert.match(refused.stderr, /rollback 2 --force/);
  assert.equal(await sha(h, 'HEAD'), c3);
  assert.equal(await indexTree(h), index);
  assert.deepEqual(diffTrees(tree, await snapshotTree(h.dir, ['.git'])), []);

  const r = await dxJson<{ id: string; from: string; to: string; forced: boolean; commits: Array<{ sha: string }> }>(h, ['rollback', '2', '--force']);
  assert.deepEqual([r.from, r.to, r.forced, r.commits.map((c) => c.sha)], [c3, c1, true, [c3, c2]]);
  assert.equal(await sha(h, 'HEAD'), c1);
  assert.equal((await h.git(['symbolic-ref', 'HEAD'])).out, 'refs/heads/main');
  // Every change of the two commits is still there, staged; the uncommitted work untouched.
  assert.deepEqual(await staged(h), ['app.txt', 'deploy/run.sh']);
  assert.deepEqual(diffTrees(tree, await snapshotTree(h.dir, ['.git'])), []);
  assert.equal(await modeOf(path.join(h.dir, 'deploy/run.sh')), 0o755);

  const u = await dxJson<{ id: string; undid: { id: string } }>(h, ['undo']);
  assert.equal(u.undid.id, r.id);
  assert.equal(await sha(h, 'HEAD'), c3);
  assert.deepEqual(await staged(h), []);
  assert.equal(await indexTree(h), index);
  assert.equal(await status(h), statusBefore);
  assert.deepEqual(diffTrees(tree, await snapshotTree(h.dir, ['.git'])), []);

  // The rollback is marked undone and cannot be undone twice; the undo itself can be undone (redo).
  const list = await dxJson<UndoList>(h, ['undo', '--list']);
  assert.equal(list.entries.find((e) => e.id === r.id)?.undoneBy, u.id);
  assert.equal(list.entries[0]?.id, u.id);
  const twice = await dx(h, ['undo', r.id]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already undone/);
  assert.equal((await dx(h, ['undo'])).code, 0);
  assert.equal(await sha(h, 'HEAD'), c1);
  assert.deepEqual(await staged(h), ['app.txt', 'deploy/run.sh']);
  assert.deepEqual(diffTrees(tree, await snapshotTree(h.dir, ['.git'])), []);
});

test('rollback refuses merges in range, N beyond the history, and a bad N — changing nothing', async (t) => {
  const { h, c3 } = await history(t);
  assert.equal((await dx(h, ['rollback', '1'])).code, 0);
  assert.equal((await dx(h, ['undo'])).code, 0);
  assert.equal(await sha(h, 'HEAD'), c3);
  await h.git(['stash', '-u']);
  await h.git(['checkout', '-q', '-b', 'side']);
  await h.commit('side work', { 'side.txt': 's\n' });
  await h.git(['checkout', '-q', 'main']);
  await h.git(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  const merge = await sha(h, 'HEAD');
  const m = await dx(h, ['rollback', '1']);
  assert.equal(m.code, 1);
  assert.match(m.stderr, /include merge\(s\) [0-9a-f]{12} "merge side"/);
  const far = await dx(h, ['rollback', '99']);
  assert.equal(far.code, 1);
  assert.match(far.stderr, /at most 4 can be rolled back, not 99/);
  for (const bad of ['0', 'two', '-1']) assert.equal((await dx(h, ['rollback', bad])).code, 2, bad);
  assert.equal(await sha(h, 'HEAD'), merge);
  // Forced, the merge's changes stay staged like any other.
  assert.equal((await dx(h, ['rollback', '1', '--force'])).code, 0);
  assert.equal(await sha(h, 'HEAD'), c3);
  assert.deepEqual(await staged(h), ['side.txt']);
});

test('undo reads any event in the undo format: `git reset --hard HEAD~3` recorded by the hook is undone, files following the branch', async (t) => {
  const { h, c3 } = await history(t);
  await h.git(['stash', '-u']);
  const tip = await h.commit('fourth', { 'four.txt': '4\n' });
  // Without dx-hooks: the three commits are off the branch, their files gone from the work tree.
  await h.git(['reset', '-q', '--hard', 'HEAD~3']);
  assert.equal(fs.existsSync(path.join(h.dir, 'four.txt')), false);
  assert.equal(fs.existsSync(path.join(h.dir, 'deploy/run.sh')), false);
  // What the reference-transaction hook records for that rewind (its ledger line, same format):
  const rewound = await sha(h, 'HEAD');
  const id = `${Math.floor(Date.now() / 1000)}-abc123`;
  const event = { id, ts: Math.floor(Date.now() / 1000), host: 'roller', op: 'ref.rewind', ok: true, refs: { 'refs/heads/main': { old: tip, new: rewound } }, detail: { undo: { refs: { 'refs/heads/main': tip } } } };
  fs.mkdirSync(path.join(h.dir, '.git/dx'), { recursive: true });
  fs.appendFileSync(path.join(h.dir, '.git/dx/events.jsonl'), JSON.stringify(event) + '\n');
  const list = await dxJson<UndoList>(h, ['undo', '--list']);
  assert.equal(list.entries[0]?.id, id);
  assert.match(list.entries[0]?.summary ?? '', new RegExp(`ref\\.rewind main ${tip.slice(0, 7)}→${rewound.slice(0, 7)}`));

  // A local edit that the undo would overwrite: refused, nothing changes.
  await h.write('app.txt', 'my local edit\n');
  const refused = await dx(h, ['undo']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /local changes conflict/);
  assert.equal(await sha(h, 'HEAD'), rewound);
  assert.equal(fs.readFileSync(path.join(h.dir, 'app.txt'), 'utf8'), 'my local edit\n');
  await h.git(['checkout', '--', 'app.txt']);

  const u = await dxJson<{ carried: boolean }>(h, ['undo']);
  assert.equal(u.carried, true);
  assert.equal(await sha(h, 'HEAD'), tip);
  assert.equal(await status(h), '');
  assert.equal(fs.readFileSync(path.join(h.dir, 'four.txt'), 'utf8'), '4\n');
  assert.equal(await modeOf(path.join(h.dir, 'deploy/run.sh')), 0o755);
  assert.equal(await sha(h, 'HEAD~1'), c3);
});

test('with the hooks installed: rollback and undo are recorded once (the reference-transaction hook stands aside), and a rewind the hook records is undone', async (t) => {
  const { h, c2, c3 } = await history(t);
  h.env.DX_WIP_PUSH = 'off';
  await installHooks(h);
  assert.equal((await dx(h, ['rollback', '1'])).code, 0);
  assert.equal(await sha(h, 'HEAD'), c2);
  assert.equal((await dx(h, ['undo'])).code, 0);
  assert.equal(await sha(h, 'HEAD'), c3);
  const ops = () => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { op: string }).op);
  assert.deepEqual(ops().filter((op) => ['rollback', 'undo', 'ref.rewind'].includes(op)), ['rollback', 'undo']);
  // A plain `git reset --hard HEAD~2` (after putting the uncommitted work aside): the hook records it, undo reverses it.
  await h.git(['stash', '-u']);
  await h.git(['reset', '-q', '--hard', 'HEAD~2']);
  assert.ok(ops().includes('ref.rewind'), ops().join(' '));
  const u = await dxJson<{ undid: { op: string } }>(h, ['undo']);
  assert.equal(u.undid.op, 'ref.rewind');
  assert.equal(await sha(h, 'HEAD'), c3);
  assert.equal(await status(h), '');
});
