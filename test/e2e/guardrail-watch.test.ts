// `dx-hooks guard --watch` (issue 5) notices a deleted critical file within 2 seconds: once with a
// 1 s interval, and once with a 60 s interval, so only the file-system events can be what noticed
// it — also when the whole directory is swapped (rsync-style) and when the file comes back. Timed
// from the deletion to the report on stdout; SIGTERM ends the watch with exit 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { GuardReport } from '../../src/core/guardrail/run.ts';
import { readTelemetry } from '../../src/core/guardrail/telemetry.ts';
import { dxBin, initRepo, withSandbox, waitFor, type Host } from '../helpers/index.ts';

const CRITICAL = 'tools/deploy.sh';
const SCRIPT = '#!/bin/sh\necho deploy\n';

type WatchReport = GuardReport & { at: number; reason: string };

/** A running `guard --watch --json`: the reports printed so far (each a whole JSON document), stderr, and how it ended. */
interface Watcher { child: ChildProcess; reports: () => WatchReport[]; stderr: () => string; exit: Promise<number | null> }

async function repo(t: TestContext): Promise<Host> {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'watched', 'watcher');
  await h.write('.dxrc.json', JSON.stringify({ guard: { critical: [{ path: CRITICAL, executable: true }, { path: 'scripts/*.sh', minCount: 1 }] } }) + '\n');
  await h.write(CRITICAL, SCRIPT);
  fs.chmodSync(path.join(h.dir, CRITICAL), 0o755);
  await h.write('tools/lib.sh', 'lib\n');
  await h.write('scripts/a.sh', 'a\n');
  await h.commit('base');
  return h;
}

function watch(t: TestContext, h: Host, interval: string): Watcher {
  const child = spawn(process.execPath, [dxBin, 'guard', '--watch', '--interval', interval, '--json'], { cwd: h.dir, env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // printJson writes each report whole, pretty-printed: a document ends with a "}" alone on its line.
  const reports = () => out.split(/^}$/m).slice(0, -1).map((doc) => JSON.parse(doc + '}') as WatchReport);
  return { child, reports, stderr: () => err, exit };
}

/** Wait (bounded) for a report matching `pred` after the first `after` reports; returns it and the ms since `t0`. */
async function nextReport(w: Watcher, after: number, t0: number, pred: (r: WatchReport) => boolean, what: string): Promise<{ r: WatchReport; ms: number }> {
  const r = await waitFor(async () => w.reports().slice(after).find(pred), { what: `${what} (stderr: ${w.stderr()})`, timeoutMs: 10_000, intervalMs: 10 });
  return { r, ms: performance.now() - t0 };
}

const missing = (p: string) => (r: WatchReport) => r.logged.some((e) => e.event === 'critical_missing' && e.path === p);
const restored = (p: string) => (r: WatchReport) => r.logged.some((e) => e.event === 'critical_restored' && e.path === p);

/** The watch's first report (the check at start), healthy. */
async function started(w: Watcher): Promise<void> {
  const first = await waitFor(async () => w.reports()[0], { what: `the first report (stderr: ${w.stderr()})`, timeoutMs: 15_000, intervalMs: 10 });
  assert.equal(first.reason, 'start');
  assert.equal(first.healthy, true);
  // chokidar is ready a moment after the first report: give its initial scan time to finish (not the measured part).
  await new Promise((r) => setTimeout(r, 300));
}

test('--watch --interval 1s: a deletion is reported and logged within 2 s; SIGTERM ends it with exit 0', async (t) => {
  const h = await repo(t);
  const w = watch(t, h, '1s');
  await started(w);
  const t0 = performance.now();
  fs.rmSync(path.join(h.dir, CRITICAL));
  const { r, ms } = await nextReport(w, 1, t0, missing(CRITICAL), 'the deletion to be reported');
  assert.ok(ms < 2000, `noticed after ${ms.toFixed(0)} ms`);
  assert.equal(r.healthy, false);
  assert.deepEqual(readTelemetry(path.join(h.dir, '.git/dx/telemetry.jsonl')).events.map((e) => `${e.event} ${e.path}`), [`critical_missing ${CRITICAL}`]);
  // Several intervals later: the same drift is neither printed nor logged again.
  const n = w.reports().length;
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(w.reports().length, n, 'an unchanged drift prints nothing');
  assert.equal(readTelemetry(path.join(h.dir, '.git/dx/telemetry.jsonl')).events.length, 1);
  w.child.kill('SIGTERM');
  assert.equal(await w.exit, 0);
  assert.equal(w.stderr(), '');
});

test('--watch --interval 60s: only file-system events can notice within 2 s — a deletion, a directory swapped rsync-style, the file coming back', async (t) => {
  const h = await repo(t);
  const w = watch(t, h, '60s');
  await started(w);

  let t0 = performance.now();
  fs.rmSync(path.join(h.dir, CRITICAL));
  let got = await nextReport(w, 1, t0, missing(CRITICAL), 'the deletion to be reported');
  assert.ok(got.ms < 2000, `deletion noticed after ${got.ms.toFixed(0)} ms`);
  assert.equal(got.r.reason, 'event');

  t0 = performance.now();
  fs.writeFileSync(path.join(h.dir, CRITICAL), SCRIPT, { mode: 0o755 });
  let n = w.reports().length;
  got = await nextReport(w, n, t0, restored(CRITICAL), 'the file coming back to be reported');
  assert.ok(got.ms < 2000, `restore noticed after ${got.ms.toFixed(0)} ms`);
  assert.equal(got.r.healthy, true);

  // The whole directory swapped for a copy without the script (what `rsync --delete` of a staging dir does).
  const staging = path.join(path.dirname(h.dir), 'staging');
  fs.mkdirSync(staging);
  fs.writeFileSync(path.join(staging, 'lib.sh'), 'lib v2\n');
  t0 = performance.now();
  fs.rmSync(path.join(h.dir, 'tools'), { recursive: true });
  fs.cpSync(staging, path.join(h.dir, 'tools'), { recursive: true });
  n = w.reports().length;
  got = await nextReport(w, n, t0, missing(CRITICAL), 'the swapped directory to be reported');
  assert.ok(got.ms < 2000, `directory swap noticed after ${got.ms.toFixed(0)} ms`);

  // And the swapped-in directory is watched again: the script put back into it is seen too.
  t0 = performance.now();
  fs.writeFileSync(path.join(h.dir, CRITICAL), SCRIPT, { mode: 0o755 });
  n = w.reports().length;
  got = await nextReport(w, n, t0, restored(CRITICAL), 'the script put back into the new directory to be reported');
  assert.ok(got.ms < 2000, `restore into the new directory noticed after ${got.ms.toFixed(0)} ms`);

  // A glob's base directory is watched at any depth: its (tracked) match removed is named.
  t0 = performance.now();
  fs.rmSync(path.join(h.dir, 'scripts/a.sh'));
  n = w.reports().length;
  got = await nextReport(w, n, t0, missing('scripts/a.sh'), 'the glob\'s lost match to be reported');
  assert.ok(got.ms < 2000, `glob match removal noticed after ${got.ms.toFixed(0)} ms`);

  const events = readTelemetry(path.join(h.dir, '.git/dx/telemetry.jsonl')).events.map((e) => `${e.event} ${e.path}`);
  assert.deepEqual(events, [
    `critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`, `critical_missing ${CRITICAL}`, `critical_restored ${CRITICAL}`,
    'critical_missing scripts/a.sh',
  ]);
  w.child.kill('SIGTERM');
  assert.equal(await w.exit, 0);
});
