// Issue 10, class 3: protection comes from history, not from the work tree. The protected paths and
// branches in force are the committed .dxrc's (HEAD's; for a push, also the remote tip's) united with
// the work tree's. An uncommitted edit of .dxrc, package.json's dx key or a broken .dxrc weakens
// nothing; taking protection away takes a commit made with DX_ALLOW_PROTECTED=1 (logged); internal
// variables such as DX_IN_REFTX are no override.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, hookStateFile, readHookStateFile, createBareRemote, dx, dxJson, git, lsRemote, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

const DXRC = { protect: { paths: ['deploy/**', 'LICENSE'], branches: ['main'] } };

/** A remote whose main has deploy/run.sh, LICENSE and a committed .dxrc.json protecting them (and main), and a clone with dx-hooks installed unless `plain`. */
async function repo(t: Parameters<typeof withSandbox>[0], host: string, opts: { plain?: boolean; sb?: Sandbox; dxrc?: unknown } = {}) {
  const sb = opts.sb ?? (await withSandbox(t));
  const remote = await createBareRemote(sb, `${host}-remote.git`);
  await seedRemote(sb, remote);
  const seed = await cloneAs(sb, remote, `${host}-seed`);
  await seed.write('deploy/run.sh', '#!/bin/sh\necho deploy\n');
  await seed.write('LICENSE', 'MIT\n');
  if (opts.dxrc !== null) await seed.write('.dxrc.json', JSON.stringify(opts.dxrc ?? DXRC));
  await seed.commit('protected files');
  await seed.git(['push', '-q', 'origin', 'main']);
  const h = await cloneAs(sb, remote, host);
  h.env.DX_WIP_PUSH = 'off';
  if (!opts.plain) await installHooks(h);
  return { sb, remote, h, seed };
}

type Line = { op: string; ok: boolean; paths?: string[]; detail?: { removed?: string[]; override?: string; hook?: string } };
const ledger = (h: Host): Line[] => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const inHead = async (h: Host, p: string) => (await h.git(['ls-tree', 'HEAD', '--', p])).out !== '';
const weakened = JSON.stringify({ protect: { paths: [], branches: [] } });

test('an uncommitted .dxrc with protect.paths emptied, then git rm of a protected file and commit: refused, the file stays in HEAD', async (t) => {
  // Without dx-hooks the loss happens.
  const { h: plain } = await repo(t, 'plain', { plain: true });
  await plain.write('.dxrc.json', weakened);
  await plain.git(['rm', '-q', 'LICENSE']);
  assert.equal((await plain.git(['commit', '-qm', 'oops'], { allowFail: true })).code, 0);
  assert.equal(await inHead(plain, 'LICENSE'), false);

  const { h } = await repo(t, 'victim');
  await h.write('.dxrc.json', weakened); // not committed
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /LICENSE: deleted/);
  assert.equal(await inHead(h, 'LICENSE'), true, 'HEAD still has LICENSE');
  assert.ok(ledger(h).some((e) => e.op === 'protect.refuse' && e.paths?.includes('LICENSE')));

  // The happy path: an ordinary commit goes through, with the weakened .dxrc still in the work tree.
  await h.git(['reset', '-q', 'HEAD', 'LICENSE']);
  await h.git(['checkout', '--', 'LICENSE']);
  await h.write('notes.txt', 'hello\n');
  await h.git(['add', 'notes.txt']);
  assert.equal((await h.git(['commit', '-qm', 'ordinary'], { allowFail: true })).code, 0, 'an ordinary commit is not refused');
});

test('package.json\'s dx key (found before .dxrc.json) and a broken .dxrc.json are no way around it either', async (t) => {
  const { h } = await repo(t, 'pkg');
  await h.write('package.json', JSON.stringify({ name: 'x', dx: { protect: { paths: [] } } }));
  await h.git(['rm', '-q', 'deploy/run.sh']);
  const r = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(await inHead(h, 'deploy/run.sh'), true);

  fs.rmSync(path.join(h.dir, 'package.json'));
  await h.write('.dxrc.json', '{ "protect": '); // a syntax error: the work tree's config cannot be read
  const r2 = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r2.code, 1, r2.stderr);
  assert.match(r2.stderr, /checking with the committed \.dxrc/);
  assert.equal(await inHead(h, 'deploy/run.sh'), true);

  // Staging the package.json weakening with the deletion is a commit that removes protection: refused.
  await h.write('.dxrc.json', JSON.stringify(DXRC));
  await h.write('package.json', JSON.stringify({ name: 'x', dx: { protect: { paths: [] } } }));
  await h.git(['add', 'package.json']);
  const r3 = await h.git(['commit', '-m', 'shadow the config'], { allowFail: true });
  assert.equal(r3.code, 1, r3.stderr);
  assert.match(r3.stderr, /protect\.paths "deploy\/\*\*"/);
});

