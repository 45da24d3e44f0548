// e2e (issue 11, "never silent when protection stops"): git stops running dx-hooks' hooks — lefthook
// takes them over (real lefthook from npm), husky is added later (real husky), a hook is deleted, the
// runtime is older than the package — and every time the hooks' banner and `status` say so (exit 1),
// and `doctor --fix` brings protection back.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createBareRemote, cloneAs, dx, git, lsRemote, packageRoot, run, seedRemote, waitFor, withSandbox, type Host } from '../helpers/index.ts';
import { assertOk, wipRefOf } from './_e2e.ts';

const LEFTHOOK = path.join(packageRoot, 'node_modules', '.bin', 'lefthook');
const HUSKY = path.join(packageRoot, 'node_modules', 'husky', 'bin.js');

async function setUp(t: Parameters<typeof withSandbox>[0], name: string): Promise<{ h: Host; remote: string }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, name);
  assertOk(await dx(h, ['install']), 'dx-hooks install');
  await h.commit('config', {});
  return { h, remote };
}

async function commit(h: Host, file: string, env: NodeJS.ProcessEnv = {}): Promise<{ sha: string; stderr: string }> {
  await h.write(file, `${file}\n`);
  await h.git(['add', '--', file]);
  const r = await git(h.dir, { ...h.env, ...env }, ['commit', '--quiet', '-m', file], { allowFail: true });
  assert.equal(r.code, 0, `git commit failed: ${r.stderr}`);
  return { sha: (await h.git(['rev-parse', 'HEAD'])).out, stderr: r.stderr };
}

