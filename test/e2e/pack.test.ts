// e2e: the package as a new user gets it (DESIGN §8) — `npm pack`, then `npm install <tarball>`
// + `npx dx-hooks install` in a fresh project, and `npx --package <tarball>` in a repository
// that has no package.json at all. The hooks must run the installed copy, not this checkout.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile, rename, symlink } from 'node:fs/promises';
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
  for (const f of ['package.json', 'dist/cli.js', 'dist/bundle/dx-hooks.js', 'dist/bundle/package.json', 'dist/index.js', 'hooks/runtime.sh', 'hooks/stub.sh', 'hooks/husky-block.sh', 'templates/dxrc.json', 'templates/systemd/dx-hooks-JOB.service', 'templates/systemd/dx-hooks-JOB.timer', 'templates/launchd/dev.dx-hooks.JOB.plist', 'templates/cron/dx-hooks.cron', 'dxrc.schema.json']) {
    assert.ok(files.has(f), `${f} missing from ${path.basename(tarball)}`);
  }
  const stray = [...files].filter((f) => /^(test|src|bench|scripts|node_modules|\.husky)\//.test(f) || f.endsWith('.tgz') || f.includes('.v8-cache/'));
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

  // npx's cache is cleaned (this run's own entry: its name hashes the sandbox's tarball path). Moved
  // away, it stands for dx-hooks installed elsewhere: on PATH, or in the repository's node_modules.
  const npxDir = cli.slice(0, cli.lastIndexOf(`${path.sep}node_modules${path.sep}dx-hooks${path.sep}`));
  assert.ok(path.basename(path.dirname(npxDir)) === '_npx', `recorded CLI ${cli} is not in npx's cache`);
  const elsewhere = sb.tmp('elsewhere');
  await rename(npxDir, elsewhere); // both under os.tmpdir(): one rename, and npx's entry is gone
  // A PATH with node and git but no dx-hooks (a global dx-hooks on this machine must not answer).
  const bare = (h.env.PATH ?? '').split(path.delimiter).filter((d) => d && !existsSync(path.join(d, 'dx-hooks'))).join(path.delimiter);
  const ledger = path.join(h.dir, '.git', 'dx', 'events.jsonl');

  await h.write('gone.txt', 'the CLI is gone\n');
  const lost = await commitAll(h, 'no CLI anywhere', { ...SYNC, PATH: bare });
  assert.equal(await remoteSha(h.env, remote, wipRefOf('npxhost', 'main')), sha, 'nothing can have mirrored without a CLI');
  const banner = await readFile(path.join(h.dir, '.git', 'dx', 'banner'), 'utf8');
  assert.match(banner, /cannot start the worker .* work is NOT being backed up/, 'no banner says the backup stopped');
  assert.match(await readFile(ledger, 'utf8'), /"op":"hooks\.cli-missing","ok":false/, 'no ledger line records it');
  assert.match(await readFile(path.join(h.dir, '.git', 'dx', 'queue'), 'utf8'), /refs\/heads\/main/, 'the commit is not kept queued');
  const next = await git(h.dir, { ...h.env, PATH: bare }, ['commit', '--allow-empty', '-m', 'still loud'], { allowFail: true });
  assert.equal(next.code, 0, 'post-commit must never block a commit');
  assert.match(next.stderr, /cannot start the worker/, 'the commit is silent about the missing CLI');

  // dx-hooks on PATH: the hooks find it, and the queued commits are mirrored.
  await h.write('path.txt', 'found on PATH\n');
  const onPath = await commitAll(h, 'dx-hooks on PATH', { ...SYNC, PATH: [path.join(elsewhere, 'node_modules', '.bin'), bare].join(path.delimiter) });
  assert.notEqual(onPath, lost);
  assert.equal(await remoteSha(h.env, remote, wipRefOf('npxhost', 'main')), onPath, 'dx-hooks on PATH was not found');
  assert.ok(!existsSync(path.join(h.dir, '.git', 'dx', 'banner')), 'the banner outlived the recovery');

  // dx-hooks in the repository's (untracked) node_modules.
  await symlink(path.join(elsewhere, 'node_modules'), path.join(h.dir, 'node_modules'));
  await h.write('.git/info/exclude', 'node_modules\n');
  await h.write('modules.txt', 'found in node_modules\n');
  const inModules = await commitAll(h, 'dx-hooks in node_modules', { ...SYNC, PATH: bare });
  assert.equal(await remoteSha(h.env, remote, wipRefOf('npxhost', 'main')), inModules, 'node_modules/.bin/dx-hooks was not found');
  assert.ok(readdirSync(path.join(h.dir, '.git', 'dx')).every((f) => f !== 'banner'));
});
