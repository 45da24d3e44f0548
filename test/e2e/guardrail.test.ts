// The guardrail (issue 5) through the built CLI with the hooks installed: a critical file deleted by
// each route — plain rm, `git checkout .` after a commit that removed it, an rsync-like overwrite
// of its directory, a checkpoint restore — or stripped of its exec bit is reported (exit 1) and
// logged exactly once however often the guard and the hooks run; `--repair` brings back the
// committed bytes and mode (snapshot first, ledger line, undoable); `dx-hooks rollback` removes
// nothing. And bad input: every wrong `guard` value is exit 2, naming it, with nothing written anywhere.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { GuardReport } from '../../src/core/guardrail/run.ts';
import { readTelemetry } from '../../src/core/guardrail/telemetry.ts';
import { installHooks, cloneAs, hookStateFile, readHookStateFile, createBareRemote, dx, dxJson, run, seedRemote, waitFor, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

const CRITICAL = 'tools/deploy.sh';
const DEPLOY = '#!/bin/sh\n# deploys the app\nset -eu\necho "deploying $1"\n';
const DXRC = { guard: { critical: [{ path: CRITICAL, executable: true }] } };

/**
 * A clone whose main has .dxrc.json (the critical deploy script), tools/deploy.sh (755, unless
 * `withScript` is false), tools/lib.sh and app.txt; dx-hooks installed, WIP push off. Cleanup waits
 * for the hooks' background runs first.
 */
async function setup(t: TestContext, opts: { withScript?: boolean } = {}): Promise<{ sb: Sandbox; h: Host; base: string }> {
  const { sb, hosts: hs } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'guardian');
  hs.push(h);
  h.env.DX_WIP_PUSH = 'off';
  await h.write('.dxrc.json', JSON.stringify(DXRC, null, 2) + '\n');
  await h.write('tools/lib.sh', 'helper() { :; }\n');
  await h.write('app.txt', 'app v1\n');
  if (opts.withScript !== false) {
    await h.write(CRITICAL, DEPLOY);
    fs.chmodSync(path.join(h.dir, CRITICAL), 0o755);
  }
  const base = await h.commit('critical deploy script');
  await installHooks(h);
  assert.deepEqual(readHookStateFile(hookStateFile(h.dir)).critical, [{ kind: 'x', path: CRITICAL }], 'install wrote the hooks\' list');
  return { sb, h, base };
}

const at = (h: Host, rel: string) => path.join(h.dir, rel);
const telemetry = (h: Host) => {
  const r = readTelemetry(at(h, '.git/dx/telemetry.jsonl'));
  assert.equal(r.invalid, 0, 'every telemetry line is whole and valid');
  return r.events;
};
const count = (h: Host, rel: string, event: string) => telemetry(h).filter((e) => e.path === rel && e.event === event).length;
const ledger = (h: Host) => fs.readFileSync(at(h, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; op: string; ok: boolean; paths?: string[]; detail?: Record<string, unknown> });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const modeOf = (h: Host, rel: string) => fs.statSync(at(h, rel)).mode & 0o777;

/**
 * `dx-hooks guard` exits 1 naming `rel` and the fix, and the telemetry holds exactly ONE line for the
 * drift — after this run, after a hook fired (a file checkout runs post-checkout, whose cheap guard
 * names the file and starts a logging run in the background), and after two more runs.
 */
async function assertLoggedOnce(h: Host, rel: string, event: 'critical_missing' | 'critical_not_executable'): Promise<void> {
  const r = await dx(h, ['guard']);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`✖ critical ${esc(rel)}: ${event === 'critical_missing' ? 'missing from the work tree' : 'not executable \\(mode 644\\)'}`));
  assert.match(r.stderr, new RegExp(`dx-hooks guard --repair +history: dx-hooks diagnose ${esc(rel)}`));
  await idle(h);
  assert.equal(count(h, rel, event), 1, 'one line after the first run');
  const hook = await h.git(['checkout', '-q', '--', 'app.txt']);
  assert.match(hook.stderr, new RegExp(`dx-hooks: critical file ${esc(rel)} (is missing from the work tree|lost its exec bit)`), 'post-checkout names the file');
  assert.match(hook.stderr, /dx-hooks guard --repair/, 'and the fix');
  await idle(h);
  assert.equal(count(h, rel, event), 1, 'still one line after the hook\'s background run');
  for (let i = 0; i < 2; i++) assert.equal((await dx(h, ['guard'])).code, 1);
  await idle(h);
  assert.equal(count(h, rel, event), 1, 'still one line after two more runs');
  assert.equal(telemetry(h).length, 1, 'and no other line');
}

