// The guardrail in the hooks and across repositories (issue 5): after a branch switch, a file
// checkout, a merge and an amend, the hooks' cheap sh guard names the missing critical file and the
// fix on stderr at once, and its background run logs the drift exactly once (and logs it restored
// once it is back); a healthy checkout writes nothing. `guard --all` checks every registered
// repository; `schedule install --guard` plans `guard --all` every 5 minutes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { GuardReport } from '../../src/core/guardrail/run.ts';
import { readTelemetry } from '../../src/core/guardrail/telemetry.ts';
import { installHooks, cloneAs, createBareRemote, dx, dxBin, seedRemote, waitFor, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, idleSandbox as sandbox } from '../helpers/idle.ts';

const CRITICAL = 'tools/deploy.sh';
const MISSING = /dx-hooks: critical file tools\/deploy\.sh is missing from the work tree - bring it back: dx-hooks guard --repair \(history: dx-hooks diagnose tools\/deploy\.sh\)/;

/** A clone (own remote) with the critical deploy script committed on main and dx-hooks installed, WIP push off. */
async function guarded(sb: Sandbox, hosts: Host[], name: string): Promise<Host> {
  const remote = await createBareRemote(sb, `${name}.git`);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, name);
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'off';
  await h.write('.dxrc.json', JSON.stringify({ guard: { critical: [{ path: CRITICAL, executable: true }] } }) + '\n');
  await h.write(CRITICAL, '#!/bin/sh\necho deploy\n');
  fs.chmodSync(path.join(h.dir, CRITICAL), 0o755);
  await h.write('app.txt', 'v1\n');
  await h.commit('critical deploy script');
  await installHooks(h);
  return h;
}

const telemetryFile = (h: Host) => path.join(h.dir, '.git/dx/telemetry.jsonl');
const lines = (h: Host) => {
  const r = readTelemetry(telemetryFile(h));
  assert.equal(r.invalid, 0);
  return r.events.map((e) => `${e.event} ${e.path}`);
};

/** Wait for the hooks' background run to log `expected` (the whole telemetry, in order), then make sure nothing more comes. */
async function logged(h: Host, expected: string[]): Promise<void> {
  await waitFor(async () => lines(h).length >= expected.length, { what: `telemetry lines ${JSON.stringify(expected)}` });
  await idle(h);
  assert.deepEqual(lines(h), expected);
}

test('post-checkout: a branch switch that removes the file is named at once and logged once; switching back logs it restored; a healthy checkout writes nothing', async (t) => {
  const { sb, hosts } = await sandbox(t);
  const h = await guarded(sb, hosts, 'switcher');
  await h.git(['switch', '-q', '-c', 'slim']);
  await h.git(['rm', '-q', CRITICAL]);
  await h.commit('slim: no deploy script');
  await h.git(['switch', '-q', 'main']);
  await h.git(['switch', '-q', '-c', 'healthy']);
  await h.git(['switch', '-q', 'main']);
  await idle(h);
  assert.equal(fs.existsSync(telemetryFile(h)), false, 'healthy checkouts log nothing');
  assert.equal(fs.existsSync(path.join(h.dir, '.git/dx/guard-state.json')), false);

  const co = await h.git(['switch', 'slim']);
  assert.match(co.stderr, MISSING);
  await logged(h, [`critical_missing ${CRITICAL}`]);
  // More checkouts while it is missing: named each time, logged never again.
  for (let i = 0; i < 2; i++) assert.match((await h.git(['checkout', '--', 'app.txt'])).stderr, MISSING);
  await logged(h, [`critical_missing ${CRITICAL}`]);

  const back = await h.git(['switch', 'main']);
  assert.doesNotMatch(back.stderr, /critical file/);
  await logged(h, [`critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`]);
  assert.equal(fs.existsSync(path.join(h.dir, '.git/dx/guard-state.json')), false);
});

test('post-checkout: `git checkout -- <file>` that brings the file or its exec bit back is logged as restored, once', async (t) => {
  const { sb, hosts } = await sandbox(t);
  const h = await guarded(sb, hosts, 'restorer');
  fs.rmSync(path.join(h.dir, CRITICAL));
  assert.equal((await dx(h, ['guard'])).code, 1);
  const co = await h.git(['checkout', '--', CRITICAL]);
  assert.doesNotMatch(co.stderr, /critical file/);
  await logged(h, [`critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`]);
  const restored = readTelemetry(telemetryFile(h)).events[1]!;
  assert.deepEqual([restored.operation, restored.detail?.by], [null, 'outside dx-hooks']);

  fs.chmodSync(path.join(h.dir, CRITICAL), 0o644);
  const other = await h.git(['checkout', '--', 'app.txt']);
  assert.match(other.stderr, /dx-hooks: critical file tools\/deploy\.sh lost its exec bit - restore it: dx-hooks guard --repair \(or chmod \+x tools\/deploy\.sh\)/);
  await logged(h, [`critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`, `critical_not_executable ${CRITICAL}`]);
  await h.git(['checkout', '--', CRITICAL]);
  assert.equal(fs.statSync(path.join(h.dir, CRITICAL)).mode & 0o777, 0o755);
  await logged(h, [`critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`, `critical_not_executable ${CRITICAL}`, `critical_restored ${CRITICAL}`]);
  assert.equal((await dx(h, ['guard'])).code, 0);
});

