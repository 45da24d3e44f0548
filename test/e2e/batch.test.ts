// Resumable batches (DESIGN §7) for real: a `sync` over 12 repositories killed with SIGKILL
// after the 5th has an outcome resumes with only the other 7; --no-resume does all 12; a failing
// repository is redone only with --retry-failed; corrupt and stale progress files are reported
// and cleared by doctor. The "slow" repository really blocks: its remote's upload-pack waits on a
// hold file, so the kill lands while that repository is in progress — no timing guesses.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxBin, seedRemote, waitFor, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

interface Progress { pid: number; queued: string[]; current: string[]; completed: string[]; failed: { repo: string; error: string }[]; finished_at: number | null }
interface BatchJson { items: { repo: string; status: string; carried: boolean; error?: string }[]; interrupted: string | null }

async function fleet(sb: Sandbox): Promise<{ hosts: Host[]; hold: string; progressFile: string }> {
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hosts: Host[] = [];
  for (let i = 1; i <= 12; i++) hosts.push(await cloneAs(sb, remote, 'fleet', `repo${String(i).padStart(2, '0')}`));
  // repo03's remote is gone: its fetch fails every time.
  await (hosts[2] as Host).git(['remote', 'set-url', 'origin', sb.tmp('gone.git')]);
  // repo06's fetch waits while the hold file exists.
  const hold = sb.tmp('hold');
  const script = sb.tmp('slow-upload-pack.sh');
  fs.writeFileSync(script, `#!/bin/sh\nwhile [ -f '${hold}' ]; do sleep 0.05; done\nexec git-upload-pack "$@"\n`, { mode: 0o755 });
  await (hosts[5] as Host).git(['config', 'remote.origin.uploadpack', script]);
  return { hosts, hold, progressFile: path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks', 'sync', 'batch-progress.json') };
}

const readProgress = (file: string): Progress | null => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Progress;
  } catch {
    return null;
  }
};