test('lefthook takes over pre-commit and post-commit: banner and status say so; doctor --fix runs dx-hooks from lefthook-local.yml, and it lasts through lefthook re-syncing', async (t) => {
  const { h, remote } = await setUp(t, 'lefty');
  await h.write('lefthook.yml', 'pre-commit:\n  jobs:\n    - name: hello\n      run: echo lefthook-pre-commit\npost-commit:\n  jobs:\n    - name: hello\n      run: echo lefthook-post-commit\n');
  const li = await run(LEFTHOOK, ['install'], { cwd: h.dir, env: h.env, timeoutMs: 30_000 });
  assertOk(li, 'lefthook install');
  assert.ok(existsSync(path.join(h.dir, '.git', 'hooks', 'pre-commit.old')), 'lefthook did not rename dx-hooks\' pre-commit to .old');

  // status: exit 1, naming lefthook and the fix.
  const st = await dx(h, ['status', '--offline']);
  assert.equal(st.code, 1, st.stdout + st.stderr);
  assert.match(st.stdout, /hooks_not_run.*lefthook took over pre-commit/);
  assert.match(st.stdout, /dx-hooks doctor --fix/);

  // A hook of ours that still runs (reference-transaction) notices the folder changed and has the alert
  // written again (status wrote it first: removed here, so the hook's background check is what brings it back).
  const alert = path.join(h.dir, '.git', 'dx', 'hooks-alert');
  await rm(alert);
  await commit(h, 'a.txt');
  await waitFor(async () => existsSync(alert), { what: 'the hooks alert' });
  assert.match(await readFile(alert, 'utf8'), /lefthook took over post-commit/);

  // doctor --fix: dx-hooks' jobs in lefthook-local.yml; status is clean again, and a commit is mirrored through lefthook.
  const fix = await dx(h, ['doctor', '--fix']);
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  const local = await readFile(path.join(h.dir, 'lefthook-local.yml'), 'utf8');
  assert.match(local, /# >>> dx-hooks >>>[\s\S]*pre-commit:[\s\S]*post-commit:[\s\S]*# <<< dx-hooks <<</);
  assert.ok(!existsSync(alert), 'the alert stayed after doctor --fix');
  const ok = await dx(h, ['status', '--offline']);
  assert.doesNotMatch(ok.stdout, /hooks_not_run/, ok.stdout);
  const c = await commit(h, 'b.txt', { DX_WIP_PUSH: 'sync' });
  assert.equal((await lsRemote(h.env, remote)).get(wipRefOf('lefty', 'main')), c.sha, 'the commit was not mirrored through lefthook\'s post-commit');

  // lefthook re-syncs its hooks when its config changes: dx-hooks' jobs live in its config, so they last.
  await h.write('lefthook.yml', 'pre-commit:\n  jobs:\n    - name: hello2\n      run: echo lefthook-pre-commit-2\npost-commit:\n  jobs:\n    - name: hello\n      run: echo lefthook-post-commit\n');
  const c2 = await commit(h, 'c.txt', { DX_WIP_PUSH: 'sync' });
  assert.equal((await lsRemote(h.env, remote)).get(wipRefOf('lefty', 'main')), c2.sha, 'mirroring stopped after lefthook re-synced its hooks');

  // uninstall takes dx-hooks' jobs out of lefthook-local.yml (the file was ours alone: removed).
  assertOk(await dx(h, ['uninstall']), 'dx-hooks uninstall');
  assert.ok(!existsSync(path.join(h.dir, 'lefthook-local.yml')), 'uninstall left lefthook-local.yml');
  assert.ok(!existsSync(path.join(h.dir, '.git', 'hooks', 'pre-commit.old')), 'uninstall left dx-hooks\' stub that lefthook had renamed');
  assert.match(await readFile(path.join(h.dir, '.git', 'hooks', 'pre-commit'), 'utf8'), /lefthook/, 'uninstall touched lefthook\'s own hook');
});

test('husky added after dx-hooks shadows its hooks (core.hooksPath): status exits 1; doctor --fix joins husky\'s files', async (t) => {
  const { h } = await setUp(t, 'husk');
  assertOk(await run(process.execPath, [HUSKY], { cwd: h.dir, env: h.env, timeoutMs: 30_000 }), 'husky');
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_');
  const st = await dx(h, ['status', '--offline']);
  assert.equal(st.code, 1, st.stdout + st.stderr);
  assert.match(st.stdout, /git now runs hooks from \.husky\/_ \(core\.hooksPath/);
  const fix = await dx(h, ['doctor', '--fix']);
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  assert.match(await readFile(path.join(h.dir, '.husky', 'post-commit'), 'utf8'), /# >>> dx-hooks >>>/);
  const ok = await dx(h, ['status', '--offline']);
  assert.doesNotMatch(ok.stdout, /hooks_not_run/, ok.stdout);
});

test('a deleted hook and a runtime older than the package: status exits 1 and names each; the banner says so; doctor --fix repairs both', async (t) => {
  const { h } = await setUp(t, 'gone');
  await rm(path.join(h.dir, '.git', 'hooks', 'post-checkout'));
  await writeFile(path.join(h.dir, '.git', 'dx', 'hooks', 'version'), '0.0.1\n');
  const st = await dx(h, ['status', '--offline']);
  assert.equal(st.code, 1, st.stdout + st.stderr);
  assert.match(st.stdout, /post-checkout hook \.git\/hooks\/post-checkout was deleted/);
  assert.match(st.stdout, /version 0\.0\.1 and this dx-hooks is/);
  // status --repos, sync and the scheduled guard say it too, and fail.
  const many = await dx(h, ['status', '--repos', h.dir]);
  assert.equal(many.code, 1, many.stdout + many.stderr);
  assert.match(many.stdout, /was deleted/);
  const sync = await dx(h, ['sync']);
  assert.equal(sync.code, 1, sync.stdout + sync.stderr);
  assert.match(sync.stdout + sync.stderr, /was deleted/);
  const guard = await dx(h, ['guard', '--all']);
  assert.equal(guard.code, 1, guard.stdout + guard.stderr);
  assert.match(guard.stderr, /post-checkout hook .* was deleted/);
  // The next hook's banner says it (status wrote the alert).
  const c = await commit(h, 'x.txt');
  assert.match(c.stderr, /post-checkout hook .* was deleted.*doctor --fix/);
  const fix = await dx(h, ['doctor', '--fix']);
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  const ok = await dx(h, ['status', '--offline']);
  assert.doesNotMatch(ok.stdout, /hooks_not_run/, ok.stdout);
  const c2 = await commit(h, 'y.txt');
  assert.doesNotMatch(c2.stderr, /doctor --fix/);
});
