// e2e: dx-hooks coexisting with the hooks that were there first (DESIGN §3 "install coexists"):
// husky 9 installed for real from npm (core.hooksPath=.husky/_), and a plain .git/hooks script.
// Both keep running after install, dx-hooks mirrors every commit, and uninstall puts every file
// back byte for byte.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createBareRemote, cloneAs, dx, dxJson, git, seedRemote, waitFor, withSandbox, type Host } from '../helpers/index.ts';
import { assertOk, diffTrees, modeOf, npm, npx, remoteSha, snapshotTree, wipRefOf, type WipIndex } from './_e2e.ts';

const SYNC = { DX_WIP_PUSH: 'sync' };
const HOOKS = ['pre-commit', 'post-commit', 'post-merge', 'post-rewrite', 'post-checkout', 'pre-push', 'reference-transaction'];

/** Writes rel, stages only it, `git commit` with h.env plus env (the hooks see it); returns the new HEAD sha. */
async function commitFile(h: Host, rel: string, content: string, message: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  await h.write(rel, content);
  await h.git(['add', '--', rel]);
  const r = await git(h.dir, { ...h.env, ...env }, ['commit', '--quiet', '-m', message], { allowFail: true });
  assert.equal(r.code, 0, `git commit failed: ${r.stderr}`);
  return (await h.git(['rev-parse', 'HEAD'])).out;
}

async function lines(file: string): Promise<string[]> {
  return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];
}