/** Start `sync <repos> --json`, wait until 5 repositories have an outcome and repo06 is in progress, then SIGKILL it. */
async function killAfterFive(sb: Sandbox, hosts: Host[], hold: string, file: string): Promise<void> {
  fs.writeFileSync(hold, '');
  const child: ChildProcess = spawn(process.execPath, [dxBin, 'sync', ...hosts.map((h) => h.dir), '--json'], { cwd: sb.root, env: sb.env, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  await waitFor(async () => {
    const p = readProgress(file);
    return !!p && p.pid === child.pid && p.completed.length + p.failed.length === 5 && p.current.some((r) => r.endsWith('repo06'));
  }, { what: 'five repositories done and repo06 in progress', timeoutMs: 60_000 });
  child.kill('SIGKILL');
  await exited;
  fs.rmSync(hold, { force: true });
}

async function sync(sb: Sandbox, hosts: Host[], extra: string[] = []): Promise<{ code: number; json: BatchJson; stderr: string }> {
  const r = await dx({ dir: sb.root, env: sb.env }, ['sync', ...hosts.map((h) => h.dir), '--json', ...extra], { timeoutMs: 120_000 });
  return { code: r.code, json: JSON.parse(r.stdout) as BatchJson, stderr: r.stderr };
}

test('a batch killed with SIGKILL after the 5th repository resumes with the remaining 7; failures only with --retry-failed; --no-resume does all 12', async (t) => {
  const sb = await withSandbox(t);
  const { hosts, hold, progressFile } = await fleet(sb);
  await killAfterFive(sb, hosts, hold, progressFile);
  const killed = readProgress(progressFile) as Progress;
  assert.equal(killed.finished_at, null);
  assert.deepEqual(killed.failed.map((f) => path.basename(f.repo)), ['repo03']);

  const resumed = await sync(sb, hosts);
  assert.equal(resumed.code, 1, 'repo03 is still failed');
  assert.match(resumed.stderr, /resuming the interrupted batch .*4 done, 7 to go; 1 failed \(redo them with --retry-failed\)/);
  const ran = resumed.json.items.filter((i) => !i.carried).map((i) => path.basename(i.repo));
  assert.deepEqual(ran, ['repo06', 'repo07', 'repo08', 'repo09', 'repo10', 'repo11', 'repo12']);
  assert.ok(resumed.json.items.every((i) => i.status === (i.repo.endsWith('repo03') ? 'failed' : 'ok')));
  assert.ok((readProgress(progressFile) as Progress).finished_at);

  const retry = await sync(sb, hosts, ['--retry-failed']);
  assert.equal(retry.code, 1);
  assert.deepEqual(retry.json.items.filter((i) => !i.carried).map((i) => path.basename(i.repo)), ['repo03']);

  await killAfterFive(sb, hosts, hold, progressFile);
  const fresh = await sync(sb, hosts, ['--no-resume']);
  assert.equal(fresh.json.items.filter((i) => !i.carried).length, 12);
  assert.doesNotMatch(fresh.stderr, /resuming/);
});

test('SIGTERM lets the repository in progress finish, records where it stopped (exit 143), and the next run resumes', async (t) => {
  const sb = await withSandbox(t);
  const { hosts, hold, progressFile } = await fleet(sb);
  fs.writeFileSync(hold, '');
  const child = spawn(process.execPath, [dxBin, 'sync', ...hosts.map((h) => h.dir)], { cwd: sb.root, env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(async () => !!readProgress(progressFile)?.current.some((r) => r.endsWith('repo06')), { what: 'repo06 in progress', timeoutMs: 60_000 });
  child.kill('SIGTERM');
  await waitFor(async () => stderr.includes('SIGTERM'), { what: 'the stop notice', timeoutMs: 10_000 });
  fs.rmSync(hold);
  assert.equal(await exited, 143);
  const p = readProgress(progressFile) as Progress;
  assert.deepEqual([p.completed.length, p.failed.length, p.current.length, p.finished_at], [5, 1, 0, null], 'repo06 finished; nothing after it started');
  const resumed = await sync(sb, hosts);
  assert.deepEqual(resumed.json.items.filter((i) => !i.carried).map((i) => path.basename(i.repo)), ['repo07', 'repo08', 'repo09', 'repo10', 'repo11', 'repo12']);
});

test('doctor reports a corrupt and a stale batch progress file and --fix clears them', async (t) => {
  const sb = await withSandbox(t);
  const state = path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks');
  const corrupt = path.join(state, 'sync', 'batch-progress.json');
  const stale = path.join(state, 'checkpoint', 'batch-progress.json');
  fs.mkdirSync(path.dirname(corrupt), { recursive: true });
  fs.mkdirSync(path.dirname(stale), { recursive: true });
  fs.writeFileSync(corrupt, '{"schema_version": 1, "command": "sync", "queued": [');
  const old = Math.floor(Date.now() / 1000) - 2 * 86_400;
  fs.writeFileSync(stale, JSON.stringify({ schema_version: 1, command: 'checkpoint', session_id: 'x', pid: 999_999, started_at: old, updated_at: old, queued: ['/a', '/b'], current: ['/a'], completed: [], failed: [], skipped: [], finished_at: null }));
  const where = { dir: sb.root, env: sb.env };
  const found = await dx(where, ['doctor', '--json']);
  assert.equal(found.code, 1, 'a corrupt file is an error');
  const codes = (JSON.parse(found.stdout) as { diagnostics: { code: string; fixable: boolean }[] }).diagnostics.map((d) => [d.code, d.fixable]);
  assert.deepEqual(codes.sort(), [['BATCH_PROGRESS_CORRUPT', true], ['STALE_BATCH_PROGRESS', true]]);
  const text = await dx(where, ['doctor']);
  assert.match(text.stdout, /BATCH_PROGRESS_CORRUPT: .*sync\/batch-progress\.json is not a valid dx-hooks batch progress file: at end of file/);
  assert.match(text.stdout, /STALE_BATCH_PROGRESS: .*a checkpoint batch last updated 48 h ago \(pid 999999\) with 2 of 2 repositories never run/);
  const fixed = await dx(where, ['doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout);
  assert.equal(fs.existsSync(corrupt), false);
  assert.equal(fs.existsSync(stale), false);
  assert.match((await dx(where, ['doctor'])).stdout, /no problems found/);
});

test('a corrupt progress file never stops a batch: it starts fresh and says why', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'h', 'one');
  const file = path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks', 'status', 'batch-progress.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'garbage');
  const r = await dx({ dir: sb.root, env: sb.env }, ['status', '--repos', a.dir]);
  assert.match(r.stderr, /the previous progress could not be read .*is not a valid dx-hooks batch progress file: at .*starting fresh/);
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as Progress).completed.length, 1);
});

test('a terminal gets a progress bar instead of one line per repository (real pty via script(1))', { skip: !fs.existsSync('/usr/bin/script') && 'script(1) not installed' }, async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const repos = [await cloneAs(sb, remote, 'h', 'one'), await cloneAs(sb, remote, 'h', 'two')];
  const command = [process.execPath, dxBin, 'status', '--repos', ...repos.map((r) => r.dir)].map((x) => `'${x}'`).join(' ');
  const tty = await new Promise<string>((resolve, reject) => {
    const c = spawn('script', ['-qec', command, '/dev/null'], { cwd: sb.root, env: { ...sb.env, TERM: 'xterm', CI: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => (c.kill('SIGKILL'), reject(new Error(`timed out: ${out}`))), 30_000);
    c.on('exit', () => (clearTimeout(timer), resolve(out)));
  });
  assert.match(tty, /dx-hooks [\u2588\u2591]+ [12]\/2/, 'the bar is drawn');
  assert.doesNotMatch(tty, /✔ \/\S+one — /, 'no plain per-repository line on a terminal');
  assert.match(tty, /REPOSITORY/);
  // A pipe gets one plain line per repository.
  const piped = await dx({ dir: sb.root, env: sb.env }, ['status', '--repos', ...repos.map((r) => r.dir)]);
  assert.equal(piped.stdout.split('\n').filter((l) => / — main /.test(l)).length, 2);
});
