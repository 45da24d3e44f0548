// e2e: coexistence without side effects (issue 11 point 3). A user's hook that refuses still refuses
// with dx-hooks in front of it; under husky the user's own pre-push lines still get git's input (so
// `git lfs pre-push` still uploads, shown with the real git-lfs); in a teammate's clone without
// dx-hooks the lines dx-hooks added to husky's tracked files are silent; install says what to commit.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, packageRoot, run, seedRemote, type Host } from '../helpers/index.ts';
import { idleSandbox } from '../helpers/idle.ts';
import { assertOk } from './_e2e.ts';

/** A user hook that refuses (exit 1, says so) only when USER_REFUSE names it; reference-transaction only in "prepared". */
const userHook = (hook: string) => `#!/bin/sh
case " $USER_REFUSE " in *" ${hook} "*) ;; *) exit 0 ;; esac
[ ${hook} != reference-transaction ] || [ "$1" = prepared ] || exit 0
echo "user ${hook} refuses" >&2
exit 1
`;

/** husky 9 set up as its `prepare` script does (`husky`), from the copy in this package's node_modules. */
async function husky(h: Host): Promise<void> {
  assertOk(await run(process.execPath, [path.join(packageRoot, 'node_modules', 'husky', 'bin.js')], { cwd: h.dir, env: h.env }), 'husky');
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_');
}

const attempt = (h: Host, args: string[], refuse = '') => git(h.dir, { ...h.env, USER_REFUSE: refuse }, args, { allowFail: true });

/**
 * Each operation once with the user's hook refusing it, in clone `h`: its exit code, whether the user's
 * message reached stderr, and whether the refs it would have changed are unchanged.
 */
async function refusals(h: Host): Promise<Record<string, { code: number; said: boolean; unchanged: boolean }>> {
  const refs = async () => (await h.git(['for-each-ref', '--format=%(refname) %(objectname)'])).out;
  const remoteSide = async () => (await h.git(['ls-remote', 'origin', 'refs/heads/side'])).out;
  const out: Record<string, { code: number; said: boolean; unchanged: boolean }> = {};
  const one = async (hook: string, args: string[], after: string[][] = [], unchanged = async () => true) => {
    const before = await refs();
    const r = await attempt(h, args, hook);
    out[hook] = { code: r.code, said: r.stderr.includes(`user ${hook} refuses`), unchanged: (await refs()) === before && (await unchanged()) };
    for (const a of after) await attempt(h, a);
  };
  await one('pre-commit', ['commit', '--allow-empty', '-qm', 'refused']);
  await one('pre-merge-commit', ['merge', '--no-ff', '--no-edit', 'side'], [['merge', '--abort']]);
  const patch = (await h.git(['format-patch', '-1', '--stdout', 'side'])).stdout;
  await h.write('side.patch', patch);
  await one('pre-applypatch', ['am', 'side.patch'], [['am', '--abort']]);
  rmSync(path.join(h.dir, 'side.patch'));
  await one('pre-push', ['push', '-q', 'origin', 'side'], [], async () => (await remoteSide()) === '');
  await one('reference-transaction', ['branch', 'refused']);
  await one('pre-rebase', ['rebase', '--force-rebase', 'main', 'side'], [['checkout', '-q', 'main']]);
  return out;
}

