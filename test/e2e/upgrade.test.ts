// e2e, issue 11 point 6: an upgrade never crashes on what the previous release left behind. The
// files of test/fixtures/release-7ad265b (written by that release: caches, state, ledger, manifest,
// guard state, the machine config, a batch progress file, its hook runtime) replace this version's
// in an installed repository; every command must still work and a commit must still be mirrored.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, lsRemote, packageRoot, seedRemote, type Host } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

const FIXTURES = path.join(packageRoot, 'test', 'fixtures', 'release-7ad265b');
const SEARCH_PLACES = ['package.json', '.dxrc', '.dxrc.json', '.dxrc.yaml', '.dxrc.yml', 'dx.config.js', 'dx.config.cjs', 'dx.config.mjs'];

/** The config stamp as config/load.ts computes it, so the old cache is a hit for the old code. */
function stampOf(top: string): string {
  return SEARCH_PLACES.filter((p) => fs.existsSync(path.join(top, p)))
    .map((p) => {
      const st = fs.statSync(path.join(top, p));
      return `${p}:${st.mtimeMs}:${st.size}`;
    })
    .join('|');
}

/** Copy every fixture file below `from` to the same relative path below `to`, filling the placeholders. */
function plant(from: string, to: string, vars: Record<string, string>): string[] {
  const planted: string[] = [];
  for (const e of fs.readdirSync(from, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const src = path.join(e.parentPath, e.name);
    const dest = path.join(to, path.relative(from, src));
    let text = fs.readFileSync(src, 'utf8');
    for (const [k, v] of Object.entries(vars)) text = text.split(k).join(v);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, text); // an existing file keeps its mode (the runtime stays executable)
    planted.push(dest);
  }
  return planted;
}

const noCrash = (r: { code: number; stderr: string }, what: string) => {
  assert.doesNotMatch(r.stderr, /internal error|TypeError|Cannot read properties/, `${what} crashed: ${r.stderr}`);
  assert.notEqual(r.code, 2, `${what} exited 2: ${r.stderr}`);
};

test("an upgrade over the previous release's files: every command and hook still works, the stale config cache is rebuilt", async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h: Host = await cloneAs(sb, remote, 'oldhost');
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'sync';
  await h.write('.dxrc.json', '{ "protect": { "paths": ["tools/**"] }, "guard": { "critical": [{ "path": "tools/deploy.sh", "executable": true }] } }\n');
  await h.write('tools/deploy.sh', '#!/bin/sh\n');
  fs.chmodSync(path.join(h.dir, 'tools/deploy.sh'), 0o755);
  await h.git(['add', '-A']);
  await h.git(['commit', '--quiet', '-m', 'tools']);
  await h.git(['push', '--quiet', 'origin', 'main']);
  assert.equal((await dx(h, ['install'])).code, 0);
  const last = await h.commit('mirrored', { 'a.txt': 'a\n' });
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/oldhost/main'), last);
  // A commit the old release could not push (its state.json keeps it pending).
  await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['commit', '--quiet', '--allow-empty', '-m', 'pending under the old release']);
  const pending = (await h.git(['rev-parse', 'HEAD'])).out;
  await idle(h);

  const dxDir = path.join(h.dir, '.git', 'dx');
  const vars = { '@TOP@': h.dir, '@STAMP@': stampOf(h.dir), '@LAST@': last, '@PENDING@': pending };
  plant(path.join(FIXTURES, 'dx'), dxDir, vars);
  plant(path.join(FIXTURES, 'xdg', 'config'), String(h.env.XDG_CONFIG_HOME), vars);
  plant(path.join(FIXTURES, 'xdg', 'state'), String(h.env.XDG_STATE_HOME), vars);
  // The release's cache format (v1: no schema id) holding a config from before a key this version
  // reads existed: the old reader trusted it and every command crashed on the missing key.
  const cacheFile = path.join(dxDir, 'config-cache.json');
  const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { v: number; config: Record<string, unknown> };
  delete cache.config.guard;
  delete cache.config.divergence;
  fs.writeFileSync(cacheFile, JSON.stringify(cache));

  const traced = await dx(h, ['status', '--json'], { env: { DX_DEBUG: '1' } });
  noCrash(traced, 'status');
  assert.match(traced.stderr, /config-cache\.json was written by another dx-hooks version/, 'DX_DEBUG does not say the cache was rebuilt');
  const status = JSON.parse(traced.stdout) as { host: string; pending: unknown[] };
  assert.equal(status.host, 'oldhost');
  // The old release's pending push is read and retried by the command (it retries what is pending).
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/oldhost/main'), pending, "the old release's pending push was not retried");
  const rebuilt = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { v: number; schema?: string; config: Record<string, unknown> };
  assert.equal(rebuilt.v, 2);
  assert.ok(rebuilt.schema && 'guard' in rebuilt.config, 'the cache was not rebuilt with this version\'s schema');

  const out: Record<string, string> = {};
  for (const args of [['guard'], ['doctor', '--json'], ['log', '--json'], ['undo', '--list'], ['checkpoint', 'list'], ['status', '--repos', '--json']]) {
    const r = await dx(h, args);
    noCrash(r, args.join(' '));
    out[args[0] as string] = r.stdout;
  }
  const doctor = JSON.parse(out.doctor as string) as { diagnostics?: { code: string }[] } | { code: string }[];
  const codes = (Array.isArray(doctor) ? doctor : (doctor.diagnostics ?? [])).map((d) => d.code);
  assert.ok(codes.includes('HOOKS_OUTDATED'), `doctor does not name the old runtime: ${codes.join(', ')}`);
  assert.ok(!codes.includes('DOCTOR_CHECK_FAILED') && !codes.includes('BATCH_PROGRESS_CORRUPT'), `doctor: ${codes.join(', ')}`);
  const log = JSON.parse(out.log as string) as { invalid: number; events: { op: string }[] };
  assert.equal(log.invalid, 0, "the old release's ledger lines do not parse");
  assert.ok(log.events.some((e) => e.op === 'checkpoint.create'));

  // The old release's hook runtime, now starting this version's CLI: a commit is still mirrored
  // (with the pending one it carries).
  const head = await h.commit('after the upgrade', { 'b.txt': 'b\n' });
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/oldhost/main'), head, 'the commit after the upgrade was not mirrored');
  const after = JSON.parse((await dx(h, ['status', '--json'])).stdout) as { pending: unknown[] };
  assert.deepEqual(after.pending, [], 'the pending push stays pending');

  // While the old runtime is installed, this version keeps the caches it reads, in their careful form:
  // a protected path's deletion is still refused (under dash, a removed cache made it skip the check).
  assert.equal(fs.readFileSync(path.join(dxDir, 'protect'), 'utf8'), '1\n');
  assert.equal(fs.existsSync(path.join(dxDir, 'protect-head')), false, 'an old runtime could trust "nothing protected"');
  await h.git(['rm', '-q', 'tools/deploy.sh']);
  const refused = await h.git(['commit', '-q', '-m', 'drop the protected script'], { allowFail: true });
  assert.equal(refused.code, 1, `the old runtime let a protected deletion through: ${refused.stderr}`);
  await h.git(['reset', '-q', '--hard', 'HEAD']);
  // Re-installed: this version's runtime reads the hook state, and the old caches are gone.
  assert.equal((await dx(h, ['install'])).code, 0);
  for (const f of ['push-mode', 'protect', 'protect-list', 'divergence', 'critical-list']) assert.equal(fs.existsSync(path.join(dxDir, f)), false, `${f} left behind`);
  assert.ok(fs.existsSync(path.join(dxDir, 'hook-state')));
});