/**
 * `--repair` brings back `rel` byte for byte as in `rev` with mode 755, exits 0, logs
 * critical_restored and a guard.repair ledger line, and leaves other work alone; `dx-hooks undo`
 * puts the work tree back as it was before the repair. Returns the report.
 */
async function assertRepaired(h: Host, rel: string, rev: string, action: 'restored' | 'chmod', was: string): Promise<GuardReport> {
  await h.write('app.txt', 'uncommitted work\n');
  const beforeLines = telemetry(h).length;
  const wasThere = fs.existsSync(at(h, rel));
  const r = await dx(h, ['guard', '--repair', '--json']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const rep = JSON.parse(r.stdout) as GuardReport;
  assert.equal(rep.healthy, true);
  assert.deepEqual(rep.repaired.map((x) => [x.path, x.action]), [[rel, action]]);
  const committed = await run('git', ['cat-file', 'blob', `${rev}:${rel}`], { cwd: h.dir, env: h.env });
  assert.equal(fs.readFileSync(at(h, rel), 'utf8'), committed.stdout, 'the committed bytes');
  assert.equal(modeOf(h, rel), 0o755, 'and the exec bit');
  const lines = telemetry(h).slice(beforeLines);
  assert.deepEqual(lines.map((e) => [e.event, e.path, e.operation, e.detail?.was]), [['critical_restored', rel, `guard.repair ${rep.event}`, was]]);
  const entry = ledger(h).find((e) => e.id === rep.event);
  assert.ok(entry, 'a ledger line');
  assert.deepEqual([entry.op, entry.ok, entry.paths, entry.detail?.snapshot], ['guard.repair', true, [rel], rep.snapshot]);
  assert.equal(fs.existsSync(at(h, '.git/dx/guard-state.json')), false);
  const healthy = await dx(h, ['guard']);
  assert.equal(healthy.code, 0, healthy.stderr);
  assert.equal(telemetry(h).length, beforeLines + 1, 'a healthy run after the repair writes nothing');
  assert.equal(fs.readFileSync(at(h, 'app.txt'), 'utf8'), 'uncommitted work\n', 'other work untouched');

  const u = await dx(h, ['undo']);
  assert.equal(u.code, 0, `${u.stdout}\n${u.stderr}`);
  assert.match(u.stdout, new RegExp(`undid guard\\.repair ${rep.event}`));
  assert.equal(fs.existsSync(at(h, rel)), wasThere, 'undo puts the work tree back as before the repair');
  if (wasThere) assert.equal(modeOf(h, rel), 0o644);
  assert.equal(fs.readFileSync(at(h, 'app.txt'), 'utf8'), 'uncommitted work\n', 'the uncommitted work survives the repair and its undo');
  await idle(h);
  return rep;
}

test('plain rm: exit 1, one telemetry line (with the commit that last touched it) however often guard and hooks run; --repair from HEAD; undo', async (t) => {
  const { h, base } = await setup(t);
  fs.rmSync(at(h, CRITICAL));
  await assertLoggedOnce(h, CRITICAL, 'critical_missing');
  const [line] = telemetry(h);
  assert.deepEqual([line?.host, line?.entry, line?.commit, line?.operation, line?.detail?.reason], ['guardian', CRITICAL, base, null, 'missing from the work tree']);
  assert.ok(Math.abs(line!.ts - Date.now() / 1000) < 120);
  const rep = await assertRepaired(h, CRITICAL, 'HEAD', 'restored', 'critical_missing');
  assert.equal(rep.repaired[0]?.from, 'HEAD');
});

test('a commit removed it, then `git checkout .`: the hook logs it once; --repair restores it from the parent of that commit', async (t) => {
  const { h, base } = await setup(t);
  await h.git(['rm', '-q', CRITICAL]);
  await h.commit('remove the deploy script');
  const removal = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.write('app.txt', 'edited\n');
  const co = await h.git(['checkout', '.']);
  assert.match(co.stderr, new RegExp(`critical file ${esc(CRITICAL)} is missing from the work tree - bring it back: dx-hooks guard --repair \\(history: dx-hooks diagnose ${esc(CRITICAL)}\\)`));
  await waitFor(async () => count(h, CRITICAL, 'critical_missing') === 1, { what: 'the hook\'s background run to log the drift' });
  await assertLoggedOnce(h, CRITICAL, 'critical_missing');
  assert.equal(telemetry(h)[0]?.commit, removal, 'the commit that removed it');
  const rep = await assertRepaired(h, CRITICAL, base, 'restored', 'critical_missing');
  assert.equal(rep.repaired[0]?.from, `${removal.slice(0, 12)}^ (the parent of the commit that deleted it)`);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, removal, 'HEAD untouched');
});

