// Issue 10, class 2: git keeps working. `git gc`, `git pack-refs --all`, `git maintenance run`,
// `git fetch --prune`, `git remote prune` and `git worktree prune` behave exactly as without
// dx-hooks, in a clone with every hook installed and protected branches configured. git ≤ 2.4x runs
// the reference-transaction hook for the prune of a loose ref that pack-refs just packed as if it
// were a deletion: that must neither be refused nor recorded. A real deletion still is.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, createBareRemote, cloneAs, dx, git, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

const DXRC = JSON.stringify({ protect: { paths: ['deploy/**'], branches: ['main', 'release'] } });

/** Fixed dates: the same steps make the same commits and tags in both clones. */
const dated = (h: Host, n: number): NodeJS.ProcessEnv => ({ ...h.env, GIT_AUTHOR_DATE: `${1_700_000_000 + n} +0000`, GIT_COMMITTER_DATE: `${1_700_000_000 + n} +0000` });

/** A remote with main (protected files and .dxrc), release, gone, gone2, tags v1 (light) and v2 (annotated). */
async function makeRemote(sb: Sandbox): Promise<string> {
  const remote = await createBareRemote(sb, 'remote.git');
  await seedRemote(sb, remote);
  const seed = await cloneAs(sb, remote, 'seed');
  await seed.write('deploy/run.sh', '#!/bin/sh\n');
  await seed.write('.dxrc.json', DXRC);
  await seed.commit('protected files');
  for (const b of ['release', 'gone', 'gone2']) await seed.git(['branch', b]);
  await seed.git(['tag', 'v1']);
  await git(seed.dir, dated(seed, 1), ['tag', '-a', 'v2', '-m', 'v2']);
  await seed.git(['push', '-q', 'origin', 'main', 'release', 'gone', 'gone2', 'v1', 'v2']);
  return remote;
}

/** One clone's local state, built the same way in both clones (fixed dates): local branches, tags, a worktree, reflogs that expire. */
async function build(sb: Sandbox, remote: string, name: string, withDx: boolean): Promise<Host> {
  const h = await cloneAs(sb, remote, name);
  h.env.DX_WIP_PUSH = 'off'; // no background pushes racing the commands under test
  if (withDx) await installHooks(h);
  await h.git(['config', 'gc.reflogExpire', 'now']);
  await h.git(['config', 'gc.reflogExpireUnreachable', 'now']);
  await h.git(['config', 'gc.auto', '0']);
  await h.git(['config', 'maintenance.auto', 'false']);
  await h.git(['branch', 'release', 'origin/release']);
  await h.git(['switch', '-q', '-c', 'topic']);
  await h.write('topic.txt', 'topic\n');
  await h.git(['add', 'topic.txt']);
  await git(h.dir, dated(h, 2), ['commit', '-qm', 'topic']);
  await h.git(['switch', '-q', 'main']);
  await h.git(['branch', 'old']);
  await git(h.dir, dated(h, 3), ['tag', '-a', 'v3', '-m', 'local tag']);
  await h.git(['worktree', 'add', '-q', '-b', 'live', path.join(sb.root, `${name}-live`)]);
  await h.git(['worktree', 'add', '-q', '-b', 'wtb', path.join(sb.root, `${name}-wt`)]);
  fs.rmSync(path.join(sb.root, `${name}-wt`), { recursive: true, force: true }); // left for `git worktree prune`
  return h;
}

/** Refs that both clones must hold identically (dx-hooks' own refs left out), as "<sha> <ref>" lines. */
async function refs(h: Host): Promise<string> {
  const out = (await h.git(['for-each-ref', '--format=%(objectname) %(refname)'])).out.split('\n');
  return out.filter((l) => !/ refs\/(dx\/|heads\/(wip|dx)\/|remotes\/[^/]+\/(wip|dx)\/)/.test(l)).join('\n');
}

/** Every object reachable from those refs, sorted. */
async function objects(h: Host): Promise<string> {
  const tips = (await refs(h)).split('\n').map((l) => l.split(' ')[0] as string);
  return (await h.git(['rev-list', '--objects', ...tips])).out.split('\n').sort().join('\n');
}