test('a chained user hook that refuses still refuses (pre-commit, pre-merge-commit, pre-applypatch, pre-push, reference-transaction, pre-rebase), as without dx-hooks; install says what to commit', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const clones: Host[] = [];
  for (const name of ['plain', 'dxhost']) {
    const h = await cloneAs(sb, remote, name);
    h.env.DX_WIP_PUSH = 'off';
    hosts.push(h);
    await h.git(['checkout', '-qb', 'side']);
    await h.commit('side work', { 'side.txt': 'side\n' });
    await h.git(['checkout', '-q', 'main']);
    for (const hook of ['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'pre-push', 'reference-transaction', 'pre-rebase']) {
      await h.write(`.git/hooks/${hook}`, userHook(hook));
      await run('chmod', ['755', path.join(h.dir, '.git/hooks', hook)], { cwd: h.dir, env: h.env });
    }
    clones.push(h);
  }
  const [plain, h] = clones as [Host, Host];
  const inst = await dx(h, ['install']);
  assertOk(inst, 'dx-hooks install');
  assert.match(inst.stdout, /keep your pre-push hook as \.git\/hooks\/pre-push\.pre-dx-hooks/);
  // Plainly what goes into the repository and what stays in this clone.
  const said = inst.stdout.split('\n');
  const commitAt = said.indexOf('What to commit (shared with everyone who clones the repository):');
  const localAt = said.indexOf('What not to commit (local to this clone):');
  assert.ok(commitAt >= 0 && localAt > commitAt, `install does not say what to commit and what not:\n${inst.stdout}`);
  assert.deepEqual(said.slice(commitAt + 1, localAt), ['    .dxrc.json: the settings every clone shares', '  run: git add -- .dxrc.json']);
  assert.deepEqual(said.slice(localAt + 1, localAt + 3), ['    .git/dx/: this clone\'s hook runtime, ledger and state', '    .git/hooks/: dx-hooks\' stubs for this clone']);

  const without = await refusals(plain);
  const withDx = await refusals(h);
  for (const [hook, r] of Object.entries(without)) {
    assert.ok(r.code !== 0 && r.said && r.unchanged, `baseline: without dx-hooks, the user's ${hook} should refuse: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(withDx, without, 'with dx-hooks in front, a refusing user hook must refuse exactly as without it');
  // And the chain lets git go on when the user's hooks agree.
  assert.equal((await attempt(h, ['commit', '--allow-empty', '-qm', 'allowed'])).code, 0);
  assert.equal((await attempt(h, ['branch', 'allowed'])).code, 0);
});

/** husky 9 in `h` with a user pre-commit that refuses on USER_REFUSE and a user pre-push line (`prePush`); committed; then dx-hooks installed. */
async function huskyRepo(h: Host, prePush: string, dxrc?: string): Promise<{ stdout: string }> {
  await husky(h);
  if (dxrc) await h.write('.dxrc.json', dxrc);
  await h.write('.husky/pre-commit', '[ -z "$USER_REFUSE" ] || { echo "user pre-commit refuses" >&2; exit 1; }\n');
  await h.write('.husky/pre-push', prePush);
  await h.commit('husky hooks');
  const inst = await dx(h, ['install']);
  assertOk(inst, 'dx-hooks install');
  return inst;
}

test('husky + dx-hooks: the user\'s lines still refuse and still get git\'s pre-push input; a teammate without dx-hooks hears nothing from its lines; a clone that had it is told the runtime is gone', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'huskyhost');
  h.env.DX_WIP_PUSH = 'off';
  hosts.push(h);
  const inst = await huskyRepo(h, 'cat > "$(git rev-parse --git-dir)/user-pre-push.in"\n');

  // install names the husky files (shared) and its stub in husky's own folder (local), and the command that adds them.
  const said = inst.stdout.split('\n');
  const commitAt = said.indexOf('What to commit (shared with everyone who clones the repository):');
  const localAt = said.indexOf('What not to commit (local to this clone):');
  const shared = ['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'prepare-commit-msg', 'post-commit', 'post-merge', 'post-rewrite', 'post-checkout', 'pre-push'].map((x) => `.husky/${x}`);
  const huskyLine = ': husky hook file with dx-hooks\' lines (silent in clones without dx-hooks)';
  assert.deepEqual(said.slice(commitAt + 1, localAt), ['    .dxrc.json: the settings every clone shares', ...shared.map((p) => `    ${p}${huskyLine}`), `  run: git add -- .dxrc.json ${shared.join(' ')}`], inst.stdout);
  assert.ok(said.includes('    .husky/_/reference-transaction: dx-hooks\' stub for this clone (each clone gets its own from npx dx-hooks install)'), inst.stdout);
  // The printed command is the one to run.
  const add = said.find((l) => l.startsWith('  run: git add -- '))!.slice('  run: '.length);
  assertOk(await run('sh', ['-c', add], { cwd: h.dir, env: h.env }), add);
  await h.git(['commit', '-qm', 'dx-hooks for the team']);
  assert.equal((await h.git(['status', '--porcelain'])).out, '', 'something install wrote is neither committed nor ignored');

  // The user's husky line still refuses after dx-hooks' block.
  const refused = await attempt(h, ['commit', '--allow-empty', '-qm', 'refused'], '1');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /user pre-commit refuses/);

  // The user's pre-push line reads exactly git's input, after dx-hooks' block read it too.
  const sha = await h.commit('to push', { 'b.txt': 'b\n' });
  const seed = (await h.git(['rev-parse', 'origin/main'])).out;
  assertOk(await attempt(h, ['push', '-q', 'origin', 'main']), 'git push');
  assert.equal(readFileSync(path.join(h.dir, '.git/user-pre-push.in'), 'utf8'), `refs/heads/main ${sha} refs/heads/main ${seed}\n`);

  // A teammate's clone: husky set up by `npm install` (prepare), dx-hooks never installed, no node_modules/dx-hooks.
  const mate = await cloneAs(sb, remote, 'mate');
  hosts.push(mate);
  await husky(mate);
  assert.ok(!existsSync(path.join(mate.dir, 'node_modules', 'dx-hooks')) && !existsSync(path.join(mate.dir, '.git', 'dx')));
  const quiet = async (what: string, args: string[]) => {
    const r = await attempt(mate, args);
    assert.equal(r.code, 0, `${what} failed in the teammate's clone: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /dx-hooks/, `${what} in a clone without dx-hooks printed dx-hooks' lines:\n${r.stderr}`);
  };
  await quiet('git checkout -b', ['checkout', '-qb', 'topic']);
  await mate.write('c.txt', 'c\n');
  await mate.git(['add', 'c.txt']);
  await quiet('git commit', ['commit', '-qm', 'mate work']);
  await quiet('git commit --amend', ['commit', '-q', '--amend', '-m', 'mate work, amended']);
  await quiet('git checkout main', ['checkout', '-q', 'main']);
  await quiet('git merge', ['merge', '-q', '--no-ff', '--no-edit', 'topic']);
  const mateSha = (await mate.git(['rev-parse', 'HEAD'])).out;
  await quiet('git push', ['push', '-q', 'origin', 'main']);
  assert.equal(readFileSync(path.join(mate.dir, '.git/user-pre-push.in'), 'utf8'), `refs/heads/main ${mateSha} refs/heads/main ${sha}\n`);
  assert.equal((await attempt(mate, ['commit', '--allow-empty', '-qm', 'refused'], '1')).code, 1, 'the user\'s husky line must still refuse');

  // Where dx-hooks WAS installed, a missing runtime is never silent.
  rmSync(path.join(h.dir, '.git/dx/hooks/runtime.sh'));
  const loud = await attempt(h, ['commit', '--allow-empty', '-qm', 'no runtime']);
  assert.equal(loud.code, 0);
  assert.match(loud.stderr, /dx-hooks: .*runtime\.sh is missing, so dx-hooks is NOT backing up work; run: npx dx-hooks install/);
});

const lfs = await run('git', ['lfs', 'version'], { cwd: packageRoot, env: process.env });
const noLfs = lfs.code === 0 ? false : 'git-lfs is not installed (Debian: apt-get install -y git-lfs; .ci/run installs it where apt-get is available)';

test('husky + dx-hooks + real git-lfs: `git lfs pre-push` after dx-hooks\' block still uploads; dx-hooks\' own WIP push uploads the LFS objects too', { skip: noLfs }, async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'lfshost');
  hosts.push(h);
  // The filters only: hooks are husky's, so git-lfs' own pre-push goes in as a husky line, as husky's docs say.
  assertOk(await run('git', ['lfs', 'install', '--local', '--skip-repo'], { cwd: h.dir, env: h.env }), 'git lfs install');
  await h.write('.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  // WIP off at first: only the user's `git lfs pre-push` line can upload, and it needs git's input, which dx-hooks' block reads first.
  await huskyRepo(h, 'git lfs pre-push "$@"\n', JSON.stringify({ wip: { enabled: false } }) + '\n');
  // A path remote: git-lfs uses its built-in standalone file transfer; the objects land in <remote>/lfs/objects.
  const stored = (oid: string) => path.join(remote, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
  const lfsCommit = async (file: string, env: NodeJS.ProcessEnv = {}) => {
    const blob = randomBytes(4096);
    const oid = createHash('sha256').update(blob).digest('hex');
    await h.write(file, blob);
    await h.git(['add', '--', file]);
    const r = await git(h.dir, { ...h.env, ...env }, ['commit', '-qm', `LFS ${file}`], { allowFail: true });
    assertOk(r, 'git commit');
    assert.match((await h.git(['show', `HEAD:${file}`])).out, new RegExp(`oid sha256:${oid}`), `${file} was not stored as an LFS pointer`);
    return { blob, oid, stderr: r.stderr };
  };

  const one = await lfsCommit('one.bin');
  const pushed = await attempt(h, ['push', 'origin', 'main']);
  assertOk(pushed, 'git push');
  assert.ok(existsSync(stored(one.oid)), `git lfs pre-push uploaded nothing: ${stored(one.oid)} is missing\n${pushed.stderr}`);
  assert.ok(readFileSync(stored(one.oid)).equals(one.blob));

  // WIP on: dx-hooks' own --no-verify push of the WIP ref uploads the LFS object before the commit reaches the remote,
  // else the backup lacks it and git-lfs would skip it at the user's push (the commit is on the remote already).
  await h.write('.dxrc.json', '{}\n');
  const two = await lfsCommit('two.bin', { DX_WIP_PUSH: 'sync' });
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await h.git(['ls-remote', 'origin', 'refs/heads/wip/lfshost/main'])).out.split('\t')[0], head, 'the WIP ref was not pushed in sync mode');
  assert.ok(existsSync(stored(two.oid)), `dx-hooks pushed the WIP ref without its LFS object: ${stored(two.oid)} is missing`);

  // Uncommitted LFS work: a named checkpoint (a snapshot under a tag, pushed by dx-hooks) carries its object too.
  const blob = randomBytes(4096);
  const three = createHash('sha256').update(blob).digest('hex');
  await h.write('three.bin', blob);
  assertOk(await dx(h, ['checkpoint', 'create', 'lfs-cp']), 'dx-hooks checkpoint create');
  assert.match((await git(remote, h.env, ['show', 'refs/tags/checkpoint/lfs-cp:three.bin'])).out, new RegExp(`oid sha256:${three}`), 'the snapshot did not store three.bin as an LFS pointer');
  assert.ok(existsSync(stored(three)), `the named checkpoint's LFS object was not uploaded: ${stored(three)} is missing`);

  // Attack: a committed .lfsconfig names another LFS server. dx-hooks sends nothing there on its own (nor
  // pushes the WIP ref without its objects); it says how to consent. The user's own git config decides.
  const evil = await createBareRemote(sb, 'evil.git');
  await h.write('.lfsconfig', `[lfs]\n\turl = file://${evil}\n`);
  await h.git(['add', '.lfsconfig']);
  const four = await lfsCommit('four.bin', { DX_WIP_PUSH: 'sync' });
  const wipSha = (await h.git(['ls-remote', 'origin', 'refs/heads/wip/lfshost/main'])).out.split('\t')[0];
  assert.equal(wipSha, head, 'the WIP ref moved although its LFS objects could not go up');
  assert.ok(!existsSync(path.join(evil, 'lfs')), 'dx-hooks sent LFS objects to the server a cloned .lfsconfig names');
  assert.match(four.stderr, /\.lfsconfig sends LFS objects to file:\/\/.*evil\.git \(lfs\.url\).*git config lfs\.url/s);
  await h.git(['config', 'lfs.url', `file://${remote}`]);
  assertOk(await dx(h, ['checkpoint', 'create', 'lfs-cp2']), 'dx-hooks checkpoint create');
  assert.ok(existsSync(stored(four.oid)) && !existsSync(path.join(evil, 'lfs')), 'with the user\'s own lfs.url, the objects go to the remote, never to the .lfsconfig server');
});