test('a commit that removes protection and deletes the path at once is refused; one that only removes protection needs the override, which is logged', async (t) => {
  const { h } = await repo(t, 'both');
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.write('.dxrc.json', weakened);
  await h.git(['add', '.dxrc.json']);
  await h.git(['rm', '-q', 'deploy/run.sh']);
  const r = await h.git(['commit', '-m', 'unprotect and delete'], { allowFail: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /deploy\/run\.sh: deleted/);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head);

  // Only the protection: still refused without the override.
  await h.git(['reset', '-q', 'HEAD', 'deploy/run.sh']);
  await h.git(['checkout', '--', 'deploy/run.sh']);
  const r2 = await h.git(['commit', '-m', 'unprotect'], { allowFail: true });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /removes protection that HEAD:\.dxrc\.json gives: protect\.paths "deploy\/\*\*", protect\.paths "LICENSE", protect\.branches "main"/);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head);
  // Deleting the config file is the same removal.
  await h.git(['rm', '-q', '--cached', '.dxrc.json']);
  assert.equal((await h.git(['commit', '-m', 'drop config'], { allowFail: true })).code, 1);
  await h.git(['add', '.dxrc.json']);

  const ok = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['commit', '-m', 'unprotect'], { allowFail: true });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /DX_ALLOW_PROTECTED=1 — committing the removal of protection/);
  assert.notEqual((await h.git(['rev-parse', 'HEAD'])).out, head);
  const logged = ledger(h).filter((e) => e.op === 'protect.override' && e.detail?.hook === 'pre-commit');
  assert.ok(logged.some((e) => e.detail?.removed?.includes('protect.paths "LICENSE"')), 'the override is in the ledger');

  // Once committed, the protection is gone for real: deleting the file is an ordinary commit.
  await h.git(['rm', '-q', 'LICENSE']);
  assert.equal((await h.git(['commit', '-qm', 'drop license'], { allowFail: true })).code, 0);
});

test('DX_IN_REFTX=1 (or any value) git branch -D main is refused', async (t) => {
  const { h } = await repo(t, 'reftx');
  await h.git(['switch', '-q', '-c', 'other']);
  const main = (await h.git(['rev-parse', 'main'])).out;
  for (const v of ['1', 'yes', '0123456789abcdef0123456789abcdef']) {
    const r = await git(h.dir, { ...h.env, DX_IN_REFTX: v }, ['branch', '-D', 'main'], { allowFail: true });
    assert.notEqual(r.code, 0, `DX_IN_REFTX=${v}`);
    assert.match(r.stderr, /refused deleting protected branch main/);
    assert.equal((await h.git(['rev-parse', 'main'])).out, main);
  }
  // An uncommitted .dxrc dropping protect.branches changes nothing either.
  await h.write('.dxrc.json', weakened);
  assert.notEqual((await h.git(['branch', '-D', 'main'], { allowFail: true })).code, 0);
  assert.equal((await h.git(['rev-parse', 'main'])).out, main);
  // Nor does DX_REAL_GIT (the guard's internal variable) pointing the checks at a fake git.
  await h.git(['switch', '-q', 'main']);
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await git(h.dir, { ...h.env, DX_REAL_GIT: '/bin/true' }, ['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(await inHead(h, 'LICENSE'), true);
});

test('an uncommitted .dxrc that drops protect.branches, then a force push to main: refused, the remote\'s main unchanged', async (t) => {
  const { h, remote, sb } = await repo(t, 'push');
  const before = (await lsRemote(sb.env, remote)).get('refs/heads/main');
  await h.write('.dxrc.json', weakened);
  await h.git(['reset', '-q', '--hard', 'HEAD~1']); // rewind main locally (the .dxrc stays: untracked now)
  await h.write('.dxrc.json', weakened);
  await h.commit('rewritten history', { 'x.txt': 'x\n' });
  const r = await h.git(['push', '--force', 'origin', 'main'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /force-pushes protected branch main/);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/main'), before, 'the remote\'s main did not move');
});

test('a commit made with the hooks off that drops protection cannot carry a deletion to the remote: the remote tip\'s .dxrc still protects', async (t) => {
  const { h, remote, sb } = await repo(t, 'noverify');
  const before = (await lsRemote(sb.env, remote)).get('refs/heads/main');
  await h.write('.dxrc.json', weakened);
  await h.git(['add', '.dxrc.json']);
  await h.git(['rm', '-q', 'LICENSE']);
  // --no-verify skips pre-commit, but the branch update is still checked (reference-transaction).
  const noVerify = await h.git(['commit', '-q', '--no-verify', '-m', 'sneak'], { allowFail: true });
  assert.notEqual(noVerify.code, 0, 'a --no-verify commit that deletes a protected path is refused at the branch update');
  assert.equal((await h.git(['ls-tree', '--name-only', 'HEAD', 'LICENSE'])).out, 'LICENSE');
  // DX_HOOKS=0, the documented off switch, gets the commit made; the push is still checked.
  assert.equal((await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['commit', '-q', '-m', 'sneak'])).code, 0);
  const r = await h.git(['push', 'origin', 'main'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /deletes protected path LICENSE/);
  assert.match(r.stderr, /removes protection that origin's main gives/);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/main'), before);
  // With the override it goes, logged.
  const ok = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['push', '-q', 'origin', 'main'], { allowFail: true });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ledger(h).some((e) => e.op === 'protect.override' && e.detail?.hook === 'pre-push'));
});