test('husky 9 from npm: dx-hooks joins husky\'s hook files, both run, uninstall restores them byte for byte', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'huskyhost');

  // A project that uses husky 9, set up the way husky's docs say.
  await h.write('package.json', JSON.stringify({ name: 'husky-user', version: '1.0.0', private: true, devDependencies: { husky: '^9' } }, null, 2) + '\n');
  await h.write('.gitignore', 'node_modules/\n.husky-ran.log\n');
  await npm(h.dir, h.env, ['install', '--no-audit', '--no-fund']);
  assert.ok(existsSync(path.join(h.dir, 'node_modules', 'husky', 'package.json')), 'husky was not installed from npm');
  assertOk(await npx(h.dir, h.env, ['husky']), 'npx husky');
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_');

  const huskyPostCommit = path.join(h.dir, '.husky', 'post-commit');
  const huskyPrePush = path.join(h.dir, '.husky', 'pre-push');
  // husky 9 hook scripts: no shebang, not executable (husky runs them with `sh -e`).
  await writeFile(huskyPostCommit, 'git rev-parse HEAD >> .husky-ran.log\n');
  await chmod(huskyPostCommit, 0o644);
  await writeFile(huskyPrePush, 'echo "husky pre-push"'); // no final newline: must survive too
  await chmod(huskyPrePush, 0o644);
  await h.git(['add', '--', 'package.json', 'package-lock.json', '.gitignore', '.husky/post-commit', '.husky/pre-push']);
  await h.git(['commit', '--quiet', '-m', 'use husky']);
  const sha0 = (await h.git(['rev-parse', 'HEAD'])).out;
  const huskyLog = path.join(h.dir, '.husky-ran.log');
  assert.deepEqual(await lines(huskyLog), [sha0], 'husky\'s post-commit did not run before dx-hooks was installed');

  const beforeBytes = { postCommit: await readFile(huskyPostCommit), prePush: await readFile(huskyPrePush) };
  const beforeModes = { postCommit: await modeOf(huskyPostCommit), prePush: await modeOf(huskyPrePush) };
  const huskyInternals = await snapshotTree(path.join(h.dir, '.husky', '_'));
  const gitHooks = await snapshotTree(path.join(h.dir, '.git', 'hooks'));
  assert.equal((await h.git(['status', '--porcelain'])).out, '');

  // install: a marked block in each .husky/<hook>, nothing in .husky/_ or .git/hooks.
  const inst = await dx(h, ['install']);
  assertOk(inst, 'dx-hooks install');
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_', 'install must not take core.hooksPath away from husky');
  const installed = await readFile(huskyPostCommit, 'utf8');
  // dx-hooks' block goes first (husky runs the file with sh -e: a failing line above it would skip it); husky's line follows intact.
  assert.ok(installed.startsWith('# >>> dx-hooks >>>'), `dx-hooks' block is not first:\n${installed}`);
  assert.ok(installed.endsWith(beforeBytes.postCommit.toString('utf8')), `husky's own line was not kept:\n${installed}`);
  assert.match(installed, /# >>> dx-hooks >>>[\s\S]*# <<< dx-hooks <<</);
  // husky 9 stubs every hook but reference-transaction: that one gets dx-hooks' own stub in .husky/_.
  for (const hook of HOOKS.filter((x) => x !== 'reference-transaction')) {
    const text = await readFile(path.join(h.dir, '.husky', hook), 'utf8');
    assert.equal(text.split('# >>> dx-hooks >>>').length, 2, `.husky/${hook} should hold exactly one dx-hooks block:\n${text}`);
  }
  assert.deepEqual(diffTrees(huskyInternals, await snapshotTree(path.join(h.dir, '.husky', '_'))), ['added reference-transaction'], 'install changed husky\'s own files in .husky/_');
  assert.deepEqual(diffTrees(gitHooks, await snapshotTree(path.join(h.dir, '.git', 'hooks'))), [], 'install wrote into .git/hooks although husky owns core.hooksPath');

  // A commit in the default (background) mode: husky's hook runs, the WIP ref appears later.
  const sha1 = await commitFile(h, 'a.txt', 'one\n', 'first with dx-hooks');
  assert.deepEqual(await lines(huskyLog), [sha0, sha1], 'husky\'s post-commit did not run after dx-hooks install');
  const wip = wipRefOf('huskyhost', 'main');
  await waitFor(async () => (await remoteSha(h.env, remote, wip)) === sha1, { timeoutMs: 30_000, what: `${wip} = ${sha1} on the remote (background push)` });

  // A commit in sync mode: pushed before git commit returns; the index names it.
  const sha2 = await commitFile(h, 'a.txt', 'two\n', 'second with dx-hooks', SYNC);
  assert.deepEqual(await lines(huskyLog), [sha0, sha1, sha2]);
  assert.equal(await remoteSha(h.env, remote, wip), sha2, 'sync-mode commit was not mirrored before git commit returned');
  const index = await dxJson<WipIndex>(h, ['index', 'show']);
  assert.equal(index.entries['huskyhost/main']?.sha, sha2);
  assert.equal(index.entries['huskyhost/main']?.message, 'second with dx-hooks');

  // uninstall: husky's files exactly as before, dx-hooks' created files gone, nothing dirty.
  // Every difference is collected first so one run reports all of them.
  assertOk(await dx(h, ['uninstall']), 'dx-hooks uninstall');
  const problems: string[] = [];
  const same = async (file: string, bytes: Buffer, mode: number): Promise<void> => {
    const now = await readFile(file);
    if (!now.equals(bytes)) problems.push(`${path.relative(h.dir, file)} not byte-identical: before ${JSON.stringify(bytes.toString('utf8'))}, after ${JSON.stringify(now.toString('utf8'))}`);
    const m = await modeOf(file);
    if (m !== mode) problems.push(`${path.relative(h.dir, file)} mode ${mode.toString(8)} -> ${m.toString(8)}`);
  };
  await same(huskyPostCommit, beforeBytes.postCommit, beforeModes.postCommit);
  await same(huskyPrePush, beforeBytes.prePush, beforeModes.prePush);
  for (const hook of ['post-merge', 'post-rewrite', 'post-checkout']) if (existsSync(path.join(h.dir, '.husky', hook))) problems.push(`.husky/${hook} (created by install) survived uninstall`);
  if (existsSync(path.join(h.dir, '.dxrc.json'))) problems.push('.dxrc.json (unchanged since install) survived uninstall');
  const hooksPath = (await h.git(['config', 'core.hooksPath'], { allowFail: true })).out;
  if (hooksPath !== '.husky/_') problems.push(`core.hooksPath is ${JSON.stringify(hooksPath)}, not .husky/_`);
  problems.push(...diffTrees(huskyInternals, await snapshotTree(path.join(h.dir, '.husky', '_'))).map((d) => `.husky/_: ${d}`));
  const status = (await h.git(['status', '--porcelain'])).out;
  if (status) problems.push(`work tree not clean after install + uninstall:\n${status}`);
  assert.deepEqual(problems, [], 'uninstall did not put husky\'s files back as they were');

  // After uninstall: husky still runs, dx-hooks pushes nothing (sync mode would push at once).
  const sha3 = await commitFile(h, 'a.txt', 'three\n', 'after uninstall', SYNC);
  assert.deepEqual(await lines(huskyLog), [sha0, sha1, sha2, sha3], 'husky\'s post-commit stopped running after dx-hooks uninstall');
  assert.equal(await remoteSha(h.env, remote, wip), sha2, 'dx-hooks still mirrored a commit after uninstall');
});

