// e2e: `dx-hooks doctor [--fix]` against real repositories and real bare remotes. Each problem is
// made for real (a deleted hook, husky taking core.hooksPath, garbage on dx/index, a dead process's
// lock, a remote that rejects pushes, a bad .dxrc, a removed critical file); doctor must find it,
// change nothing without --fix, and with --fix repair it — checked by running doctor again and by
// the real effect (a commit is mirrored again, the WIP ref is on the remote, the file is back).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxJson, git, initRepo, packageRoot, rejectPushesTo, run, seedRemote, unreachableUrl, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';
import { assertOk, diffTrees, modeOf, remoteSha, snapshotTree, wipRefOf } from './_e2e.ts';

interface Diag { code: string; severity: 'error' | 'warning'; message: string; fixable: boolean; hint: string | null; fixed: boolean; fixResult: string | null }
interface Report { repo: string | null; diagnostics: Diag[]; errors: number }

const VERSION = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** `dx-hooks doctor …args --json`: exit code and the parsed report. */
async function doctor(h: Host, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: Report }> {
  const r = await dx(h, ['doctor', ...args, '--json'], { env });
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  } catch {
    throw new Error(`doctor ${args.join(' ')} printed no JSON (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

const codes = (r: Report) => r.diagnostics.map((d) => d.code).sort();
const find = (r: Report, code: string) => r.diagnostics.filter((d) => d.code === code);

/** A remote seeded with one commit, a clone as `name` with dx-hooks installed (sync pushes), and one mirrored commit. */
async function installedRepo(t: TestContext, name = 'alpha'): Promise<{ sb: Sandbox; remote: string; h: Host; sha: string }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, name);
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  const sha = await h.commit('first work', { 'a.txt': 'one\n' });
  assert.equal(await remoteSha(h.env, remote, wipRefOf(name, 'main')), sha, 'the first commit was not mirrored');
  return { sb, remote, h, sha };
}

/** Every ref of the repository with its sha (to prove a run changed none). */
async function refs(h: Host): Promise<string> {
  return (await h.git(['for-each-ref', '--format=%(objectname) %(refname)'])).out;
}

test('a healthy repository: exit 0, "no problems found", and doctor changes nothing', async (t) => {
  const { h } = await installedRepo(t);
  const before = { dx: await snapshotTree(path.join(h.dir, '.git', 'dx')), refs: await refs(h) };
  const r = await dx(h, ['doctor']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no problems found/);
  const { code, report } = await doctor(h);
  assert.equal(code, 0);
  assert.deepEqual([report.repo, report.diagnostics, report.errors], [h.dir, [], 0]);
  assert.deepEqual(diffTrees(before.dx, await snapshotTree(path.join(h.dir, '.git', 'dx'))), [], 'doctor without --fix wrote under .git/dx');
  assert.equal(await refs(h), before.refs, 'doctor without --fix moved a ref');
});

test('a deleted hook, an outdated runtime, a stale lock and a corrupt index: found, then repaired by --fix (a live lock is kept)', async (t) => {
  const { sb, remote, h, sha } = await installedRepo(t);
  const dxDir = path.join(h.dir, '.git', 'dx');
  const postCommit = path.join(h.dir, '.git', 'hooks', 'post-commit');
  fs.rmSync(postCommit);
  fs.writeFileSync(path.join(dxDir, 'hooks', 'version'), '0.0.1\n');
  // A worker killed while holding its lock: the directory stays, never refreshed again.
  const staleLock = path.join(dxDir, 'worker.lock');
  fs.mkdirSync(staleLock);
  const old = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(staleLock, old, old);
  const liveLock = path.join(dxDir, 'guard.lock'); // just refreshed: a live guard run holds it
  fs.mkdirSync(liveLock);
  // Garbage on the index branch, pushed by someone else.
  const junk = sb.tmp('junk');
  await git(sb.root, sb.env, ['clone', '-q', '-b', 'dx/index', remote, junk]);
  fs.writeFileSync(path.join(junk, '.dx/wip-index.json'), '{"schema_version": 1, "entries": "broken"');
  await git(junk, sb.env, ['commit', '-qam', 'corrupt it']);
  await git(junk, sb.env, ['push', '-q', 'origin', 'dx/index']);

  const found = await doctor(h);
  assert.equal(found.code, 1, JSON.stringify(found.report, null, 2));
  assert.deepEqual(codes(found.report), ['HOOKS_MISSING', 'HOOKS_OUTDATED', 'INDEX_CORRUPT', 'LOCK_STALE']);
  assert.match(find(found.report, 'HOOKS_MISSING')[0]?.message ?? '', /post-commit.*is missing/);
  assert.match(find(found.report, 'HOOKS_OUTDATED')[0]?.message ?? '', /runtime is version 0\.0\.1/);
  assert.match(find(found.report, 'LOCK_STALE')[0]?.message ?? '', /worker\.lock/);
  assert.match(find(found.report, 'INDEX_CORRUPT')[0]?.message ?? '', /corrupt/);
  assert.ok(found.report.diagnostics.every((d) => d.fixable && !d.fixed && d.fixResult === null && d.hint));
  assert.ok(!fs.existsSync(postCommit) && fs.existsSync(staleLock), 'doctor without --fix repaired something');

  const fixed = await doctor(h, ['--fix']);
  assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 2));
  assert.ok(fixed.report.diagnostics.every((d) => d.fixed && d.fixResult), JSON.stringify(fixed.report, null, 2));
  const again = await dx(h, ['doctor']);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /no problems found/);
  // The real effects.
  assert.ok((await modeOf(postCommit)) & 0o100, 'post-commit is back but not executable');
  assert.equal(fs.readFileSync(path.join(dxDir, 'hooks', 'version'), 'utf8').trim(), VERSION);
  assert.ok(!fs.existsSync(staleLock), 'the stale lock is still there');
  assert.ok(fs.existsSync(liveLock), 'doctor removed a live lock');
  const idx = await dxJson<{ entries: Record<string, { sha: string }> }>(h, ['index', 'show']);
  assert.equal(idx.entries['alpha/main']?.sha, sha, 'the rebuilt index lost this host\'s entry');
  const next = await h.commit('after doctor', { 'a.txt': 'two\n' });
  assert.equal(await remoteSha(h.env, remote, wipRefOf('alpha', 'main')), next, 'the restored post-commit hook did not mirror');
  const ledger = fs.readFileSync(path.join(dxDir, 'events.jsonl'), 'utf8');
  for (const code of ['HOOKS_MISSING', 'LOCK_STALE', 'INDEX_CORRUPT']) assert.match(ledger, new RegExp(`"op":"doctor.fix".*"code":"${code}"`));

  // A WIP ref the index does not know (pushed without dx-hooks): INDEX_STALE, a warning; --fix rebuilds.
  await h.git(['push', '-q', 'origin', `${sha}:refs/heads/wip/ghost/main`]);
  const stale = await doctor(h);
  assert.deepEqual([stale.code, stale.report.diagnostics.map((d) => [d.code, d.severity])], [0, [['INDEX_STALE', 'warning']]]);
  assert.match(stale.report.diagnostics[0]?.message ?? '', /refs\/heads\/wip\/ghost\/main has no entry/);
  assert.equal((await doctor(h, ['--fix'])).report.diagnostics[0]?.fixed, true);
  const rebuilt = await dxJson<{ entries: Record<string, { sha: string }> }>(h, ['index', 'show']);
  assert.deepEqual([rebuilt.entries['ghost/main']?.sha, rebuilt.entries['alpha/main']?.sha], [sha, next]);
});

test('husky takes core.hooksPath after install: HOOKS_SHADOWED, and --fix joins husky\'s hook files', async (t) => {
  const { remote, h } = await installedRepo(t, 'husky');
  // The real husky 9 (this package's devDependency), run in the clone as `npx husky` would.
  const husky = await run(process.execPath, [path.join(packageRoot, 'node_modules', 'husky', 'bin.js')], { cwd: h.dir, env: h.env });
  assertOk(husky, 'husky');
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_');
  const wip = wipRefOf('husky', 'main');
  const unseen = await h.commit('under husky', { 'a.txt': 'husky\n' });
  assert.notEqual(await remoteSha(h.env, remote, wip), unseen, 'the commit was mirrored although husky shadows the hooks');

  const found = await doctor(h);
  assert.equal(found.code, 1);
  // The commit made while the hooks were shadowed was never mirrored: doctor says so too (issue 10, class 9).
  assert.deepEqual(codes(found.report), ['HOOKS_SHADOWED', 'WIP_PENDING']);
  assert.match(found.report.diagnostics.find((d) => d.code === 'WIP_PENDING')?.message ?? '', new RegExp(`${unseen.slice(0, 12)} was never queued for backup`));
  assert.match(found.report.diagnostics[0]?.message ?? '', /core\.hooksPath is \.husky\/_/);
  const fixed = await doctor(h, ['--fix']);
  assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 2));
  assert.match(fs.readFileSync(path.join(h.dir, '.husky', 'post-commit'), 'utf8'), /# >>> dx-hooks >>>/);
  assert.ok(fs.existsSync(path.join(h.dir, '.husky', '_', 'reference-transaction')));
  assert.equal((await h.git(['config', 'core.hooksPath'])).out, '.husky/_', 'the fix took core.hooksPath away from husky');
  const seen = await h.commit('mirrored again', { 'a.txt': 'again\n' });
  assert.equal(await remoteSha(h.env, remote, wip), seen, 'the commit after --fix was not mirrored');

  // husky's `_` folder is recreated on a fresh clone: dx-hooks' reference-transaction stub there goes missing.
  fs.rmSync(path.join(h.dir, '.husky', '_', 'reference-transaction'));
  const lost = await doctor(h);
  assert.deepEqual([lost.code, codes(lost.report)], [1, ['HOOKS_SHADOWED']]);
  assert.match(lost.report.diagnostics[0]?.message ?? '', /reference-transaction stub/);
  assert.equal((await doctor(h, ['--fix'])).code, 0);
  assert.ok(fs.existsSync(path.join(h.dir, '.husky', '_', 'reference-transaction')));
  assert.equal((await doctor(h)).code, 0);
});

test('a push the remote rejects stays WIP_PENDING; once the remote accepts again, --fix pushes it', async (t) => {
  const { remote, h } = await installedRepo(t, 'pend');
  const wip = wipRefOf('pend', 'main');
  await rejectPushesTo(remote, [wip], 'WIP refused');
  const sha = await h.commit('not on the remote yet', { 'p.txt': 'pending\n' });
  assert.notEqual(await remoteSha(h.env, remote, wip), sha);

  const found = await doctor(h);
  assert.equal(found.code, 1);
  assert.deepEqual(codes(found.report), ['WIP_PENDING']);
  assert.match(found.report.diagnostics[0]?.message ?? '', new RegExp(`${wip} → ${sha.slice(0, 12)}`));
  const still = await doctor(h, ['--fix']);
  assert.equal(still.code, 1, 'a fix that could not push is not a success');
  assert.deepEqual([still.report.diagnostics[0]?.fixed, /still pending/.test(still.report.diagnostics[0]?.fixResult ?? '')], [false, true], JSON.stringify(still.report));

  fs.rmSync(path.join(remote, 'hooks', 'pre-receive'));
  const fixed = await doctor(h, ['--fix']);
  assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 2));
  assert.equal(fixed.report.diagnostics[0]?.fixed, true);
  assert.equal(await remoteSha(h.env, remote, wip), sha, 'the pending WIP is not on the remote after --fix');
  assert.equal((await doctor(h)).code, 0);
});

test('an invalid .dxrc is CONFIG_INVALID (key, value, what is allowed) and every other check still runs', async (t) => {
  const { h } = await installedRepo(t, 'conf');
  fs.writeFileSync(path.join(h.dir, '.dxrc.json'), JSON.stringify({ wip: { push: 'sometimes' } }));
  fs.rmSync(path.join(h.dir, '.git', 'hooks', 'pre-push'));
  const { code, report } = await doctor(h);
  assert.equal(code, 1);
  assert.deepEqual(codes(report), ['CONFIG_INVALID', 'HOOKS_MISSING']);
  const bad = find(report, 'CONFIG_INVALID')[0];
  assert.match(bad?.message ?? '', /wip\.push/);
  assert.match(bad?.message ?? '', /"sometimes"/);
  assert.match(bad?.message ?? '', /background.*sync.*off/);
  assert.equal(bad?.fixable, false);
  // --fix repairs what does not need the config and leaves the config error standing.
  const fixed = await doctor(h, ['--fix']);
  assert.equal(fixed.code, 1);
  assert.deepEqual(fixed.report.diagnostics.map((d) => [d.code, d.fixed]).sort(), [['CONFIG_INVALID', false], ['HOOKS_MISSING', true]]);
  assert.ok(fs.existsSync(path.join(h.dir, '.git', 'hooks', 'pre-push')));
});

test('an unreachable remote is REMOTE_UNREACHABLE; a repository without a remote is only a warning', async (t) => {
  const { sb, h } = await installedRepo(t, 'net');
  await h.git(['remote', 'set-url', 'origin', await unreachableUrl()]);
  const { code, report } = await doctor(h, [], { DX_NETWORK_TIMEOUT_MS: '5000' });
  assert.equal(code, 1);
  assert.deepEqual(codes(report), ['REMOTE_UNREACHABLE']);
  assert.match(report.diagnostics[0]?.message ?? '', /cannot reach the WIP remote "origin"/);
  assert.equal(report.diagnostics[0]?.fixable, false);

  // A remote that accepts the connection and never answers: doctor's probe gives up after DX_NETWORK_TIMEOUT_MS.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((sock) => sockets.add(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const sock of sockets) sock.destroy();
    silent.close();
  });
  await h.git(['remote', 'set-url', 'origin', `git://127.0.0.1:${(silent.address() as net.AddressInfo).port}/hang.git`]);
  const started = Date.now();
  const hung = await doctor(h, [], { DX_NETWORK_TIMEOUT_MS: '1500' });
  assert.ok(Date.now() - started < 15_000, `doctor took ${Date.now() - started} ms against a silent remote`);
  assert.deepEqual([hung.code, codes(hung.report)], [1, ['REMOTE_UNREACHABLE']]);
  assert.match(hung.report.diagnostics[0]?.message ?? '', /no answer within 1500 ms/);

  const lone = await initRepo(sb, 'lone', 'lone');
  assertOk(await dx(lone, ['install']), 'install without a remote');
  const r = await doctor(lone);
  assert.equal(r.code, 0, JSON.stringify(r.report, null, 2));
  assert.deepEqual(r.report.diagnostics.map((d) => [d.code, d.severity]), [['REMOTE_UNREACHABLE', 'warning']]);
  assert.match(r.report.diagnostics[0]?.hint ?? '', /git remote add/);
});