type LedgerLine = { op: string; refs?: Record<string, unknown> };
const ledger = (h: Host): LedgerLine[] => {
  const f = path.join(h.dir, '.git/dx/events.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerLine) : [];
};
const undoRefs = async (h: Host) => (await h.git(['for-each-ref', '--format=%(refname)', 'refs/dx/undo/'])).out;

/** Make main, old and release loose again (a commit on main with a fixed date; the others move forward to it), so the next pack prunes them. */
async function loosen(h: Host, n: number): Promise<void> {
  await git(h.dir, dated(h, n), ['commit', '-q', '--allow-empty', '-m', `main ${n}`]);
  await h.git(['branch', '-f', 'old', 'HEAD']);
  await h.git(['update-ref', 'refs/heads/release', 'HEAD']);
}

test('gc, pack-refs --all, maintenance run, fetch --prune, remote prune, worktree prune: exit 0, the same refs and objects as without dx-hooks, nothing refused or recorded', async (t) => {
  const sb = await withSandbox(t);
  const remote = await makeRemote(sb);
  const plain = await build(sb, remote, 'plain', false);
  const guarded = await build(sb, remote, 'guarded', true);
  assert.ok(fs.existsSync(path.join(guarded.dir, '.git/hooks/reference-transaction')), 'every hook installed');
  assert.equal(await refs(guarded), await refs(plain), 'the two clones start identical');
  const ledgerBefore = ledger(guarded).length;
  const undoBefore = await undoRefs(guarded);

  // The remote loses branches and a tag, for the prunes.
  await git(remote, sb.env, ['branch', '-D', 'gone']);
  await git(remote, sb.env, ['tag', '-d', 'v1']);

  const steps: { name: string; args: string[]; before?: (h: Host, n: number) => Promise<void>; inWorktree?: boolean }[] = [
    { name: 'pack-refs --all', args: ['pack-refs', '--all'] },
    { name: 'gc', args: ['gc', '--quiet'], before: loosen },
    { name: 'maintenance run', args: ['maintenance', 'run'], before: loosen },
    { name: 'maintenance run --task=gc', args: ['maintenance', 'run', '--task=gc'], before: loosen },
    { name: 'fetch --prune', args: ['fetch', '--prune', 'origin'] },
    { name: 'gc --prune=now (remote-tracking refs packed)', args: ['gc', '--quiet', '--prune=now'] },
    { name: 'fetch --prune --prune-tags', args: ['fetch', '--prune', '--prune-tags', 'origin'] },
    { name: 'remote prune', args: ['remote', 'prune', 'origin'], before: async () => void (await git(remote, sb.env, ['branch', '-D', 'gone2']).catch(() => undefined)) },
    { name: 'worktree prune', args: ['worktree', 'prune'] },
    { name: 'gc run from a linked worktree', args: ['gc', '--quiet'], before: loosen, inWorktree: true },
    { name: 'pack-refs --all (again, everything loose)', args: ['pack-refs', '--all'], before: loosen },
  ];
  let n = 10;
  for (const step of steps) {
    n += 10;
    if (step.before) {
      await step.before(plain, n);
      await step.before(guarded, n);
    }
    const where = (h: Host) => (step.inWorktree ? path.join(sb.root, `${h.name}-live`) : h.dir);
    const p = await git(where(plain), plain.env, step.args, { allowFail: true });
    const g = await git(where(guarded), guarded.env, step.args, { allowFail: true });
    assert.equal(p.code, 0, `${step.name} without dx-hooks: ${p.stderr}`);
    assert.equal(g.code, 0, `${step.name} with dx-hooks exits 0: ${g.stderr}`);
    assert.doesNotMatch(g.stderr, /dx-hooks/, `${step.name}: dx-hooks says nothing`);
    assert.equal(await refs(guarded), await refs(plain), `${step.name}: the same refs as without dx-hooks`);
    assert.equal(await objects(guarded), await objects(plain), `${step.name}: the same objects as without dx-hooks`);
  }
  // Everything was packed and pruned as git alone does it, worktree admin data pruned, reflogs expired.
  assert.deepEqual(fs.readdirSync(path.join(guarded.dir, '.git/refs/heads')), fs.readdirSync(path.join(plain.dir, '.git/refs/heads')));
  assert.equal(fs.existsSync(path.join(guarded.dir, '.git/worktrees/guarded-wt')), false, 'the removed worktree is pruned');
  assert.equal(fs.existsSync(path.join(plain.dir, '.git/worktrees/plain-wt')), false);
  assert.equal(fs.existsSync(path.join(guarded.dir, '.git/worktrees/guarded-live')), true, 'a live worktree is kept');
  assert.equal((await guarded.git(['reflog', 'show', 'topic'])).out, (await plain.git(['reflog', 'show', 'topic'])).out);
  assert.match(fs.readFileSync(path.join(guarded.dir, '.git/packed-refs'), 'utf8'), / refs\/heads\/main\n/);
  assert.equal((await guarded.git(['rev-parse', '-q', '--verify', 'refs/remotes/origin/gone'], { allowFail: true })).code, 1, 'fetch --prune removed origin/gone');
  assert.equal((await guarded.git(['rev-parse', '-q', '--verify', 'refs/tags/v1'], { allowFail: true })).code, 1, '--prune-tags removed v1');

  // No bogus ledger record, no bogus undo ref.
  const added = ledger(guarded).slice(ledgerBefore);
  assert.deepEqual(added.filter((e) => /^(ref\.|protect\.)/.test(e.op)), [], 'no ref.delete / protect.refuse records');
  assert.equal(await undoRefs(guarded), undoBefore, 'no refs/dx/undo refs written');
});

test('after packing, a real deletion is still a deletion: a protected packed branch is refused, an unprotected one recorded and undoable', async (t) => {
  const sb = await withSandbox(t);
  const remote = await makeRemote(sb);
  const h = await build(sb, remote, 'victim', true);
  assert.equal((await h.git(['gc', '--quiet'])).code, 0);
  const release = (await h.git(['rev-parse', 'release'])).out;
  const topic = (await h.git(['rev-parse', 'topic'])).out;
  assert.doesNotMatch(fs.readdirSync(path.join(h.dir, '.git/refs/heads')).join(','), /release|topic/, 'both live in packed-refs only');

  for (const args of [['branch', '-D', 'release'], ['update-ref', '-d', 'refs/heads/release'], ['update-ref', '-d', 'refs/heads/release', release]]) {
    const r = await h.git(args, { allowFail: true });
    assert.notEqual(r.code, 0, `${args.join(' ')} is refused`);
    assert.match(r.stderr, /refused deleting protected branch release/);
    assert.equal((await h.git(['rev-parse', 'release'])).out, release, 'release is still there');
  }
  // DX_IN_REFTX (internal) is no way around it, whatever its value.
  for (const v of ['1', 'a'.repeat(32)]) {
    const r = await git(h.dir, { ...h.env, DX_IN_REFTX: v }, ['branch', '-D', 'release'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.equal((await h.git(['rev-parse', 'release'])).out, release);
  }
  // Loose and packed at once (a commit after packing) is refused too.
  await h.git(['update-ref', 'refs/heads/release', topic, release]);
  const r2 = await h.git(['branch', '-D', 'release'], { allowFail: true });
  assert.notEqual(r2.code, 0);
  assert.equal((await h.git(['rev-parse', 'release'])).out, topic);

  const before = ledger(h).filter((e) => e.op === 'ref.delete').length;
  assert.equal((await h.git(['branch', '-D', 'topic'])).code, 0, 'an unprotected branch is deleted');
  const deletes = ledger(h).filter((e) => e.op === 'ref.delete');
  assert.equal(deletes.length, before + 1, 'and recorded once');
  assert.ok(deletes.at(-1)?.refs?.['refs/heads/topic']);
  assert.equal((await dx(h, ['undo'])).code, 0);
  assert.equal((await h.git(['rev-parse', 'topic'])).out, topic, 'undo brings it back');
});
