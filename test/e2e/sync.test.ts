// `dx-hooks sync` by role. Reference: everything only on this host (uncommitted, untracked,
// unpushed commits) is backed up as this host's WIP and verified on the remote BEFORE the reset;
// an unreachable remote means no reset at all. Active: fetch and report — HEAD, the index and the
// work tree are never touched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxJson, git, lsRemote, seedRemote, withSandbox, type Host } from '../helpers/index.ts';
import { diffTrees, snapshotTree } from './_e2e.ts';

async function installed(h: Host): Promise<Host> {
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  return h;
}

const head = async (h: Host) => (await h.git(['rev-parse', 'HEAD'])).out;

test('reference sync: local junk is backed up as this host\'s WIP on the remote, then the repository equals the remote', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const lap = await installed(await cloneAs(sb, remote, 'lap'));
  const vm = await installed(await cloneAs(sb, remote, 'vm'));
  assert.equal((await dx(vm, ['role', 'reference'])).code, 0);
  // The laptop moves main on; the VM has a local commit (hooks off: never mirrored), edits and untracked junk.
  const upstream = await lap.commit('laptop work', { 'lap.txt': 'from the laptop\n' });
  await lap.git(['push', '-q', 'origin', 'main']);
  const local = await vm.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'vm-only commit']);
  assert.equal(local.code, 0);
  const localSha = await head(vm);
  await vm.write('README.md', 'edited on the vm\n');
  await vm.write('junk/notes.txt', 'untracked junk\n');

  const r = await dxJson<{ action: string; role: string; backup: { refs: { ref: string; sha: string }[] }; reset: { event: string; kept: string[] } }>(vm, ['sync']);
  assert.equal(r.role, 'reference');
  assert.equal(r.action, 'reset');
  // The repository equals the remote: HEAD, index and work tree.
  assert.equal(await head(vm), upstream);
  assert.equal((await vm.git(['status', '--porcelain', '--untracked-files=all'])).out, '');
  assert.equal(fs.existsSync(path.join(vm.dir, 'junk')), false);
  assert.equal(fs.readFileSync(path.join(vm.dir, 'lap.txt'), 'utf8'), 'from the laptop\n');
  // AND nothing was lost: the junk, the edit and the local commit are on refs/heads/wip/vm/main on the remote.
  const wip = (await lsRemote(vm.env, remote)).get('refs/heads/wip/vm/main');
  assert.ok(wip);
  assert.deepEqual(r.backup.refs.map((x) => [x.ref, x.sha]), [['refs/heads/wip/vm/main', wip]]);
  const probe = sb.tmp('probe');
  await git(sb.root, sb.env, ['clone', '-q', '--no-checkout', remote, probe]);
  await git(probe, sb.env, ['fetch', '-q', 'origin', 'refs/heads/wip/vm/main']);
  assert.equal((await git(probe, sb.env, ['show', `${wip}:junk/notes.txt`])).out, 'untracked junk');
  assert.equal((await git(probe, sb.env, ['show', `${wip}:README.md`])).out, 'edited on the vm');
  assert.equal((await git(probe, sb.env, ['rev-parse', `${wip}^`])).out, localSha);
  // The reset is in the ledger and undoable: undo brings the VM's state back exactly.
  const u = await dx(vm, ['undo', r.reset.event]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(await head(vm), localSha);
  assert.equal(fs.readFileSync(path.join(vm.dir, 'junk/notes.txt'), 'utf8'), 'untracked junk\n');
  assert.equal(fs.readFileSync(path.join(vm.dir, 'README.md'), 'utf8'), 'edited on the vm\n');
});

