// Attack suite, issue 10 class 4: every route that makes a commit goes through the protected-path
// check. Each test runs a route on a real clone of a real bare remote with dx-hooks installed and
// protect.paths set; a route that removes or type-changes a protected path is refused (HEAD keeps
// the file with the same blob and mode, the branch does not move) or, where git gives no hook that
// can refuse (git stash pop), is said at once and undone with `dx-hooks undo`. Routes that do not
// touch protected paths still work. Findings on git 2.39 (which hook each route runs) are in the
// comments of src/core/protect/routes.ts and the README's honest list.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

const DXRC = JSON.stringify({ protect: { paths: ['deploy/**', 'LICENSE'] } });
const OFF = { DX_WIP_PUSH: 'off' };

interface World { sb: Sandbox; remote: string; seed: Host; h: Host; base: string }

/**
 * A remote whose main has deploy/run.sh (755), LICENSE and .dxrc.json; the seed host (no dx-hooks:
 * it stands for another machine, or a contributor who does not use dx-hooks) pushes branches
 * `branches` built from main; the victim host clones and installs dx-hooks.
 */
async function world(t: Parameters<typeof withSandbox>[0], branches: Record<string, (seed: Host) => Promise<void>> = {}, opts: { plain?: boolean } = {}): Promise<World> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const seed = await cloneAs(sb, remote, 'seed');
  // The config first, the protected files in a commit of their own (reverting that one keeps .dxrc.json).
  await seed.commit('dx-hooks config', { '.dxrc.json': DXRC });
  await seed.write('deploy/run.sh', '#!/bin/sh\necho deploy\n');
  fs.chmodSync(path.join(seed.dir, 'deploy/run.sh'), 0o755);
  await seed.write('LICENSE', 'MIT\n');
  const base = await seed.commit('protected files');
  await seed.git(['push', '-q', 'origin', 'main']);
  for (const [name, build] of Object.entries(branches)) {
    await seed.git(['switch', '-q', '-c', name, base]);
    await build(seed);
    await seed.git(['push', '-q', 'origin', name]);
  }
  await seed.git(['switch', '-q', 'main']);
  const h = await cloneAs(sb, remote, 'victim');
  Object.assign(h.env, OFF);
  await h.git(['fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
  if (!opts.plain) await installHooks(h);
  return { sb, remote, seed, h, base };
}

/** `<mode> <blob>` of a path at a commit ('' when absent). */
async function entry(h: Host, rev: string, p: string): Promise<string> {
  const out = (await h.git(['ls-tree', rev, '--', p])).out;
  return out ? out.split('\t')[0]!.replace(' blob ', ' ') : '';
}

const rev = async (h: Host, r: string) => (await h.git(['rev-parse', r])).out;

type Ev = { id: string; op: string; ok: boolean; paths?: string[]; refs?: Record<string, { old: string | null; new: string | null }>; detail?: Record<string, unknown> };
const ledger = (h: Host): Ev[] => {
  const f = path.join(h.dir, '.git/dx/events.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev) : [];
};

/** Assert the victim's main did not move and still holds LICENSE and deploy/run.sh exactly as `base` has them. */
async function assertKept(h: Host, branch: string, tip: string, base: string): Promise<void> {
  assert.equal(await rev(h, `refs/heads/${branch}`), tip, `${branch} moved`);
  for (const p of ['LICENSE', 'deploy/run.sh']) assert.equal(await entry(h, tip, p), await entry(h, base, p), `${p} changed at ${branch}'s tip`);
  assert.match(await entry(h, tip, 'deploy/run.sh'), /^100755 /);
}

const dropLicense = async (s: Host) => {
  await s.git(['rm', '-q', 'LICENSE']);
  await s.git(['commit', '-qm', 'drop LICENSE']);
};
const linkLicense = async (s: Host) => {
  fs.rmSync(path.join(s.dir, 'LICENSE'));
  fs.symlinkSync('/etc/passwd', path.join(s.dir, 'LICENSE'));
  await s.git(['add', '-A']);
  await s.git(['commit', '-qm', 'LICENSE becomes a symlink']);
};
const harmless = async (s: Host) => {
  await s.commit('harmless change', { 'notes.txt': 'hello\n' });
};

test('fast-forward merge and pull that delete a protected file: refused before the branch moves (without dx-hooks: lost); the printed command brings the file back; the override is logged', async (t) => {
  const plain = await world(t, { side: dropLicense }, { plain: true });
  await plain.h.git(['merge', '-q', '--ff-only', 'origin/side']);
  assert.equal(await entry(plain.h, 'HEAD', 'LICENSE'), '', 'without dx-hooks the fast-forward drops LICENSE');

  const { h, base } = await world(t, { side: dropLicense, ok: harmless });
  const r = await h.git(['merge', '--ff-only', 'origin/side'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused moving branch main/);
  assert.match(r.stderr, /LICENSE: deleted/);
  await assertKept(h, 'main', base, base);
  // git had already updated the index and work tree: the printed command puts LICENSE back.
  assert.equal(fs.existsSync(path.join(h.dir, 'LICENSE')), false);
  const cmd = /Bring the paths back into the index and the work tree: (.*)/.exec(r.stderr)?.[1];
  assert.equal(cmd, 'git restore --staged --worktree --source=HEAD -- LICENSE');
  await h.git(cmd!.split(' ').slice(1));
  assert.equal(fs.readFileSync(path.join(h.dir, 'LICENSE'), 'utf8'), 'MIT\n');
  assert.ok(ledger(h).some((e) => e.op === 'protect.refuse' && e.detail?.hook === 'reference-transaction' && e.paths?.includes('LICENSE')));

  // git pull: the same fast-forward from the remote is refused too.
  const pull = await h.git(['pull', '--ff-only', 'origin', 'side'], { allowFail: true });
  assert.notEqual(pull.code, 0);
  await assertKept(h, 'main', base, base);
  await h.git(['restore', '--staged', '--worktree', '--source=HEAD', '--', 'LICENSE']);

  // A fast-forward that touches no protected path goes through.
  await h.git(['merge', '-q', '--ff-only', 'origin/ok']);
  assert.equal(await rev(h, 'HEAD'), await rev(h, 'origin/ok'));

  // The override works and is logged.
  const forced = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['merge', '-q', '--no-edit', 'origin/side'], { allowFail: true });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(await entry(h, 'HEAD', 'LICENSE'), '');
  assert.ok(ledger(h).some((e) => e.op === 'protect.override' && e.paths?.includes('LICENSE')));
});

test('git pull of another host\'s deletion (it pushed without dx-hooks): the victim\'s main is refused, the remote is unchanged', async (t) => {
  const { h, seed, remote, base } = await world(t);
  await seed.git(['rm', '-q', '-r', 'deploy']);
  await seed.git(['commit', '-qm', 'drop deploy/']);
  await seed.git(['push', '-q', 'origin', 'main']);
  const tip = (await lsRemote(h.env, remote)).get('refs/heads/main');
  const r = await h.git(['pull', '--ff-only', '-q'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /deploy\/run\.sh: deleted/);
  await assertKept(h, 'main', base, base);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), tip);
});

test('git pull --rebase over another host\'s deletion: the victim\'s branch with local commits is refused at the rebase\'s final update', async (t) => {
  const { h, seed, base } = await world(t);
  const mine = await h.commit('local work', { 'mine.txt': 'mine\n' });
  await seed.git(['rm', '-q', 'LICENSE']);
  await seed.git(['commit', '-qm', 'drop LICENSE']);
  await seed.git(['push', '-q', 'origin', 'main']);
  const r = await h.git(['pull', '--rebase', '-q'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused moving branch main \(git rebase\)/);
  await assertKept(h, 'main', mine, base);
  await h.git(['rebase', '--abort']);
  assert.equal(await rev(h, 'HEAD'), mine);
  assert.equal(fs.readFileSync(path.join(h.dir, 'LICENSE'), 'utf8'), 'MIT\n');
});

test('merge commit that deletes a protected file: refused by pre-merge-commit (merge --abort restores all); with --no-verify, by reference-transaction', async (t) => {
  const { h, base } = await world(t, { side: dropLicense });
  const mine = await h.commit('local work', { 'mine.txt': 'mine\n' });
  const r = await h.git(['merge', '--no-edit', 'origin/side'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused this merge/);
  assert.match(r.stderr, /to abandon the merge: git merge --abort/);
  await assertKept(h, 'main', mine, base);
  assert.ok(fs.existsSync(path.join(h.dir, '.git/MERGE_HEAD')), 'the merge stopped before committing');
  await h.git(['merge', '--abort']);
  assert.equal(fs.readFileSync(path.join(h.dir, 'LICENSE'), 'utf8'), 'MIT\n');

  const nv = await h.git(['merge', '--no-verify', '--no-edit', 'origin/side'], { allowFail: true });
  assert.notEqual(nv.code, 0);
  assert.match(nv.stderr, /refused moving branch main \(git merge\)/);
  assert.match(nv.stderr, /To abandon the merge: git merge --abort/);
  await assertKept(h, 'main', mine, base);
  await h.git(['merge', '--abort']);
});

test('cherry-pick and revert that delete protected files: refused (no pre-commit runs for them; reference-transaction does); harmless picks work', async (t) => {
  const { h, base } = await world(t, { side: dropLicense, ok: harmless });
  const pick = await h.git(['cherry-pick', 'origin/side'], { allowFail: true });
  assert.notEqual(pick.code, 0);
  assert.match(pick.stderr, /refused moving branch main \(git cherry-pick\)/);
  assert.match(pick.stderr, /git cherry-pick --abort/);
  await assertKept(h, 'main', base, base);
  await h.git(['cherry-pick', '--abort']);
  assert.ok(fs.existsSync(path.join(h.dir, 'LICENSE')));

  // Reverting the commit that added the protected files.
  const rv = await h.git(['revert', '--no-edit', 'HEAD'], { allowFail: true });
  assert.notEqual(rv.code, 0);
  assert.match(rv.stderr, /LICENSE: deleted/);
  assert.match(rv.stderr, /deploy\/run\.sh: deleted/);
  await assertKept(h, 'main', base, base);
  await h.git(['reset', '-q', '--merge']);
  assert.ok(fs.existsSync(path.join(h.dir, 'deploy/run.sh')));

  await h.git(['cherry-pick', 'origin/ok']);
  assert.equal(await entry(h, 'HEAD', 'notes.txt'), await entry(h, 'origin/ok', 'notes.txt'));
  await h.git(['revert', '--no-edit', 'HEAD']);
  assert.equal(await entry(h, 'HEAD', 'notes.txt'), '');
});

test('git am of a patch that deletes a protected file: refused by pre-applypatch; an ordinary patch applies', async (t) => {
  const { h, base, sb } = await world(t, { side: dropLicense, ok: harmless });
  const dir = sb.tmp('patches');
  await h.git(['format-patch', '-q', '-o', dir, '-1', 'origin/side']);
  const patch = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const r = await h.git(['am', ...patch], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused this patch \(git am\)/);
  assert.match(r.stderr, /git am --abort/);
  await assertKept(h, 'main', base, base);
  await h.git(['am', '--abort']);
  assert.ok(fs.existsSync(path.join(h.dir, 'LICENSE')));

  const ok = sb.tmp('patches-ok');
  await h.git(['format-patch', '-q', '-o', ok, '-1', 'origin/ok']);
  await h.git(['am', '-q', ...fs.readdirSync(ok).map((f) => path.join(ok, f))]);
  assert.notEqual(await entry(h, 'HEAD', 'notes.txt'), '');
});

test('rebase whose result loses a protected file (dropping the commit that added it; both backends): refused at the final branch update; a plain rebase works', async (t) => {
  const { h, base } = await world(t, { ok: harmless });
  await h.git(['switch', '-q', '-c', 'feature']);
  await h.commit('add a deploy step', { 'deploy/step.sh': 'step\n' });
  const tip = await h.commit('more work', { 'work.txt': 'w\n' });
  const env = { ...h.env, GIT_SEQUENCE_EDITOR: 'sed -i 1s/^pick/drop/' };
  const r = await git(h.dir, env, ['rebase', '-i', 'HEAD~2'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused moving branch feature \(git rebase\)/);
  assert.match(r.stderr, /deploy\/step\.sh: deleted/);
  assert.match(r.stderr, /git rebase --abort/);
  assert.equal(await rev(h, 'refs/heads/feature'), tip, 'feature did not move');
  assert.notEqual(await entry(h, 'refs/heads/feature', 'deploy/step.sh'), '');
  await h.git(['rebase', '--abort']);
  assert.equal(await rev(h, 'HEAD'), tip);

  // The apply backend passes an all-zero old value for the branch: still refused.
  await h.git(['switch', '-q', '-c', 'feature2', base]);
  await h.git(['rm', '-q', 'LICENSE']);
  const tip2 = (await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['commit', '-qm', 'drop LICENSE (overridden)']), await rev(h, 'HEAD'));
  await h.git(['switch', '-q', 'feature']);
  const ap = await h.git(['rebase', '--apply', 'feature2'], { allowFail: true });
  assert.notEqual(ap.code, 0);
  assert.match(ap.stderr, /refused moving branch feature \(git rebase\)/);
  assert.match(ap.stderr, /To abandon the rebase: git rebase --quit && git switch feature/);
  assert.equal(await rev(h, 'refs/heads/feature'), tip);
  await h.git(['rebase', '--quit']);
  await h.git(['switch', '-q', 'feature']);
  assert.equal(await rev(h, 'HEAD'), tip);
  assert.notEqual(tip2, tip);

  // Compared tip to tip: a branch that already lacked LICENSE (an overridden commit) rebases freely.
  await h.git(['switch', '-q', 'feature2']);
  await h.git(['rebase', '-q', 'origin/ok']);
  assert.notEqual(await rev(h, 'refs/heads/feature2'), tip2);
  await h.git(['switch', '-q', 'feature']);

  // An ordinary rebase onto the remote's new commit goes through.
  await h.git(['rebase', '-q', 'origin/ok']);
  assert.notEqual(await rev(h, 'refs/heads/feature'), tip);
  assert.notEqual(await entry(h, 'feature', 'deploy/step.sh'), '');
  assert.notEqual(await entry(h, 'feature', 'notes.txt'), '');
});

test('commit --amend that deletes a protected file: refused by pre-commit; with --no-verify the rewrite is recorded and dx-hooks undo brings the file back', async (t) => {
  const { h, base } = await world(t);
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await h.git(['commit', '--amend', '--no-edit'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused this commit/);
  await assertKept(h, 'main', base, base);

  const nv = await h.git(['commit', '--amend', '--no-edit', '--no-verify'], { allowFail: true });
  assert.equal(nv.code, 0);
  assert.match(nv.stderr, /dx-hooks undo/);
  assert.equal(await entry(h, 'HEAD', 'LICENSE'), '');
  const u = await dx(h, ['undo']);
  assert.equal(u.code, 0, u.stderr);
  await assertKept(h, 'main', base, base);
  assert.equal(fs.readFileSync(path.join(h.dir, 'LICENSE'), 'utf8'), 'MIT\n');
});

test('a commit made with --no-verify that deletes a protected file is refused at the branch update', async (t) => {
  const { h, base } = await world(t);
  await h.git(['rm', '-q', 'deploy/run.sh']);
  const r = await h.git(['commit', '--no-verify', '-m', 'sneak'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused moving branch main/);
  await assertKept(h, 'main', base, base);
});

test('type changes count as removals: a protected file made a symlink, a submodule (gitlink) or a directory is refused, by commit and by merge', async (t) => {
  const { h, base } = await world(t, { link: linkLicense });
  // symlink
  fs.rmSync(path.join(h.dir, 'LICENSE'));
  fs.symlinkSync('/etc/passwd', path.join(h.dir, 'LICENSE'));
  await h.git(['add', '-A']);
  let r = await h.git(['commit', '-m', 'link'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /LICENSE: replaced by a symlink/);
  await assertKept(h, 'main', base, base);
  await h.git(['restore', '--staged', '--worktree', '--source=HEAD', '--', 'LICENSE']);
  assert.equal(fs.lstatSync(path.join(h.dir, 'LICENSE')).isFile(), true);

  // submodule (a gitlink entry in place of the file)
  await h.git(['rm', '-q', '--cached', 'LICENSE']);
  await h.git(['update-index', '--add', '--cacheinfo', `160000,${base},LICENSE`]);
  r = await h.git(['commit', '-m', 'gitlink'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /LICENSE: replaced by a submodule/);
  await assertKept(h, 'main', base, base);
  await h.git(['reset', '-q', '--', 'LICENSE']);

  // directory
  fs.rmSync(path.join(h.dir, 'deploy/run.sh'));
  await h.write('deploy/run.sh/inner', 'x\n');
  await h.git(['add', '-A']);
  r = await h.git(['commit', '-m', 'dir'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /deploy\/run\.sh: deleted/);
  await assertKept(h, 'main', base, base);
  fs.rmSync(path.join(h.dir, 'deploy/run.sh'), { recursive: true });
  await h.git(['reset', '-q', '--', 'deploy']);
  await h.git(['checkout', '--', 'deploy/run.sh']);

  // the symlink arriving by a fast-forward merge
  const m = await h.git(['merge', '--ff-only', 'origin/link'], { allowFail: true });
  assert.notEqual(m.code, 0);
  assert.match(m.stderr, /LICENSE: replaced by a symlink/);
  await assertKept(h, 'main', base, base);
});

test('git stash pop that removes a protected file cannot be refused: it is said at once with the recovery command, logged, and dx-hooks undo brings the file back', async (t) => {
  const { h, base } = await world(t);
  await h.git(['rm', '-q', 'LICENSE']);
  await h.write('keep.txt', 'popped work\n');
  await h.git(['add', 'keep.txt']);
  await h.git(['stash', '-q']);
  assert.ok(fs.existsSync(path.join(h.dir, 'LICENSE')));
  const r = await h.git(['stash', 'pop']);
  assert.match(r.stderr, /git stash pop removed protected paths/);
  assert.match(r.stderr, /LICENSE: deleted/);
  assert.match(r.stderr, /Bring them back now: git restore --staged --worktree --source=HEAD -- LICENSE/);
  assert.match(r.stderr, /or: dx-hooks undo \S+/);
  assert.equal(fs.existsSync(path.join(h.dir, 'LICENSE')), false, 'git removed it (no hook can refuse)');
  const ev = ledger(h).find((e) => e.op === 'protect.stash-pop');
  assert.ok(ev, 'recorded in the ledger');
  assert.deepEqual(ev.paths, ['LICENSE']);
  const u = await dx(h, ['undo', ev.id]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(fs.readFileSync(path.join(h.dir, 'LICENSE'), 'utf8'), 'MIT\n');
  assert.equal(fs.readFileSync(path.join(h.dir, 'keep.txt'), 'utf8'), 'popped work\n', 'the popped work stays');
  await assertKept(h, 'main', base, base);

  // A stash pop that touches no protected path says nothing and records nothing.
  await h.write('other.txt', 'x\n');
  await h.git(['add', 'other.txt']);
  await h.git(['stash', '-q']);
  const quiet = await h.git(['stash', 'pop']);
  assert.doesNotMatch(quiet.stderr, /dx-hooks/);
  assert.equal(ledger(h).filter((e) => e.op === 'protect.stash-pop').length, 1);
});

test('install adds pre-merge-commit and pre-applypatch, chains a user\'s own hook (it still runs and can refuse first), and uninstall puts it back', async (t) => {
  const { h } = await world(t, { side: dropLicense, ok: harmless }, { plain: true });
  const userHook = path.join(h.dir, '.git/hooks/pre-merge-commit');
  const text = '#!/bin/sh\necho user-pre-merge-commit >> "$(git rev-parse --git-dir)/user-hook.log"\n';
  fs.writeFileSync(userHook, text, { mode: 0o755 });
  await installHooks(h);
  for (const hook of ['pre-merge-commit', 'pre-applypatch']) assert.match(fs.readFileSync(path.join(h.dir, '.git/hooks', hook), 'utf8'), /# >>> dx-hooks >>>/);
  assert.equal(fs.readFileSync(userHook + '.pre-dx-hooks', 'utf8'), text);
  await h.commit('local', { 'mine.txt': 'm\n' });
  const r = await h.git(['merge', '--no-edit', 'origin/side'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused this merge/);
  assert.match(fs.readFileSync(path.join(h.dir, '.git/user-hook.log'), 'utf8'), /user-pre-merge-commit/);
  await h.git(['merge', '--abort']);
  await h.git(['merge', '-q', '--no-edit', 'origin/ok']);
  assert.equal(fs.readFileSync(path.join(h.dir, '.git/user-hook.log'), 'utf8').trim().split('\n').length, 2);
  assert.equal((await dx(h, ['uninstall'])).code, 0);
  assert.equal(fs.readFileSync(userHook, 'utf8'), text);
  assert.equal(fs.existsSync(path.join(h.dir, '.git/hooks/pre-applypatch')), false);
});

test('in a linked worktree (its own git dir): a cherry-pick that deletes a protected file is refused and names its abort', async (t) => {
  const { h, sb, base } = await world(t, { side: dropLicense });
  const wt = sb.tmp('linked');
  await h.git(['worktree', 'add', '-q', '-b', 'other', wt, base]);
  const r = await git(wt, h.env, ['cherry-pick', 'origin/side'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused moving branch other \(git cherry-pick\)/);
  assert.match(r.stderr, /git cherry-pick --abort/);
  assert.equal(await rev(h, 'refs/heads/other'), base);
  await git(wt, h.env, ['cherry-pick', '--abort']);
  assert.equal(fs.readFileSync(path.join(wt, 'LICENSE'), 'utf8'), 'MIT\n');
});

// Depends on class 3 (protection from HEAD's committed .dxrc, branch h/gitworks): git has already
// written the new .dxrc.json into the work tree when reference-transaction runs for a fast-forward.
test('a fast-forward that deletes a protected file AND removes its protection from .dxrc.json is refused', async (t) => {
  const { h, base } = await world(t, {
    sneaky: async (s) => {
      await s.write('.dxrc.json', JSON.stringify({ protect: { paths: [] } }));
      await s.git(['rm', '-q', 'LICENSE']);
      await s.git(['add', '-A']);
      await s.git(['commit', '-qm', 'tidy up']);
    },
  });
  const r = await h.git(['merge', '--ff-only', 'origin/sneaky'], { allowFail: true });
  assert.notEqual(r.code, 0);
  await assertKept(h, 'main', base, base);
});
