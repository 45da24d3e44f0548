// Batch lanes (commands/lanes.ts, issue 12 scenario 17): `--parallel N` over many repositories runs the
// per-repository work in N child processes. The outcomes are the ones the command's own process gives; a
// lane that dies fails only the repository it held (the rest still run, in the parent when no lane is
// left) and --retry-failed redoes it; a parent killed with SIGKILL leaves no lane behind. The slow
// repository really blocks (its remote's upload-pack waits on a hold file): no timing guesses.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxBin, seedRemote, waitFor, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

interface Progress { pid: number; current: string[]; completed: string[]; failed: { repo: string; error: string }[] }
interface SyncJson { items: { repo: string; status: string; carried: boolean; error?: string; result?: { action: string } }[] }
interface StatusJson { rows: { repo: string; branch: string | null; problems: { code: string }[] }[]; failed: { repo: string; error: string }[] }

async function fleet(sb: Sandbox): Promise<{ hosts: Host[]; hold: string; progressFile: string }> {
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hosts: Host[] = [];
  for (let i = 1; i <= 6; i++) hosts.push(await cloneAs(sb, remote, 'lanes', `repo${String(i).padStart(2, '0')}`));
  await (hosts[2] as Host).git(['remote', 'set-url', 'origin', sb.tmp('gone.git')]); // repo03 fails every time
  const hold = sb.tmp('hold');
  const script = sb.tmp('slow-upload-pack.sh');
  fs.writeFileSync(script, `#!/bin/sh\nwhile [ -f '${hold}' ]; do sleep 0.05; done\nexec git-upload-pack "$@"\n`, { mode: 0o755 });
  await (hosts[3] as Host).git(['config', 'remote.origin.uploadpack', script]); // repo04 waits while the hold file exists
  return { hosts, hold, progressFile: path.join(sb.env.XDG_STATE_HOME as string, 'dx-hooks', 'sync', 'batch-progress.json') };
}

const readProgress = (file: string): Progress | null => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Progress;
  } catch {
    return null;
  }
};

/** The lanes of `parent`: its children running `batch-lane` (Linux /proc). */
function lanesOf(parent: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('batch-lane')) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('lanes give the outcomes the command\'s own process gives: sync and status --repos, a failing repository included', async (t) => {
  const sb = await withSandbox(t);
  const { hosts, hold } = await fleet(sb);
  fs.rmSync(hold, { force: true });
  const dirs = hosts.map((h) => h.dir);
  const run = async (lanes: string, args: string[]) => {
    const r = await dx({ dir: sb.root, env: { ...sb.env, DX_BATCH_LANES: lanes } }, [...args, ...dirs, '--parallel', '2', '--json', '--no-resume'], { timeoutMs: 120_000 });
    return { code: r.code, json: JSON.parse(r.stdout) as unknown };
  };
  const syncShape = (j: unknown) => (j as SyncJson).items.map((i) => [path.basename(i.repo), i.status, i.result?.action ?? null, i.error ?? null]);
  const inLanes = await run('always', ['sync']);
  const here = await run('never', ['sync']);
  assert.deepEqual(syncShape(inLanes.json), syncShape(here.json));
  assert.equal(inLanes.code, here.code);
  assert.deepEqual(syncShape(inLanes.json).filter((i) => i[1] !== 'ok').map((i) => i[0]), ['repo03']);

  const statusShape = (j: unknown) => {
    const s = j as StatusJson;
    return { rows: s.rows.map((r) => [path.basename(r.repo), r.branch, r.problems.map((p) => p.code)]), failed: s.failed.map((f) => path.basename(f.repo)) };
  };
  const statusLanes = await run('always', ['status', '--repos']);
  const statusHere = await run('never', ['status', '--repos']);
  assert.deepEqual(statusShape(statusLanes.json), statusShape(statusHere.json));
  assert.equal(statusLanes.code, statusHere.code);
});

test('a lane that dies fails only the repository it held; the batch goes on in the parent; --retry-failed redoes it; a parent killed with SIGKILL leaves no lane', async (t) => {
  const sb = await withSandbox(t);
  const { hosts, hold, progressFile } = await fleet(sb);
  const dirs = hosts.map((h) => h.dir);
  const env = { ...sb.env, DX_BATCH_LANES: 'always' };

  // Both lanes killed while repo04 (held) is in progress: it fails naming the lane, the rest still sync.
  fs.writeFileSync(hold, '');
  const child = spawn(process.execPath, [dxBin, 'sync', ...dirs, '--parallel', '2', '--json'], { cwd: sb.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(async () => !!readProgress(progressFile)?.current.some((r) => r.endsWith('repo04')), { what: 'repo04 in progress', timeoutMs: 60_000 });
  const lanes = lanesOf(child.pid as number);
  assert.equal(lanes.length, 2, 'two lanes for --parallel 2');
  for (const pid of lanes) process.kill(pid, 'SIGKILL');
  const code = await exited;
  fs.rmSync(hold, { force: true });
  const json = JSON.parse(stdout) as SyncJson;
  const byRepo = new Map(json.items.map((i) => [path.basename(i.repo), i]));
  assert.equal(code, 1);
  assert.match(byRepo.get('repo04')?.error ?? '', /batch lane \(pid \d+\) was killed by SIGKILL/);
  assert.equal(byRepo.get('repo03')?.status, 'failed');
  for (const r of ['repo01', 'repo02', 'repo05', 'repo06']) assert.equal(byRepo.get(r)?.status, 'ok', `${r} still synced`);

  // --retry-failed redoes repo04 (and repo03, which still fails); nothing else runs again.
  const again = await dx({ dir: sb.root, env }, ['sync', ...dirs, '--parallel', '2', '--json', '--retry-failed'], { timeoutMs: 120_000 });
  const redone = (JSON.parse(again.stdout) as SyncJson).items;
  assert.deepEqual(redone.filter((i) => !i.carried).map((i) => [path.basename(i.repo), i.status]), [['repo03', 'failed'], ['repo04', 'ok']]);

  // The parent killed with SIGKILL: its lanes see the channel close and exit.
  fs.writeFileSync(hold, '');
  const parent = spawn(process.execPath, [dxBin, 'sync', ...dirs, '--parallel', '2', '--json', '--no-resume'], { cwd: sb.root, env, stdio: 'ignore' });
  const parentExited = new Promise((r) => parent.once('exit', r));
  await waitFor(async () => !!readProgress(progressFile)?.current.some((r) => r.endsWith('repo04')) && readProgress(progressFile)?.pid === parent.pid, { what: 'repo04 in progress again', timeoutMs: 60_000 });
  const orphans = lanesOf(parent.pid as number);
  assert.equal(orphans.length, 2);
  parent.kill('SIGKILL');
  await parentExited;
  await waitFor(async () => orphans.every((pid) => !alive(pid)), { what: 'the lanes to exit after their parent died', timeoutMs: 20_000 });
  fs.rmSync(hold, { force: true });
});