test('reference sync with the remote unreachable refuses to reset: nothing changes, exit 1', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const vm = await installed(await cloneAs(sb, remote, 'vm'));
  await vm.write('junk.txt', 'only here\n');
  await vm.write('README.md', 'changed here\n');
  const before = await snapshotTree(vm.dir, ['.git']);
  const sha = await head(vm);
  await vm.git(['remote', 'set-url', 'origin', sb.tmp('gone.git')]);
  assert.equal((await dx(vm, ['role', 'reference'])).code, 0);
  const r = await dx(vm, ['sync']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /could not be pushed/);
  assert.match(r.stderr, /Nothing was reset/);
  const ledger = fs.readFileSync(path.join(vm.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; error?: string });
  assert.ok(ledger.some((e) => e.op === 'sync' && !e.ok && /could not be pushed/.test(e.error ?? '')), 'the refused sync is in the ledger');
  assert.deepEqual(diffTrees(before, await snapshotTree(vm.dir, ['.git'])), []);
  assert.equal(await head(vm), sha);
  // The backup is kept pending locally (and loud), for the next hook or command to retry.
  const st = await dx(vm, ['status', '--offline', '--json']);
  assert.equal(st.code, 1);
  assert.equal((JSON.parse(st.stdout) as { pending: unknown[] }).pending.length, 1);
});

test('active sync fetches and reports divergence but never changes HEAD, the index or the work tree', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await installed(await cloneAs(sb, remote, 'desk'));
  const b = await installed(await cloneAs(sb, remote, 'laptop'));
  const theirs = await a.commit('desk pushes main', { 'desk.txt': 'desk\n' });
  await a.git(['push', '-q', 'origin', 'main']);
  await b.commit('laptop commit', { 'mine.txt': 'mine\n' });
  await b.write('staged.txt', 'staged\n');
  await b.git(['add', 'staged.txt']);
  await b.write('README.md', 'unstaged edit\n');
  await b.write('untracked.txt', 'untracked\n');
  const sha = await head(b);
  const index = (await b.git(['ls-files', '--stage'])).out;
  const tree = await snapshotTree(b.dir, ['.git']);
  const r = await dxJson<{ action: string; role: string; report: { upstream: { ahead: number; behind: number }; problems: { code: string }[] } }>(b, ['sync']);
  assert.equal(r.role, 'active');
  assert.equal(r.action, 'fetched');
  assert.deepEqual([r.report.upstream.ahead, r.report.upstream.behind], [1, 1]);
  assert.ok(r.report.problems.some((p) => p.code === 'DIVERGED'));
  assert.equal(await head(b), sha);
  assert.equal((await b.git(['ls-files', '--stage'])).out, index);
  assert.deepEqual(diffTrees(tree, await snapshotTree(b.dir, ['.git'])), []);
  assert.equal((await b.git(['rev-parse', 'origin/main'])).out, theirs, 'the fetch happened');
});

test('reference sync refuses to rewind protected paths changed only here, unless --force (and undo brings them back)', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const vm = await installed(await cloneAs(sb, remote, 'vm'));
  await vm.write('.dxrc.json', JSON.stringify({ role: 'reference', protect: { paths: ['deploy/**'] } }));
  await vm.commit('deploy script', { 'deploy/run.sh': 'echo deploy\n' });
  const sha = await head(vm);
  const refused = await dx(vm, ['sync']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /protected paths changed only here — .*deploy\/run\.sh/);
  assert.match(refused.stderr, /dx-hooks sync --force/);
  assert.equal(await head(vm), sha);
  assert.ok(fs.existsSync(path.join(vm.dir, 'deploy/run.sh')));
  const forced = await dxJson<{ action: string; reset: { event: string } }>(vm, ['sync', '--force']);
  assert.equal(forced.action, 'reset');
  assert.equal(fs.existsSync(path.join(vm.dir, 'deploy/run.sh')), false);
  assert.equal((await dx(vm, ['undo', forced.reset.event])).code, 0);
  assert.equal(await head(vm), sha);
  assert.equal(fs.readFileSync(path.join(vm.dir, 'deploy/run.sh'), 'utf8'), 'echo deploy\n');
});

test('sync --dry-run says what each role would do and changes nothing', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const vm = await installed(await cloneAs(sb, remote, 'vm'));
  await vm.write('.dxrc.json', JSON.stringify({ role: 'reference' }));
  await vm.write('junk.txt', 'junk\n');
  const before = await snapshotTree(vm.dir, ['.git']);
  const r = await dx(vm, ['sync', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /reference, dry run — back up 1 WIP ref\(s\) to origin/);
  assert.deepEqual(diffTrees(before, await snapshotTree(vm.dir, ['.git'])), []);
  assert.equal((await lsRemote(vm.env, remote)).has('refs/heads/wip/vm/main'), false);
});
