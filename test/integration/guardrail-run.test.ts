// The guard's core against real repositories, in-process (runGuard / checkCritical on a real session):
// globs (a tracked match deleted is named, below minCount the glob is reported), things that are
// not regular files, each drift logged ONCE whatever happens to the telemetry and state files, a
// healthy repository left byte for byte as it was over 100 runs, and where --repair finds a file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DxConfig } from '../../src/core/config/schema.ts';
import { appendLedger } from '../../src/core/ledger.ts';
import { openSession } from '../../src/core/session.ts';
import { checkCritical } from '../../src/core/guardrail/check.ts';
import { runGuard } from '../../src/core/guardrail/run.ts';
import { readTelemetry } from '../../src/core/guardrail/telemetry.ts';
import { installHooks, dx, initRepo, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';
import { diffTrees, snapshotTree } from '../e2e/_e2e.ts';

/** In-process git and the machine config must see the sandbox, exactly like a spawned CLI. */
function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

/** A repository with `files` committed (`exec` ones with mode 755) and `guard` as its .dxrc. */
async function repo(t: TestContext, guard: DxConfig['guard'], files: Record<string, string>, exec: string[] = []): Promise<{ sb: Sandbox; h: Host }> {
  const sb = await withSandbox(t);
  pin(sb, 'guardian');
  const h = await initRepo(sb, 'repo', 'guardian');
  for (const [rel, text] of Object.entries(files)) await h.write(rel, text);
  for (const rel of exec) fs.chmodSync(path.join(h.dir, rel), 0o755);
  await h.write('.dxrc.json', JSON.stringify({ guard }, null, 2) + '\n');
  await h.commit('base');
  return { sb, h };
}

const at = (h: Host, rel: string) => path.join(h.dir, rel);
const telemetryOf = (h: Host) => readTelemetry(at(h, '.git/dx/telemetry.jsonl'));
const stateFile = (h: Host) => at(h, '.git/dx/guard-state.json');
const brief = (drifts: { path: string; entry: string; event: string }[]) => drifts.map((d) => `${d.event} ${d.path} (${d.entry})`);

test('globs: a tracked match deleted is named; lost exec bits per file; below minCount the glob is reported; untracked matches count', async (t) => {
  const { h } = await repo(t, { critical: [{ path: 'scripts/*.sh', minCount: 2, executable: true }, 'scripts/a.sh'], telemetry: null }, {
    'scripts/a.sh': '#!/bin/sh\necho a\n', 'scripts/b.sh': '#!/bin/sh\necho b\n', 'scripts/c.sh': '#!/bin/sh\necho c\n', 'scripts/README': 'not a script\n',
  }, ['scripts/a.sh', 'scripts/b.sh', 'scripts/c.sh']);
  const s = await openSession(h.dir);
  assert.deepEqual(await checkCritical(s), []);

  fs.rmSync(at(h, 'scripts/b.sh'));
  fs.chmodSync(at(h, 'scripts/c.sh'), 0o644);
  const drifts = await checkCritical(s);
  // Two files still match (a, c): enough for minCount, but the tracked b.sh the glob lost is named.
  assert.deepEqual(brief(drifts), ['critical_not_executable scripts/c.sh (scripts/*.sh)', 'critical_missing scripts/b.sh (scripts/*.sh)']);
  assert.match(drifts[0]!.reason, /not executable \(mode 644\)/);

  // Committed away: HEAD lacks b.sh and c.sh, so nothing is "lost" — but one match is below minCount 2.
  await h.git(['rm', '-qf', 'scripts/b.sh', 'scripts/c.sh']);
  await h.git(['commit', '-qm', 'drop two scripts']);
  const below = await checkCritical(s);
  assert.deepEqual(brief(below), ['critical_missing scripts/*.sh (scripts/*.sh)']);
  assert.match(below[0]!.reason, /matches 1 file\(s\); at least 2 expected \(minCount\)/);
  const r = await runGuard(s, { repair: true });
  assert.equal(r.healthy, false);
  assert.deepEqual(r.repaired.map((x) => [x.path, x.action]), [['scripts/*.sh', 'failed']], 'a glob has no file to restore');
  assert.equal(r.event, null, 'nothing fixable: no snapshot, no ledger line');

  // An untracked executable match counts: healthy again, and the glob's drift is logged as restored.
  await h.write('scripts/new.sh', '#!/bin/sh\n');
  fs.chmodSync(at(h, 'scripts/new.sh'), 0o755);
  const again = await runGuard(s);
  assert.equal(again.healthy, true);
  assert.deepEqual(telemetryOf(h).events.map((e) => `${e.event} ${e.path}`), ['critical_missing scripts/*.sh', 'critical_restored scripts/*.sh']);
  assert.equal(fs.existsSync(stateFile(h)), false);
});

test('not a regular file: a directory where a file should be and a dangling symlink are drifts; --repair moves nothing out of the way', async (t) => {
  const { h } = await repo(t, { critical: ['config/app.json', { path: 'tools/run', executable: true }, 'tools/link', { path: 'bin/*', minCount: 3 }], telemetry: null }, {
    'config/app.json': '{"port": 1}\n', 'tools/run': '#!/bin/sh\n', 'tools/target.txt': 'target\n', 'bin/x': 'x\n', 'bin/y': 'y\n',
  }, ['tools/run']);
  fs.symlinkSync('target.txt', at(h, 'tools/link'));
  const s = await openSession(h.dir);
  const first = await checkCritical(s);
  assert.deepEqual(brief(first), ['critical_missing bin/* (bin/*)'], 'a symlink to a regular file is fine; 2 files are below minCount 3');

  fs.rmSync(at(h, 'config/app.json'));
  fs.mkdirSync(at(h, 'config/app.json'));
  fs.writeFileSync(at(h, 'config/app.json/keep.txt'), 'someone\'s work\n');
  fs.rmSync(at(h, 'tools/run'));
  fs.symlinkSync('no-such-file', at(h, 'tools/run'));
  const drifts = await checkCritical(s);
  assert.deepEqual(drifts.map((d) => `${d.path}: ${d.reason}`), [
    'config/app.json: a directory, not a regular file',
    'tools/run: a symlink to nothing',
    'bin/*: matches 2 file(s); at least 3 expected (minCount)',
  ]);
  const r = await runGuard(s, { repair: true });
  assert.equal(r.healthy, false);
  assert.deepEqual(r.repaired.map((x) => [x.path, x.action]).sort(), [['bin/*', 'failed'], ['config/app.json', 'failed'], ['tools/run', 'failed']]);
  assert.match(r.repaired.find((x) => x.path === 'config/app.json')!.error!, /not a regular file is at config\/app\.json: move it away/);
  assert.equal(fs.readFileSync(at(h, 'config/app.json/keep.txt'), 'utf8'), 'someone\'s work\n', 'the directory and its file are untouched');
  assert.equal(fs.readlinkSync(at(h, 'tools/run')), 'no-such-file');
  assert.equal(telemetryOf(h).events.filter((e) => e.event === 'critical_missing').length, 3, 'each drift logged once');
  assert.equal(telemetryOf(h).events.filter((e) => e.event === 'critical_restored').length, 0);
});

test('a healthy repository writes nothing over 100 consecutive runs (95 in-process, 5 through the CLI)', async (t) => {
  const { h } = await repo(t, { critical: [{ path: 'tools/deploy.sh', executable: true }, 'README.md', { path: 'scripts/*.sh', minCount: 2 }], telemetry: null }, {
    'tools/deploy.sh': '#!/bin/sh\necho deploy\n', 'README.md': 'readme\n', 'scripts/a.sh': 'a\n', 'scripts/b.sh': 'b\n',
  }, ['tools/deploy.sh']);
  await installHooks(h);
  // One warm-up run writes the config cache if it is stale; from then on nothing may change.
  assert.equal((await dx(h, ['guard'])).code, 0);
  const events = at(h, '.git/dx/events.jsonl');
  const before = await snapshotTree(h.dir);
  const eventsMtime = fs.statSync(events).mtimeMs;
  for (let i = 0; i < 95; i++) {
    const s = await openSession(h.dir);
    const r = await runGuard(s);
    assert.equal(r.healthy, true, `run ${i}`);
    assert.deepEqual([r.drifts, r.found, r.logged, r.repaired], [[], [], [], []], `run ${i}`);
  }
  for (let i = 0; i < 5; i++) {
    const r = await dx(h, ['guard']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 critical entries in place/);
    assert.equal(r.stderr, '');
  }
  assert.deepEqual(diffTrees(before, await snapshotTree(h.dir)), [], 'not a byte, mode or file changed, in the work tree or .git');
  assert.equal(fs.existsSync(at(h, '.git/dx/telemetry.jsonl')), false);
  assert.equal(fs.existsSync(stateFile(h)), false);
  assert.equal(fs.statSync(events).mtimeMs, eventsMtime, 'the ledger was not even rewritten');
});

test('each drift is logged once: again after a torn telemetry line, once more after a corrupt state file, and restored drifts once', async (t) => {
  const { h } = await repo(t, { critical: [{ path: 'tools/deploy.sh', executable: true }, { path: 'tools/lib.sh', executable: true }], telemetry: null }, {
    'tools/deploy.sh': '#!/bin/sh\necho deploy\n', 'tools/lib.sh': '#!/bin/sh\n',
  }, ['tools/deploy.sh', 'tools/lib.sh']);
  const s = await openSession(h.dir);
  const file = at(h, '.git/dx/telemetry.jsonl');
  fs.rmSync(at(h, 'tools/deploy.sh'));
  assert.equal((await runGuard(s, { now: 1000 })).logged.length, 1);
  for (let i = 0; i < 3; i++) assert.equal((await runGuard(s, { now: 1001 + i })).logged.length, 0, 'the same drift is not logged again');

  // A writer killed mid-line: half a JSON object, no newline.
  fs.appendFileSync(file, '{"ts":1002,"host":"killed","event":"critical_missing","pa');
  fs.chmodSync(at(h, 'tools/lib.sh'), 0o644);
  const r = await runGuard(s, { now: 1010 });
  assert.deepEqual(r.logged.map((e) => `${e.event} ${e.path}`), ['critical_not_executable tools/lib.sh']);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.at(-1), '', 'the file ends with a newline');
  assert.equal((JSON.parse(lines.at(-2)!) as { path: string }).path, 'tools/lib.sh', 'the new line is whole');
  const read = telemetryOf(h);
  assert.equal(read.invalid, 1);
  assert.deepEqual(read.events.map((e) => [e.ts, e.event, e.path]), [[1000, 'critical_missing', 'tools/deploy.sh'], [1010, 'critical_not_executable', 'tools/lib.sh']]);

  // A corrupt state file: the guard still works — both drifts are logged once more, then not again.
  for (const corrupt of ['{"schema_version":1,"drifts":[{"path":', JSON.stringify({ schema_version: 2, drifts: [] }), '']) {
    fs.writeFileSync(stateFile(h), corrupt);
    const n = telemetryOf(h).events.length;
    const once = await runGuard(s, { now: 1020 });
    assert.equal(once.healthy, false);
    assert.equal(once.logged.length, 2, `state ${JSON.stringify(corrupt)}: logged once more`);
    assert.match(once.warnings.join('\n'), /guard-state\.json is not a valid guard state: at .*; rewritten/, 'the corruption is said, not silent');
    assert.equal((await runGuard(s, { now: 1021 })).logged.length, 0, 'then once');
    assert.equal(telemetryOf(h).events.length, n + 2);
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(stateFile(h), 'utf8')), 'the state file is whole again');
  }

  // Put right outside dx-hooks: each drift is logged as restored, once, and the state file goes away.
  await h.git(['checkout', '--', 'tools/deploy.sh']);
  fs.chmodSync(at(h, 'tools/lib.sh'), 0o755);
  const back = await runGuard(s, { now: 1030 });
  assert.equal(back.healthy, true);
  assert.deepEqual(back.logged.map((e) => [e.event, e.path, e.detail?.was, e.detail?.by, e.operation]), [
    ['critical_restored', 'tools/deploy.sh', 'critical_missing', 'outside dx-hooks', null],
    ['critical_restored', 'tools/lib.sh', 'critical_not_executable', 'outside dx-hooks', null],
  ]);
  assert.equal(fs.existsSync(stateFile(h)), false);
  assert.equal((await runGuard(s, { now: 1031 })).logged.length, 0);
  // Gone again later: a new drift, logged again.
  fs.rmSync(at(h, 'tools/deploy.sh'));
  assert.equal((await runGuard(s, { now: 1040 })).logged.length, 1);
});