test('plain .git/hooks: an existing hook is chained, install is idempotent, --dry-run writes nothing, uninstall restores it with its mode', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'plainhost');
  const hooksDir = path.join(h.dir, '.git', 'hooks');
  const userHook = path.join(hooksDir, 'post-commit');
  const userScript = '#!/bin/sh\n# the user\'s own hook\ngit rev-parse HEAD >> "$(git rev-parse --git-dir)/user-hook.log"\n';
  await writeFile(userHook, userScript);
  await chmod(userHook, 0o750);
  const userLog = path.join(h.dir, '.git', 'user-hook.log');
  const hooksBefore = await snapshotTree(hooksDir);

  // --dry-run: prints the plan, changes not one byte anywhere in the sandbox.
  const whole = await snapshotTree(sb.root);
  const dry = await dx(h, ['install', '--dry-run']);
  assertOk(dry, 'install --dry-run');
  assert.match(dry.stdout, /post-commit\.pre-dx-hooks/, `dry run does not say the existing post-commit is kept:\n${dry.stdout}`);
  for (const hook of ['pre-commit', 'post-merge', 'post-rewrite', 'post-checkout', 'pre-push', 'reference-transaction']) assert.match(dry.stdout, new RegExp(`create \\.git/hooks/${hook}\\b`));
  const plan = await dxJson<{ dryRun: boolean; actions: { kind: string; hook?: string }[] }>(h, ['install', '--dry-run']);
  assert.equal(plan.dryRun, true);
  assert.deepEqual(
    plan.actions.filter((a) => a.hook).map((a) => `${a.kind}:${a.hook}`).sort(),
    ['chain-hook:post-commit', 'create-hook:post-checkout', 'create-hook:post-merge', 'create-hook:post-rewrite', 'create-hook:pre-applypatch', 'create-hook:pre-commit',
      'create-hook:pre-merge-commit', 'create-hook:pre-push', 'create-hook:prepare-commit-msg', 'create-hook:reference-transaction'],
  );
  assert.deepEqual(diffTrees(whole, await snapshotTree(sb.root)), [], 'install --dry-run wrote something');

  // install: the user's hook is kept under .pre-dx-hooks, byte for byte with its mode.
  assertOk(await dx(h, ['install']), 'dx-hooks install');
  assert.equal(await readFile(`${userHook}.pre-dx-hooks`, 'utf8'), userScript);
  assert.equal((await modeOf(`${userHook}.pre-dx-hooks`)).toString(8), '750');
  assert.match(await readFile(userHook, 'utf8'), /# >>> dx-hooks >>>/);
  const afterFirst = await snapshotTree(hooksDir);
  const dxrc = await readFile(path.join(h.dir, '.dxrc.json'), 'utf8');

  // install again: same files, no second chain link.
  const again = await dx(h, ['install']);
  assertOk(again, 'second dx-hooks install');
  assert.deepEqual(diffTrees(afterFirst, await snapshotTree(hooksDir)), [], 'second install changed .git/hooks (double chaining?)');
  assert.ok(!existsSync(`${userHook}.pre-dx-hooks.pre-dx-hooks`));
  assert.equal(await readFile(`${userHook}.pre-dx-hooks`, 'utf8'), userScript, 'second install chained dx-hooks\' own stub');
  assert.equal(await readFile(path.join(h.dir, '.dxrc.json'), 'utf8'), dxrc);

  // A commit runs the user's hook exactly once and mirrors HEAD.
  const sha1 = await commitFile(h, 'a.txt', 'one\n', 'chained', SYNC);
  assert.deepEqual(await lines(userLog), [sha1], 'the chained user hook did not run exactly once');
  const wip = wipRefOf('plainhost', 'main');
  assert.equal(await remoteSha(h.env, remote, wip), sha1);

  // uninstall: .git/hooks exactly as before install (the user's hook back, mode 750).
  assertOk(await dx(h, ['uninstall']), 'dx-hooks uninstall');
  assert.deepEqual(diffTrees(hooksBefore, await snapshotTree(hooksDir)), [], '.git/hooks differs from before install');
  assert.equal(await readFile(userHook, 'utf8'), userScript);
  assert.equal((await modeOf(userHook)).toString(8), '750');
  assert.ok(!existsSync(path.join(h.dir, '.dxrc.json')));
  assert.ok(!existsSync(path.join(h.dir, '.git', 'dx', 'hooks')), 'the hook runtime survived uninstall');
  assert.equal((await h.git(['status', '--porcelain'])).out, '');

  const sha2 = await commitFile(h, 'a.txt', 'two\n', 'after uninstall', SYNC);
  assert.deepEqual(await lines(userLog), [sha1, sha2], 'the user\'s hook stopped running after uninstall');
  assert.equal(await remoteSha(h.env, remote, wip), sha1, 'dx-hooks still mirrored after uninstall');
});

test('core.hooksPath outside the repository (shared by every repository) is refused without --force', async (t) => {
  const { withSandbox, initRepo, dx } = await import('../helpers/index.ts');
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const shared = sb.tmp('shared-hooks');
  await h.git(['config', 'core.hooksPath', shared]);
  const r = await dx(h, ['install']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /core\.hooksPath points outside this repository/);
  assert.match(r.stderr, /--force/);
  const forced = await dx(h, ['install', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
});
