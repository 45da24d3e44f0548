// Self-test of the shared helpers: every other test trusts these to isolate and to build real
// remotes, hosts, branch protection and the git:// network path. Needs no dist/cli.js.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  cloneAs,
  createBareRemote,
  dxBin,
  git,
  initRepo,
  lsRemote,
  packageRoot,
  rejectPushesTo,
  run,
  seedRemote,
  startGitDaemon,
  unreachableUrl,
  waitFor,
  withSandbox,
} from '../helpers/index.ts';

/** Content of a file, or null when it does not exist. */
async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

test('sandbox env is pinned and isolated', async (t) => {
  const sb = await withSandbox(t);
  assert.equal(sb.env.GIT_DIR, undefined);
  assert.equal(sb.env.GIT_WORK_TREE, undefined);
  for (const k of Object.keys(sb.env)) {
    assert.ok(!/^(DX_|HUSKY)/i.test(k), `${k} leaked into the sandbox env`);
  }
  assert.ok(sb.env.HOME?.startsWith(sb.root + path.sep), `HOME ${sb.env.HOME} not inside ${sb.root}`);
  assert.ok(path.basename(sb.root).startsWith('dx-test-'));
  assert.equal(sb.tmp('x'), path.join(sb.root, 'x'));
  assert.equal(sb.env.npm_config_cache, path.join(os.tmpdir(), 'dx-hooks-test-npm-cache'));
  assert.ok(!sb.env.npm_config_cache?.startsWith(os.homedir()));
});

test('global git config resolves inside the sandbox; real ~/.gitconfig untouched', async (t) => {
  const sb = await withSandbox(t);
  const real = path.join(os.homedir(), '.gitconfig');
  const before = await readOrNull(real);
  const name = await git(sb.root, sb.env, ['config', '--global', 'user.name']);
  assert.equal(name.out, 'Test User');
  assert.equal((await git(sb.root, sb.env, ['config', '--global', 'init.defaultBranch'])).out, 'main');
  await git(sb.root, sb.env, ['config', '--global', 'dxtest.marker', 'sandbox']);
  assert.match(await readFile(sb.tmp('gitconfig'), 'utf8'), /marker = sandbox/);
  assert.equal(await readOrNull(real), before);
  const hooksPath = await git(sb.root, sb.env, ['config', '--global', 'core.hooksPath'], { allowFail: true });
  assert.equal(hooksPath.code, 1);
});

test('cleanup removes the sandbox', async () => {
  const { makeSandbox } = await import('../helpers/index.ts');
  const sb = await makeSandbox();
  assert.ok(existsSync(sb.root));
  await sb.cleanup();
  if (process.env.DX_KEEP_TMP !== '1') assert.ok(!existsSync(sb.root));
});

test('run reports exit codes and signals without throwing; git throws with details', async (t) => {
  const sb = await withSandbox(t);
  const r = await run(process.execPath, ['-e', 'process.stdin.pipe(process.stdout); process.exitCode = 3'], { cwd: sb.root, env: sb.env, input: 'hi' });
  assert.deepEqual(r, { stdout: 'hi', stderr: '', code: 3 });
  const killed = await run(process.execPath, ['-e', 'process.kill(process.pid, "SIGTERM")'], { cwd: sb.root, env: sb.env });
  assert.equal(killed.code, 128 + os.constants.signals.SIGTERM);
  await assert.rejects(run('definitely-not-a-binary-dx', [], { cwd: sb.root, env: sb.env }), /definitely-not-a-binary-dx/);
  await assert.rejects(run(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { cwd: sb.root, env: sb.env, timeoutMs: 300 }), /timed out after 300 ms/);
  await assert.rejects(git(sb.root, sb.env, ['rev-parse', 'HEAD']), (e: Error) => /rev-parse/.test(e.message) && /code 128/.test(e.message) && /not a git repository/.test(e.message));
  const soft = await git(sb.root, sb.env, ['rev-parse', 'HEAD'], { allowFail: true });
  assert.equal(soft.code, 128);
});