test('a stale protect cache (HEAD moved with the hooks off) does not make pre-commit skip its check', async (t) => {
  const { h, seed } = await repo(t, 'stale', { dxrc: null });
  fs.rmSync(path.join(h.dir, '.dxrc.json'), { force: true }); // the one install wrote (untracked)
  // Upstream adds protection; this clone pulls it with dx-hooks off, so no hook refreshed the cache.
  await seed.commit('protect', { '.dxrc.json': JSON.stringify(DXRC) });
  await seed.git(['push', '-q', 'origin', 'main']);
  assert.equal((await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['pull', '-q', '--ff-only'])).code, 0);
  const file = hookStateFile(h.dir);
  assert.equal(readHookStateFile(file).protect.pathsSet, false, 'the hook state still says "nothing protected"');
  const future = new Date(Date.now() + 60_000);
  fs.utimesSync(file, future, future); // newer than any .dxrc: only its HEAD tells it is stale
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(await inHead(h, 'LICENSE'), true);
});

test('the hook state is built from the union: an uncommitted weakening leaves its protected paths as they were', async (t) => {
  const { h } = await repo(t, 'cache');
  const before = readHookStateFile(hookStateFile(h.dir));
  assert.ok(before.protectList.some(([, p]) => p === 'deploy/run.sh'));
  await h.write('.dxrc.json', weakened);
  assert.equal((await dx(h, ['hook', 'cache'])).code, 0);
  const after = readHookStateFile(hookStateFile(h.dir));
  assert.deepEqual(after.protectList, before.protectList);
  assert.equal(after.protect.pathsSet, true);
  // post-checkout still names a protected file that vanished.
  fs.rmSync(path.join(h.dir, 'LICENSE'));
  const r = await h.git(['checkout', '-q', 'HEAD', '--', 'deploy/run.sh']);
  assert.match(r.stderr, /protected path LICENSE is missing/);
});

test('doctor reports a work-tree config that weakens the committed protection', async (t) => {
  const { h } = await repo(t, 'doctor');
  const clean = await dxJson<{ diagnostics: { code: string }[] }>(h, ['doctor', '--json']);
  assert.ok(!clean.diagnostics.some((d) => d.code === 'PROTECTION_WEAKENED_IN_WORKTREE'));
  await h.write('.dxrc.json', weakened);
  const r = await dxJson<{ diagnostics: { code: string; message: string }[] }>(h, ['doctor', '--json']);
  const d = r.diagnostics.find((x) => x.code === 'PROTECTION_WEAKENED_IN_WORKTREE');
  assert.ok(d, JSON.stringify(r.diagnostics.map((x) => x.code)));
  assert.match(d.message, /protect\.paths "LICENSE"/);
});

test('DX_HOOKS=0, the documented off switch, still works and leaves a line in the ledger (even after a torn last line)', async (t) => {
  const { h } = await repo(t, 'off');
  const file = path.join(h.dir, '.git/dx/events.jsonl');
  fs.appendFileSync(file, '{"id":"torn","ts":1,"ho'); // a record cut short, no newline
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['commit', '-qm', 'off'], { allowFail: true });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await inHead(h, 'LICENSE'), false, 'the off switch turns the check off');
  const last = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n').at(-1) as string) as Line;
  assert.equal(last.op, 'hooks.off');
  assert.equal(last.detail?.hook, 'pre-commit');
});