test('what last touched a path: the last commit on HEAD that changed it, and the last dx-hooks operation that removed or named it (not a repair)', async (t) => {
  const { h } = await repo(t, { critical: ['tools/deploy.sh', 'never.txt'], telemetry: '.dx/telemetry.jsonl' }, { 'tools/deploy.sh': 'v1\n', 'never.txt': 'n\n' });
  const edit = await h.commit('deploy v2', { 'tools/deploy.sh': 'v2\n', 'other.txt': 'o\n' });
  await h.commit('unrelated', { 'other.txt': 'o2\n' });
  const s = await openSession(h.dir);
  const op = appendLedger(s.ctx, { host: 'guardian', op: 'checkpoint.restore', ok: true, detail: { removed: ['tools/deploy.sh'] } });
  appendLedger(s.ctx, { host: 'guardian', op: 'sync.reset', ok: false, detail: { removed: ['tools/deploy.sh'] } });
  appendLedger(s.ctx, { host: 'guardian', op: 'guard.repair', ok: true, paths: ['tools/deploy.sh'] });
  fs.rmSync(at(h, 'tools/deploy.sh'));
  const r = await runGuard(s);
  assert.equal(r.telemetry, at(h, '.dx/telemetry.jsonl'), 'guard.telemetry is honoured');
  assert.deepEqual(r.logged.map((e) => [e.path, e.commit, e.operation, e.host]), [['tools/deploy.sh', edit, `checkpoint.restore ${op.id}`, 'guardian']], 'neither a failed operation nor a repair (which only brings it back) is blamed');
  assert.equal(readTelemetry(r.telemetry).events.length, 1);
  assert.equal(fs.existsSync(at(h, '.git/dx/telemetry.jsonl')), false, 'nothing in the default place');
});

