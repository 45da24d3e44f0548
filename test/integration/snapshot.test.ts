// Snapshots against real repositories: what goes in, what is left out, and that the user's index,
// HEAD, stash and files are untouched — on a normal branch, an unborn branch, a detached HEAD and a linked worktree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { DEFAULT_EXCLUDE } from '../../src/core/config/schema.ts';
import { discardSnapshotStart, startSnapshot, takeSnapshot } from '../../src/core/snapshot.ts';
import { pinProcessEnv, tracedGit } from '../helpers/inproc.ts';
import { git, initRepo, withSandbox, type Host } from '../helpers/index.ts';

const opts = { exclude: DEFAULT_EXCLUDE, maxFileSize: 1024, host: 'snap' };

async function observable(h: Host) {
  const idx = path.join(h.dir, '.git', 'index');
  // Read the index before running anything: a plain `git status` may itself refresh (rewrite) it.
  const index = fs.existsSync(idx) ? fs.readFileSync(idx).toString('base64') : null;
  const indexMtime = fs.existsSync(idx) ? fs.statSync(idx).mtimeMs : null;
  return {
    index,
    indexMtime,
    status: (await git(h.dir, { ...h.env, GIT_OPTIONAL_LOCKS: '0' }, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout,
    head: (await h.git(['rev-parse', '-q', '--verify', 'HEAD'], { allowFail: true })).out,
    symref: (await h.git(['symbolic-ref', '-q', 'HEAD'], { allowFail: true })).out,
    stash: (await h.git(['stash', 'list'])).out,
  };
}

async function treeFiles(h: Host, sha: string): Promise<Map<string, string>> {
  const out = (await h.git(['ls-tree', '-r', '-z', '--name-only', sha])).stdout.split('\0').filter(Boolean);
  const m = new Map<string, string>();
  for (const p of out) m.set(p, (await h.git(['show', `${sha}:${p}`])).stdout);
  return m;
}

test('a snapshot holds modified, staged and untracked files, leaves secrets and big files out, and touches nothing', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.write('.gitignore', 'ignored.log\n');
  await h.commit('base', { 'tracked.txt': 'v1\n', 'gone.txt': 'bye\n', 'dir/keep.txt': 'k\n', 'old.key': 'committed long ago\n' });
  await h.write('tracked.txt', 'stashed edit\n');
  await h.git(['stash', 'push', '-m', 'an existing stash']);
  await h.write('old.key', 'edited secret\n');
  await h.git(['add', 'old.key']);
  await h.write('tracked.txt', 'v2 modified\n');
  await h.write('staged.txt', 'staged\n');
  await h.git(['add', 'staged.txt']);
  fs.rmSync(path.join(h.dir, 'gone.txt'));
  await h.write('new dir/ünï côde.txt', 'untracked\n');
  await h.write('.env', 'SECRET=1\n');
  await h.write('config/.env.local', 'SECRET=2\n');
  await h.write('certs/server.pem', 'pem\n');
  await h.write('big.bin', Buffer.alloc(4096, 1));
  await h.write('ignored.log', 'noise\n');
  // Staged secrets and staged big files must not slip in through the copied index either.
  await h.write('staged-secret.key', 'KEY\n');
  await h.write('staged-big.bin', Buffer.alloc(2048, 2));
  await h.write('tracked.key', 'v1 key\n');
  await h.git(['add', '-f', 'staged-secret.key', 'staged-big.bin']);
  const before = await observable(h);

  const ctx = await openRepo(h.dir);
  const snap = await takeSnapshot(ctx, opts);

  assert.deepEqual(await observable(h), before, 'status, HEAD, stash and the index file are unchanged');
  assert.equal(snap.dirty, true);
  assert.equal(snap.base, before.head);
  assert.equal((await h.git(['rev-parse', `${snap.sha}^`])).out, before.head, 'parent is HEAD');
  const files = await treeFiles(h, snap.sha);
  assert.equal(files.get('tracked.txt'), 'v2 modified\n');
  assert.equal(files.get('staged.txt'), 'staged\n');
  assert.equal(files.get('new dir/ünï côde.txt'), 'untracked\n');
  assert.equal(files.get('dir/keep.txt'), 'k\n');
  assert.ok(!files.has('gone.txt'), 'a deleted file is deleted in the snapshot');
  for (const p of ['.env', 'config/.env.local', 'certs/server.pem', 'big.bin', 'ignored.log', 'staged-secret.key', 'staged-big.bin']) assert.ok(!files.has(p), `${p} left out`);
  assert.deepEqual(
    snap.excluded.map((e) => `${e.path}:${e.reason}`).sort(),
    ['.env:exclude', 'big.bin:size', 'certs/server.pem:exclude', 'config/.env.local:exclude', 'old.key:exclude', 'staged-big.bin:size', 'staged-secret.key:exclude', 'tracked.key:exclude'],
  );
  assert.equal(files.get('old.key'), 'committed long ago\n', 'a committed secret keeps its HEAD version, never the edit');
  assert.equal(snap.excluded.find((e) => e.reason === 'size')?.bytes, 4096);
  assert.match((await h.git(['log', '-1', '--format=%B', snap.sha])).out, /Dx-Snapshot: snap\/main/);
});

test('a clean tree snapshots to HEAD itself; an unborn branch and a detached HEAD work', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const ctx = await openRepo(h.dir);
  await assert.rejects(takeSnapshot(ctx, opts), /nothing to snapshot/);
  await h.write('first.txt', 'hello\n');
  const unborn = await takeSnapshot(ctx, opts);
  assert.equal(unborn.base, null);
  assert.equal((await h.git(['rev-list', '--count', unborn.sha])).out, '1', 'a root commit');
  assert.equal((await h.git(['rev-parse', '-q', '--verify', 'HEAD'], { allowFail: true })).code, 1, 'still unborn');
  const sha = await h.commit('one');
  const clean = await takeSnapshot(ctx, opts);
  assert.deepEqual([clean.sha, clean.dirty], [sha, false]);
  await h.git(['checkout', '--detach']);
  await h.write('first.txt', 'detached edit\n');
  const det = await takeSnapshot(ctx, opts);
  assert.equal(det.branch, null);
  assert.equal((await h.git(['show', `${det.sha}:first.txt`])).out, 'detached edit');
});