test('post-merge and post-rewrite: a merge that deletes the file and an amend that drops it are named and logged once, with the commit', async (t) => {
  const { sb, hosts } = await sandbox(t);
  const h = await guarded(sb, hosts, 'merger');
  await h.git(['switch', '-q', '-c', 'remover']);
  await h.git(['rm', '-q', CRITICAL]);
  const removal = await h.commit('remove the deploy script');
  await h.git(['switch', '-q', 'main']);
  await h.commit('main moves on', { 'app.txt': 'v2\n' });
  await idle(h);
  const merge = await h.git(['merge', '--no-edit', 'remover']);
  assert.match(merge.stderr, MISSING);
  await logged(h, [`critical_missing ${CRITICAL}`]);
  assert.equal(readTelemetry(telemetryFile(h)).events[0]?.commit, removal);

  const h2 = await guarded(sb, hosts, 'amender');
  await h2.git(['rm', '-q', CRITICAL]);
  const amend = await h2.git(['commit', '--amend', '--no-edit']);
  assert.match(amend.stderr, MISSING);
  await logged(h2, [`critical_missing ${CRITICAL}`]);
  // The amend rewrote the only commit that had it: HEAD's history never had it, so no commit is named.
  assert.equal(readTelemetry(telemetryFile(h2)).events[0]?.commit, null);
});

test('guard --all: every registered repository, one drifted → exit 1, both reported; telemetry only where the drift is', async (t) => {
  const { sb, hosts } = await sandbox(t);
  const a = await guarded(sb, hosts, 'alpha');
  const b = await guarded(sb, hosts, 'beta');
  fs.rmSync(path.join(b.dir, CRITICAL));
  const config = JSON.parse(fs.readFileSync(path.join(sb.root, 'xdg/config/dx-hooks/config.json'), 'utf8')) as { repos: string[] };
  assert.deepEqual(config.repos, [a.dir, b.dir], 'install registered both');

  const text = await dx(a, ['guard', '--all']);
  assert.equal(text.code, 1, text.stderr);
  assert.ok(text.stdout.includes(`${a.dir}: ✔ dx-hooks guard: 1 critical entry in place`), text.stdout);
  assert.ok(text.stderr.includes(`${b.dir}: ✖ critical ${CRITICAL}: missing from the work tree`), text.stderr);
  const json = await dx(a, ['guard', '--all', '--json']);
  assert.equal(json.code, 1);
  const items = (JSON.parse(json.stdout) as { items: { repo: string; report?: GuardReport; error?: string }[] }).items;
  assert.deepEqual(items.map((i) => [i.repo, i.report?.healthy, i.report?.drifts.map((d) => d.path)]), [[a.dir, true, []], [b.dir, false, [CRITICAL]]]);
  assert.equal(fs.existsSync(telemetryFile(a)), false);
  assert.deepEqual(lines(b), [`critical_missing ${CRITICAL}`], 'logged once over both runs');

  // Both healthy: exit 0. A registered repository that is gone is reported, and fails the run.
  fs.writeFileSync(path.join(b.dir, CRITICAL), '#!/bin/sh\necho deploy\n', { mode: 0o755 });
  assert.equal((await dx(a, ['guard', '--all'])).code, 0);
  fs.rmSync(a.dir, { recursive: true });
  const gone = await dx(b, ['guard', '--all']);
  assert.equal(gone.code, 1);
  assert.ok(gone.stderr.includes(a.dir), gone.stderr);
  hosts.splice(0, 1);
});

test('schedule install --guard --dry-run plans `guard --all` every 5m (cron); --every 10m is honoured; nothing is installed', async (t) => {
  const { sb } = await sandbox(t);
  // A fake crontab first on PATH records every call: a dry run may only read the table.
  const bin = sb.tmp('bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'crontab'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${sb.tmp('crontab.calls')}"\n[ "$1" = -l ] && { echo "no crontab for tester" >&2; exit 1; }\nexit 0\n`, { mode: 0o755 });
  const h = { dir: sb.root, env: { ...sb.env, PATH: `${bin}${path.delimiter}${sb.env.PATH}` } };
  const r = await dx(h, ['schedule', 'install', '--guard', '--dry-run', '--scheduler', 'cron', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { dryRun: boolean; job: string; everySeconds: number; runs: string[]; actions: { do: string; block?: string }[] };
  assert.deepEqual([plan.dryRun, plan.job, plan.everySeconds], [true, 'guard', 300]);
  assert.deepEqual(plan.runs, [process.execPath, dxBin, 'guard', '--all']);
  const block = plan.actions.find((a) => a.do === 'crontab-set')?.block ?? '';
  assert.match(block, /^# BEGIN dx-hooks guard\n/);
  assert.match(block, /\n\*\/5 \* \* \* \* .* guard --all >> .*schedule-guard\.log 2>&1\n# END dx-hooks guard\n$/);
  assert.match(block, /Remove it with: dx-hooks schedule uninstall --guard/);

  const ten = await dx(h, ['schedule', 'install', '--guard', '--dry-run', '--scheduler', 'cron', '--every', '10m']);
  assert.equal(ten.code, 0, ten.stderr);
  assert.match(ten.stdout, /would schedule guard every 10m with a crontab entry/);
  assert.match(ten.stdout, /\*\/10 \* \* \* \* .* guard --all/);
  const calls = fs.existsSync(sb.tmp('crontab.calls')) ? fs.readFileSync(sb.tmp('crontab.calls'), 'utf8').trim().split('\n') : [];
  assert.ok(calls.every((c) => c === '-l'), `only crontab -l was run: ${JSON.stringify(calls)}`);
  assert.equal(fs.existsSync(path.join(sb.root, 'xdg/state/dx-hooks')), false, 'no directory created');
});