test('--repair finds a file HEAD never had on another ref, and says so when no commit ever had it', async (t) => {
  const { h } = await repo(t, { critical: [{ path: 'tools/new.sh', executable: true }, 'tools/never.txt'], telemetry: null }, { 'README.md': 'r\n' });
  await h.git(['switch', '-q', '-c', 'feature']);
  await h.write('tools/new.sh', '#!/bin/sh\necho feature\n');
  fs.chmodSync(at(h, 'tools/new.sh'), 0o755);
  const feature = await h.commit('the script, on a branch');
  await h.git(['switch', '-q', 'main']);
  assert.equal(fs.existsSync(at(h, 'tools/new.sh')), false);
  const s = await openSession(h.dir);
  const r = await runGuard(s, { repair: true });
  const byPath = Object.fromEntries(r.repaired.map((x) => [x.path, x]));
  assert.equal(byPath['tools/new.sh']?.action, 'restored');
  assert.match(byPath['tools/new.sh']!.from, new RegExp(`^${feature.slice(0, 12)} \\(feature\\)$`));
  assert.equal(fs.readFileSync(at(h, 'tools/new.sh'), 'utf8'), '#!/bin/sh\necho feature\n');
  assert.equal(fs.statSync(at(h, 'tools/new.sh')).mode & 0o777, 0o755);
  assert.equal(byPath['tools/never.txt']?.action, 'failed');
  assert.match(byPath['tools/never.txt']!.error!, /no commit, WIP ref or snapshot ever had it/);
  assert.deepEqual(r.drifts.map((d) => d.path), ['tools/never.txt']);
  assert.equal((await h.git(['status', '--porcelain'])).out, '?? tools/', 'HEAD and the index untouched: the restored file is untracked');
});