test('in a linked worktree the snapshot uses that worktree\'s index and files, and shares the dx dir', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { 'a.txt': 'main\n' });
  const wt = sb.tmp('wt');
  await h.git(['worktree', 'add', '-b', 'side', wt]);
  fs.writeFileSync(path.join(wt, 'a.txt'), 'edited in worktree\n');
  const ctx = await openRepo(wt);
  assert.equal(ctx.dxDir, path.join(fs.realpathSync(h.dir), '.git', 'dx'));
  const wtIndex = path.join(h.dir, '.git', 'worktrees', 'wt', 'index');
  const before = fs.readFileSync(wtIndex);
  const snap = await takeSnapshot(ctx, opts);
  assert.equal(snap.branch, 'side');
  assert.equal((await h.git(['show', `${snap.sha}:a.txt`])).out, 'edited in worktree');
  assert.deepEqual(fs.readFileSync(wtIndex), before);
  assert.equal(fs.readFileSync(path.join(h.dir, 'a.txt'), 'utf8'), 'main\n');
});

test('a first pass started early (checkpoint) is the snapshot\'s only status pass; one for another work tree, or one dropped, leaves no index copy', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'snap');
  const h = await initRepo(sb, 'early', 'snap');
  await h.commit('base', { 'a.txt': 'a\n' });
  const other = await initRepo(sb, 'other', 'snap');
  await other.commit('base', { 'o.txt': 'o\n' });
  const ctx = await openRepo(h.dir);
  const copies = () => fs.readdirSync(ctx.dxDir).filter((f) => f.startsWith('snapshot-index-'));
  await h.write('a.txt', 'changed before the start\n');
  const traced = await tracedGit(async () => {
    const started = startSnapshot(ctx);
    assert.equal(copies().length, 1, 'the index was copied at the start');
    return takeSnapshot(ctx, { ...opts, scan: false }, started);
  });
  assert.equal(traced.gits.filter((g) => g.includes('"status"')).length, 1, 'one status pass, the early one');
  assert.ok(traced.value.dirty);
  assert.equal((await h.git(['show', `${traced.value.sha}:a.txt`])).out, 'changed before the start');
  assert.deepEqual(copies(), [], 'the copy is gone');
  // Started in another work tree: dropped, and the snapshot takes its own pass here.
  const wrong = startSnapshot(await openRepo(other.dir));
  const snap = await takeSnapshot(ctx, { ...opts, scan: false }, wrong);
  assert.equal(snap.tree, traced.value.tree);
  assert.deepEqual(fs.readdirSync(path.join(other.dir, '.git', 'dx')).filter((f) => f.startsWith('snapshot-index-')), []);
  // Dropped (the command failed before its snapshot): no copy left.
  const dropped = startSnapshot(ctx);
  await discardSnapshotStart(dropped);
  assert.deepEqual(copies(), []);
});
