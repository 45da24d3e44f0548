// Why: the timing primitives every scenario shares — one timed spawn (argv only, never a shell
// string), the round-robin sampler, order statistics, and the wait that keeps dx-hooks' detached
// workers from piling up between iterations (so one sample's background work never leaks into the
// next sample's time).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Timed {
  /** wall time from spawn() to the child's exit, ms (what a user at a shell prompt waits for) */
  ms: number;
  /** extra ms between exit and the closing of the child's stdout/stderr (a background process holding the pipes) */
  closeLagMs: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawn `cmd args` (no shell) and time it to its exit. Never throws for a non-zero exit. */
export function timeSpawn(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exitAt = 0n;
    let code = -1;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${opts.timeoutMs ?? 120_000} ms: ${cmd} ${JSON.stringify(args)} in ${opts.cwd}`));
    }, opts.timeoutMs ?? 120_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd} ${JSON.stringify(args)}: ${e.message}`, { cause: e }));
    });
    child.on('exit', (c, sig) => {
      exitAt = process.hrtime.bigint();
      code = c ?? (sig ? 128 : -1);
    });
    child.on('close', () => {
      clearTimeout(timer);
      const closeAt = process.hrtime.bigint();
      if (!exitAt) exitAt = closeAt;
      resolve({
        ms: Number(exitAt - t0) / 1e6,
        closeLagMs: Number(closeAt - exitAt) / 1e6,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** timeSpawn that throws (with stderr) unless the exit code is in `ok` (default [0]). */
export async function mustTime(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; ok?: number[] }): Promise<Timed> {
  const r = await timeSpawn(cmd, args, opts);
  if (!(opts.ok ?? [0]).includes(r.code)) {
    throw new Error(`${cmd} ${JSON.stringify(args)} exited ${r.code} in ${opts.cwd}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/** One measured line of the results table. */
export interface Row {
  section: string;
  variant: string;
  samples: number[];
  /** compare against this row's median */
  baseline?: Row;
  /** how the comparison is shown and judged */
  target?: { kind: 'added'; ms: number } | { kind: 'ratio'; max: number } | { kind: 'absolute'; ms: number };
  note?: string;
}

/** A failed correctness assertion: the run is reported as failed, not as slow. */
export function must(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/**
 * Side-by-side sampling: `warm + n` rounds, each taking one sample of every variant, the starting
 * variant rotated every round so drifting machine load hits all variants alike. Warm-up rounds are
 * dropped. `sample` does its own untimed setup and checks and returns what it measured.
 */
export async function roundRobin<V, T>(variants: readonly V[], n: number, warm: number, sample: (v: V, round: number) => Promise<T>): Promise<Map<V, T[]>> {
  const res = new Map<V, T[]>(variants.map((v) => [v, []]));
  for (let i = 0; i < warm + n; i++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length]!;
      const got = await sample(v, i);
      if (i >= warm) res.get(v)!.push(got);
    }
  }
  return res;
}

/** Time an async function in-process, ms. */
export async function timeFn<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

/** The q-quantile (0..1) of xs, linear interpolation between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Pids of live processes (other than this one) whose working directory is `dir` or below it — Linux /proc. */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return found;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + path.sep)) found.push(pid);
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

/** True when dx-hooks has nothing queued or running for the repository whose `.git` is `gitDir`. */
function dxIdle(gitDir: string): boolean {
  const dx = path.join(gitDir, 'dx');
  try {
    if (fs.statSync(path.join(dx, 'queue')).size > 0) return false;
  } catch {
    /* no queue file: nothing queued */
  }
  if (fs.existsSync(path.join(dx, 'worker.lock'))) return false;
  try {
    if (fs.readdirSync(dx).some((f) => /^queue\..+\.work$/.test(f))) return false;
  } catch {
    /* no dx dir */
  }
  return true;
}

/**
 * Wait (untimed) until no process runs inside work tree `top` — the hook shims' detached workers
 * keep the hook's cwd — and dx-hooks' queue is empty with no worker lock. Returns the ms waited.
 * @throws after `timeoutMs` (a worker that never finishes is a failure to run, not a slow sample)
 */
export async function quiesce(top: string, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  const gitDir = path.join(top, '.git');
  // Two consecutive idle looks 5 ms apart: a shim's fork that has not exec'd yet still has the hook's cwd.
  let idleLooks = 0;
  while (idleLooks < 2) {
    if (processesIn(top).length === 0 && dxIdle(gitDir)) idleLooks++;
    else idleLooks = 0;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`background work in ${top} did not finish within ${timeoutMs} ms (pids ${processesIn(top).join(',') || 'none'}, dx idle: ${dxIdle(gitDir)})`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
}

/** sha256 + mtime (ns) + size of a file, for "unchanged" assertions. */
export function fileFingerprint(file: string): { mtimeNs: bigint; size: bigint; sha: string } {
  const st = fs.statSync(file, { bigint: true });
  const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  return { mtimeNs: st.mtimeNs, size: st.size, sha };
}

export const fmt = (ms: number): string => (Number.isFinite(ms) ? (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) : '—');