test('a missing critical file is CRITICAL_MISSING, and --fix brings it back with its exec bit', async (t) => {
  const { h } = await installedRepo(t, 'crit');
  const deploy = path.join(h.dir, 'tools', 'deploy.sh');
  await h.commit('critical file', {
    '.dxrc.json': JSON.stringify({ wip: { push: 'sync' }, guard: { critical: [{ path: 'tools/deploy.sh', executable: true }] } }, null, 2) + '\n',
    'tools/deploy.sh': '#!/bin/sh\necho deploy\n',
  });
  fs.chmodSync(deploy, 0o755);
  await h.git(['add', 'tools/deploy.sh']);
  await h.git(['commit', '-qm', 'deploy is executable']);
  assert.equal((await doctor(h)).code, 0);
  fs.rmSync(deploy);
  const found = await doctor(h);
  assert.equal(found.code, 1);
  assert.deepEqual(codes(found.report), ['CRITICAL_MISSING']);
  assert.match(found.report.diagnostics[0]?.message ?? '', /tools\/deploy\.sh/);
  const fixed = await doctor(h, ['--fix']);
  assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 2));
  assert.equal(fs.readFileSync(deploy, 'utf8'), '#!/bin/sh\necho deploy\n');
  assert.ok((await modeOf(deploy)) & 0o100, 'deploy.sh came back without its exec bit');
  assert.equal((await doctor(h)).code, 0);
});