test('a committed .dxrc.yaml (behind a package.json without a dx key) protects too: an uncommitted .dxrc.json that shadows it weakens nothing', async (t) => {
  const { h, seed } = await repo(t, 'yaml', { dxrc: null });
  await seed.commit('yaml config', { '.dxrc.yaml': 'protect:\n  paths:\n    - LICENSE\n', 'package.json': JSON.stringify({ name: 'x' }) });
  await seed.git(['push', '-q', 'origin', 'main']);
  fs.rmSync(path.join(h.dir, '.dxrc.json'), { force: true }); // the one install wrote (untracked)
  await h.git(['pull', '-q', '--ff-only']);
  await h.write('.dxrc.json', weakened); // found before .dxrc.yaml by cosmiconfig; not committed
  await h.git(['rm', '-q', 'LICENSE']);
  const r = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /LICENSE: deleted/);
  assert.equal(await inHead(h, 'LICENSE'), true);
  // deploy/run.sh was never protected by the YAML: deleting it is an ordinary commit.
  await h.git(['reset', '-q', 'HEAD', 'LICENSE']);
  await h.git(['checkout', '--', 'LICENSE']);
  await h.git(['rm', '-q', 'deploy/run.sh']);
  assert.equal((await h.git(['commit', '-qm', 'fine'], { allowFail: true })).code, 0);
});

test('an uncommitted .dxrc that adds an exception (!deploy/run.sh) to the committed patterns weakens nothing; committing the exception needs the override', async (t) => {
  const { h, remote, sb } = await repo(t, 'negation');
  const before = (await lsRemote(sb.env, remote)).get('refs/heads/main');
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**', 'LICENSE', '!deploy/run.sh'], branches: ['main'] } })); // not committed
  await h.git(['rm', '-q', 'deploy/run.sh']);
  const r = await h.git(['commit', '-m', 'drop the deploy script'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /deploy\/run\.sh: deleted/);
  assert.equal(await inHead(h, 'deploy/run.sh'), true, 'HEAD still has deploy/run.sh');
  // Committing only the exception is a removal of protection: refused without the override.
  await h.git(['reset', '-q', 'HEAD', 'deploy/run.sh']);
  await h.git(['checkout', '--', 'deploy/run.sh']);
  await h.git(['add', '.dxrc.json']);
  const c = await h.git(['commit', '-m', 'exception'], { allowFail: true });
  assert.equal(c.code, 1, 'a commit adding a negation needs the override');
  assert.match(c.stderr, /!deploy\/run\.sh/);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/main'), before);
});

test('a broken work-tree .dxrc does not switch off the checks of a merge or a fast-forward that deletes a protected file', async (t) => {
  const { h, seed } = await repo(t, 'broken-merge');
  // Upstream deletes LICENSE (with the override, as its author means it).
  await seed.git(['rm', '-q', 'LICENSE']);
  await seed.commit('remove the licence');
  await seed.git(['push', '-q', 'origin', 'main']);
  await h.git(['fetch', '-q', 'origin']);
  fs.writeFileSync(path.join(h.dir, '.dxrc.json'), '{ "protect": '); // broken, not committed
  const ff = await h.git(['merge', '--ff-only', 'origin/main'], { allowFail: true });
  assert.notEqual(ff.code, 0, `the fast-forward is refused:\n${ff.stderr}`);
  assert.equal(await inHead(h, 'LICENSE'), true, 'HEAD still has LICENSE');
  await h.git(['restore', '--staged', '--worktree', '--source=HEAD', '--', 'LICENSE']);
  await h.write('l.txt', 'l\n');
  await h.git(['add', 'l.txt']);
  await h.git(['commit', '-qm', 'local work']);
  const m = await h.git(['merge', '--no-edit', 'origin/main'], { allowFail: true });
  assert.notEqual(m.code, 0, `the merge commit is refused:\n${m.stderr}`);
  assert.equal(await inHead(h, 'LICENSE'), true);
});

test('a machine config that cannot be read, or is invalid, does not switch the protected-path check off', async (t) => {
  const { h } = await repo(t, 'machine');
  const conf = path.join(String(h.env.XDG_CONFIG_HOME), 'dx-hooks', 'config.json');
  for (const [why, breakIt] of [
    ['invalid JSON', () => fs.writeFileSync(conf, '{ "repos": [')],
    ['unreadable (a directory)', () => { fs.rmSync(conf, { force: true }); fs.mkdirSync(conf); }],
  ] as const) {
    fs.mkdirSync(path.dirname(conf), { recursive: true });
    breakIt();
    await h.git(['rm', '-q', 'LICENSE']);
    const r = await h.git(['commit', '-q', '-m', 'drop LICENSE'], { allowFail: true });
    assert.equal(r.code, 1, `${why}: the deletion went through\n${r.stderr}`);
    assert.equal(await inHead(h, 'LICENSE'), true);
    await h.git(['reset', '-q', '--hard', 'HEAD']);
    fs.rmSync(conf, { recursive: true, force: true });
  }
});