test('createBareRemote + seedRemote + cloneAs: clone HEAD is the seed', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  assert.equal(remote, sb.tmp('remote.git'));
  const seed = await seedRemote(sb, remote);
  assert.match(seed, /^[0-9a-f]{40}$/);
  const host = await cloneAs(sb, remote, 'alpha');
  assert.equal(host.dir, sb.tmp('host-alpha'));
  assert.equal(host.env.DX_HOST, 'alpha');
  assert.equal((await host.git(['rev-parse', 'HEAD'])).out, seed);
  assert.equal((await host.git(['symbolic-ref', '--short', 'HEAD'])).out, 'main');
  assert.equal(await readFile(path.join(host.dir, 'README.md'), 'utf8'), 'seed\n');
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/main'), seed);

  const sha = await host.commit('second', { 'a/b/c.txt': 'deep\n' });
  assert.equal((await host.git(['rev-parse', 'HEAD~1'])).out, seed);
  assert.equal((await host.git(['log', '-1', '--format=%an <%ae>|%s'])).out, 'Test User <test@example.invalid>|second');
  assert.equal((await host.git(['rev-parse', 'HEAD'])).out, sha);

  const local = await initRepo(sb, 'solo');
  assert.equal(local.name, 'host1');
  assert.equal((await local.git(['remote'])).out, '');
  await local.commit('first', { 'f.txt': 'x' });
  assert.equal((await local.git(['symbolic-ref', '--short', 'HEAD'])).out, 'main');
});

test('rejectPushesTo rejects protected refs only', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  const seed = await seedRemote(sb, remote);
  await rejectPushesTo(remote, ['refs/heads/main', 'release'], 'main is protected');
  const host = await cloneAs(sb, remote, 'alpha');
  const sha = await host.commit('change', { 'x.txt': 'x\n' });

  const denied = await host.git(['push', 'origin', 'main'], { allowFail: true });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /main is protected/);
  assert.match(denied.stderr, /pre-receive hook declined/);
  assert.equal((await host.git(['push', 'origin', 'HEAD:release'], { allowFail: true })).code, 1);

  await host.git(['push', 'origin', 'HEAD:refs/heads/feature']);
  const refs = await lsRemote(sb.env, remote, 'refs/heads/*');
  assert.equal(refs.get('refs/heads/main'), seed);
  assert.equal(refs.get('refs/heads/feature'), sha);
  assert.equal(refs.has('refs/heads/release'), false);
});

test('startGitDaemon serves clone and push over git://', async (t) => {
  const sb = await withSandbox(t);
  const base = sb.tmp('srv');
  const remote = await createBareRemote(sb, 'srv/repo.git');
  const seed = await seedRemote(sb, remote);
  const daemon = await startGitDaemon(sb, base);
  t.after(() => daemon.stop());
  assert.equal(daemon.url('repo.git'), `git://127.0.0.1:${daemon.port}/repo.git`);

  const host = await cloneAs(sb, daemon.url('repo.git'), 'net');
  assert.equal((await host.git(['rev-parse', 'HEAD'])).out, seed);
  const sha = await host.commit('over the wire', { 'net.txt': 'net\n' });
  await host.git(['push', 'origin', 'main']);
  assert.equal((await lsRemote(sb.env, remote, 'refs/heads/main')).get('refs/heads/main'), sha);
  assert.equal((await lsRemote(sb.env, daemon.url('repo.git'))).get('refs/heads/main'), sha);

  await daemon.stop();
  await daemon.stop();
  const after = await git(sb.root, sb.env, ['ls-remote', daemon.url('repo.git')], { allowFail: true });
  assert.notEqual(after.code, 0);
});

test('unreachableUrl fails git ls-remote quickly', async (t) => {
  const sb = await withSandbox(t);
  const url = await unreachableUrl();
  assert.match(url, /^git:\/\/127\.0\.0\.1:\d+\//);
  const started = Date.now();
  const r = await git(sb.root, sb.env, ['ls-remote', url], { allowFail: true });
  const elapsed = Date.now() - started;
  assert.notEqual(r.code, 0);
  assert.ok(elapsed < 10_000, `ls-remote took ${elapsed} ms`);
  await assert.rejects(lsRemote(sb.env, url), /ls-remote/);
});

test('waitFor returns the first truthy value or times out with the right message', async () => {
  let n = 0;
  const v = await waitFor(async () => (++n >= 3 ? { n } : false), { what: 'three tries', intervalMs: 5 });
  assert.deepEqual(v, { n: 3 });
  const started = Date.now();
  await assert.rejects(waitFor(async () => undefined, { timeoutMs: 150, intervalMs: 20, what: 'nothing' }), {
    message: 'timed out after 150 ms waiting for nothing',
  });
  assert.ok(Date.now() - started >= 140);
});

test('dx paths point at the package build output (not required to exist)', () => {
  assert.ok(existsSync(path.join(packageRoot, 'package.json')));
  assert.equal(dxBin, path.join(packageRoot, 'dist', 'cli.js'));
});