test('telemetry that cannot be written is loud: the run throws, the ledger says so, and the next run logs the drift once it can', async (t) => {
  const { h } = await repo(t, { critical: ['a.txt'], telemetry: 'logs/telemetry.jsonl' }, { 'a.txt': 'a\n' });
  const s = await openSession(h.dir);
  fs.rmSync(at(h, 'a.txt'));
  fs.mkdirSync(at(h, 'logs/telemetry.jsonl'), { recursive: true }); // a directory where the file should be
  await assert.rejects(runGuard(s), /EISDIR|illegal operation on a directory/);
  const ledger = fs.readFileSync(at(h, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; error?: string; paths?: string[] });
  const failed = ledger.filter((e) => e.op === 'guard' && !e.ok);
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0]!.paths, ['a.txt']);
  assert.match(failed[0]!.error ?? '', /cannot append to .*logs\/telemetry\.jsonl/);
  assert.equal(fs.existsSync(stateFile(h)), false, 'nothing recorded as logged');
  fs.rmSync(at(h, 'logs/telemetry.jsonl'), { recursive: true });
  const r = await runGuard(s);
  assert.deepEqual(r.logged.map((e) => `${e.event} ${e.path}`), ['critical_missing a.txt']);
  assert.equal(readTelemetry(at(h, 'logs/telemetry.jsonl')).events.length, 1);
});