test('an rsync-like overwrite of the directory: one line; --repair restores only the critical file, the new contents stay', async (t) => {
  const { sb, h } = await setup(t);
  const staging = sb.tmp('staging');
  fs.mkdirSync(staging);
  fs.writeFileSync(path.join(staging, 'lib.sh'), 'helper() { echo v2; }\n');
  fs.writeFileSync(path.join(staging, 'new-tool.sh'), 'new\n');
  const rsync = await run('sh', ['-c', 'command -v rsync'], { cwd: h.dir, env: h.env });
  if (rsync.code === 0) {
    const r = await run('rsync', ['-a', '--delete', `${staging}/`, `${at(h, 'tools')}/`], { cwd: h.dir, env: h.env });
    assert.equal(r.code, 0, r.stderr);
  } else {
    // No rsync here: what `rsync --delete` amounts to — the directory replaced by the staging copy.
    fs.rmSync(at(h, 'tools'), { recursive: true });
    fs.cpSync(staging, at(h, 'tools'), { recursive: true });
  }
  assert.equal(fs.existsSync(at(h, CRITICAL)), false);
  await assertLoggedOnce(h, CRITICAL, 'critical_missing');
  await assertRepaired(h, CRITICAL, 'HEAD', 'restored', 'critical_missing');
  assert.equal(fs.readFileSync(at(h, 'tools/lib.sh'), 'utf8'), 'helper() { echo v2; }\n', 'the synced files are kept');
  assert.equal(fs.readFileSync(at(h, 'tools/new-tool.sh'), 'utf8'), 'new\n');
});

test('a lost exec bit: critical_not_executable once; --repair sets it back (content untouched); undo', async (t) => {
  const { h } = await setup(t);
  fs.chmodSync(at(h, CRITICAL), 0o644);
  await assertLoggedOnce(h, CRITICAL, 'critical_not_executable');
  const rep = await assertRepaired(h, CRITICAL, 'HEAD', 'chmod', 'critical_not_executable');
  assert.equal(rep.repaired[0]?.from, 'chmod +x');
});

test('dx-hooks checkpoint restore to before the file existed: logged once, naming the restore; --repair finds it on the kept ref; rollback removes nothing', async (t) => {
  const { h } = await setup(t, { withScript: false });
  const cp = await dx(h, ['checkpoint', 'create', 'before-deploy']);
  assert.equal(cp.code, 0, cp.stderr);
  await h.write(CRITICAL, DEPLOY);
  fs.chmodSync(at(h, CRITICAL), 0o755);
  const added = await h.commit('add the deploy script');
  assert.equal((await dx(h, ['guard'])).code, 0);

  // rollback keeps the rolled-back commits' changes staged: the file stays, the guard stays quiet.
  const rb = await dx(h, ['rollback', '1']);
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(modeOf(h, CRITICAL), 0o755);
  assert.deepEqual((await h.git(['diff', '--cached', '--name-only'])).out.split('\n'), [CRITICAL]);
  assert.equal((await dx(h, ['guard'])).code, 0);
  assert.equal((await dx(h, ['undo'])).code, 0);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, added);
  await idle(h);
  assert.equal(fs.existsSync(at(h, '.git/dx/telemetry.jsonl')), false, 'nothing logged');

  const restore = await dxJson<{ id: string }>(h, ['checkpoint', 'restore', 'before-deploy']);
  assert.equal(fs.existsSync(at(h, CRITICAL)), false);
  await assertLoggedOnce(h, CRITICAL, 'critical_missing');
  assert.equal(telemetry(h)[0]?.operation, `checkpoint.restore ${restore.id}`, 'the operation that removed it');
  const rep = await assertRepaired(h, CRITICAL, added, 'restored', 'critical_missing');
  // HEAD never had it now: the newest commit that did is a snapshot kept reachable under refs/dx/undo/<an operation id>.
  assert.match(rep.repaired[0]!.from, /^[0-9a-f]{12} \(dx\/undo\/\d+-[0-9a-f]{6}\)$/);
});

