// e2e: the package as a new user gets it (DESIGN §8) — `npm pack`, then `npm install <tarball>`
// + `npx dx-hooks install` in a fresh project, and `npx --package <tarball>` in a repository
// that has no package.json at all. The hooks must run the installed copy, not this checkout.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cloneAs, createBareRemote, git, makeSandbox, packageRoot, run, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';
import { assertOk, npm, npx, remoteSha, wipRefOf } from './_e2e.ts';

const SYNC = { DX_WIP_PUSH: 'sync' };
let packSb: Sandbox;
let tarball: string;
let version: string;

before(async () => {
  packSb = await makeSandbox();
  if (!existsSync(path.join(packageRoot, 'dist', 'cli.js'))) await npm(packageRoot, packSb.env, ['run', 'build']);
  // --ignore-scripts: `prepare` would rebuild dist/ and run husky inside the checkout; the
  // tarball is made from the dist/ that is there, and the checkout is left untouched.
  const r = await npm(packageRoot, packSb.env, ['pack', '--ignore-scripts', '--json', '--pack-destination', packSb.root]);
  const [info] = JSON.parse(r.stdout) as { filename: string; version: string }[];
  assert.ok(info, `npm pack --json printed no entry: ${r.stdout}`);
  tarball = path.join(packSb.root, info.filename);
  version = info.version;
  assert.ok(existsSync(tarball), `npm pack did not write ${tarball}`);
});

after(() => packSb?.cleanup());

/** Commits everything not ignored with extra env for the hooks; returns HEAD. */
async function commitAll(h: Host, message: string, env: NodeJS.ProcessEnv): Promise<string> {
  await h.git(['add', '-A']);
  const r = await git(h.dir, { ...h.env, ...env }, ['commit', '--quiet', '-m', message], { allowFail: true });
  assert.equal(r.code, 0, `git commit failed: ${r.stderr}`);
  return (await h.git(['rev-parse', 'HEAD'])).out;
}

/** Path of the CLI the installed hooks start (recorded by install). */
async function recordedCli(h: Host): Promise<string> {
  return (await readFile(path.join(h.dir, '.git', 'dx', 'hooks', 'cli-path'), 'utf8')).trim();
}

test('the tarball ships the CLI, hook runtime, templates and schema — and no tests or sources', async (t) => {
  const sb = await withSandbox(t);
  const r = await run('tar', ['-tzf', tarball], { cwd: sb.root, env: sb.env });
  assertOk(r, 'tar -tzf');
  const files = new Set(r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
  for (const f of ['package.json', 'dist/cli.js', 'dist/index.js', 'hooks/runtime.sh', 'hooks/stub.sh', 'hooks/husky-block.sh', 'templates/dxrc.json', 'templates/systemd/dx-hooks-JOB.service', 'templates/systemd/dx-hooks-JOB.timer', 'templates/launchd/dev.dx-hooks.JOB.plist', 'templates/cron/dx-hooks.cron', 'dxrc.schema.json']) {
    assert.ok(files.has(f), `${f} missing from ${path.basename(tarball)}`);
  }
  const stray = [...files].filter((f) => /^(test|src|bench|scripts|node_modules|\.husky)\//.test(f) || f.endsWith('.tgz'));
  assert.deepEqual(stray, [], 'the tarball ships files a user does not need');
  const shipped = await run('tar', ['-xzOf', tarball, 'package/dxrc.schema.json'], { cwd: sb.root, env: sb.env });
  assertOk(shipped, 'tar -xzOf dxrc.schema.json');
  const schema = JSON.parse(shipped.stdout) as { properties?: Record<string, unknown> };
  assert.ok(schema.properties && 'wip' in schema.properties, 'dxrc.schema.json has no "wip" property');
});

test('npm install <tarball> + npx dx-hooks install in a fresh project: commits are mirrored, status works', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'packhost');
  await h.write('package.json', JSON.stringify({ name: 'scratch-project', version: '1.0.0', private: true }, null, 2) + '\n');
  await h.write('.gitignore', 'node_modules/\n');
  await npm(h.dir, h.env, ['install', '--no-audit', '--no-fund', tarball]);
  assert.ok(existsSync(path.join(h.dir, 'node_modules', '.bin', 'dx-hooks')), 'npm install did not link the dx-hooks bin');

  const ver = await npx(h.dir, h.env, ['dx-hooks', '--version']);
  assertOk(ver, 'npx dx-hooks --version');
  assert.equal(ver.stdout.trim(), version);

  const inst = await npx(h.dir, h.env, ['dx-hooks', 'install']);
  assertOk(inst, 'npx dx-hooks install');
  for (const hook of ['post-commit', 'post-rewrite', 'post-checkout', 'pre-push']) {
    assert.match(await readFile(path.join(h.dir, '.git', 'hooks', hook), 'utf8'), /# >>> dx-hooks >>>/, `${hook} not installed`);
  }
  assert.equal(await recordedCli(h), path.join(h.dir, 'node_modules', 'dx-hooks', 'dist', 'cli.js'), 'hooks do not run the installed package');
  const dxrc = JSON.parse(await readFile(path.join(h.dir, '.dxrc.json'), 'utf8')) as { $schema: string };
  assert.ok(existsSync(path.resolve(h.dir, dxrc.$schema)), `.dxrc.json's $schema ${dxrc.$schema} does not resolve in the installed project`);

  const sha = await commitAll(h, 'add dx-hooks', SYNC);
  assert.equal(await remoteSha(h.env, remote, wipRefOf('packhost', 'main')), sha, 'the commit was not mirrored to the WIP ref');
  assert.ok(await remoteSha(h.env, remote, 'refs/heads/dx/index'), 'no index branch on the remote');

  const st = await npx(h.dir, h.env, ['dx-hooks', 'status', '--json']);
  assertOk(st, 'npx dx-hooks status --json');
  const status = JSON.parse(st.stdout) as { host: string; branch: string; head: string; wip: { ref: string; lastPushed?: string; lastResult?: string }; pending: unknown[] };
  assert.equal(status.host, 'packhost');
  assert.equal(status.branch, 'main');
  assert.equal(status.head, sha);
  assert.equal(status.wip.ref, wipRefOf('packhost', 'main'));
  assert.equal(status.wip.lastPushed, sha);
  assert.equal(status.wip.lastResult, 'ok');
  assert.deepEqual(status.pending, []);
});

test('npx --package <tarball> dx-hooks install in a repository without package.json', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'npxhost');
  const inst = await npx(h.dir, h.env, ['--yes', '--package', tarball, 'dx-hooks', 'install']);
  assertOk(inst, 'npx --yes --package <tarball> dx-hooks install');
  for (const hook of ['post-commit', 'post-rewrite', 'post-checkout', 'pre-push']) {
    assert.match(await readFile(path.join(h.dir, '.git', 'hooks', hook), 'utf8'), /# >>> dx-hooks >>>/, `${hook} not installed`);
  }
  const cli = await recordedCli(h);
  assert.ok(existsSync(cli), `recorded CLI ${cli} does not exist`);
  assert.ok(!cli.startsWith(packageRoot + path.sep), `hooks run the checkout's CLI ${cli}, not the packed one`);
  // npx must not have turned the repository into an npm project.
  assert.deepEqual((await readdir(h.dir)).sort(), ['.dxrc.json', '.git', 'README.md']);

  const sha = await commitAll(h, 'mirrored via npx', SYNC);
  assert.equal(await remoteSha(h.env, remote, wipRefOf('npxhost', 'main')), sha, 'the commit was not mirrored to the WIP ref');
});