test('bad input: each wrong guard value is exit 2 naming the key and value; nothing is written, in the repository or outside it', async (t) => {
  const { sb, h } = await setup(t);
  fs.rmSync(at(h, CRITICAL)); // a drift the guard would log, were the config valid
  const outside = sb.tmp('outside');
  const passwd = fs.existsSync('/etc/passwd') ? fs.statSync('/etc/passwd').mtimeMs : null;
  const cases: [unknown, RegExp][] = [
    [{ critical: CRITICAL }, /guard\.critical: .*expected array.*\(got "tools\/deploy\.sh"\)/],
    [{ critical: [{ path: CRITICAL, bogus: true }] }, /guard\.critical\.0: Unrecognized key: "bogus"/],
    [{ critical: [{ path: 'scripts/*.sh', minCount: 0 }] }, /guard\.critical\.0\.minCount: Too small.*\(got 0\)/],
    [{ critical: [{ path: 'scripts/*.sh', minCount: -1 }] }, /guard\.critical\.0\.minCount: Too small.*\(got -1\)/],
    [{ critical: [{ path: 'scripts/*.sh', minCount: '3' }] }, /guard\.critical\.0\.minCount: Invalid input: expected number, received string \(got "3"\)/],
    [{ critical: [{ path: CRITICAL, executable: 'yes' }] }, /guard\.critical\.0\.executable: Invalid input: expected boolean, received string \(got "yes"\)/],
    [{ critical: ['/etc/passwd'] }, /guard\.critical\.0: expected a path relative to the repository top, not an absolute path \(got "\/etc\/passwd"\)/],
    [{ critical: ['../../etc/passwd'] }, /guard\.critical\.0: expected a path inside the repository: "\.\." is not allowed \(got "\.\.\/\.\.\/etc\/passwd"\)/],
    [{ critical: [{ path: '../../etc/passwd', executable: true }] }, /guard\.critical\.0\.path: .*"\.\." is not allowed \(got "\.\.\/\.\.\/etc\/passwd"\)/],
    [{ critical: [CRITICAL], telemetry: path.join(outside, 'abs.jsonl') }, new RegExp(`guard\\.telemetry: expected a path relative to the repository top, not an absolute path \\(got "${esc(outside)}/abs\\.jsonl"\\)`)],
    [{ critical: [CRITICAL], telemetry: '../outside/rel.jsonl' }, /guard\.telemetry: .*"\.\." is not allowed \(got "\.\.\/outside\/rel\.jsonl"\)/],
    [{ critical: [CRITICAL], bogus: 1 }, /guard: Unrecognized key: "bogus"/],
  ];
  const dxDir = fs.readdirSync(at(h, '.git/dx')).sort();
  const rootBefore = fs.readdirSync(sb.root);
  for (const [guard, message] of cases) {
    await h.write('.dxrc.json', JSON.stringify({ guard }) + '\n');
    for (const args of [['guard'], ['guard', '--repair', '--json']]) {
      const r = await dx(h, args);
      assert.equal(r.code, 2, `${JSON.stringify(guard)} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, JSON.stringify(guard));
      assert.match(r.stderr, /\.dxrc\.json is invalid/);
    }
  }
  // A telemetry path inside the repository by its name, but through a symlinked directory pointing outside.
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, at(h, 'logs'));
  await h.write('.dxrc.json', JSON.stringify({ guard: { critical: [CRITICAL], telemetry: 'logs/telemetry.jsonl' } }) + '\n');
  const viaLink = await dx(h, ['guard']);
  assert.equal(viaLink.code, 2, viaLink.stderr);
  assert.match(viaLink.stderr, new RegExp(`guard\\.telemetry "logs/telemetry\\.jsonl" goes through the symbolic link "logs" \\(to "${esc(outside)}"\\)`));
  // ... even when everything is healthy (the check comes first).
  await run('git', ['checkout', '--', CRITICAL], { cwd: h.dir, env: { ...h.env, DX_HOOKS: '0' } });
  assert.equal((await dx(h, ['guard'])).code, 2);

  await idle(h);
  assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside the repository');
  assert.equal(fs.existsSync(at(h, '.git/dx/telemetry.jsonl')), false);
  assert.equal(fs.existsSync(at(h, '.git/dx/guard-state.json')), false);
  assert.deepEqual(fs.readdirSync(at(h, '.git/dx')).filter((f) => !dxDir.includes(f)), [], 'no new file in .git/dx');
  if (passwd !== null) assert.equal(fs.statSync('/etc/passwd').mtimeMs, passwd);
  assert.deepEqual(fs.readdirSync(sb.root).sort(), [...rootBefore, 'outside'].sort(), 'no new file next to the repository');
});
