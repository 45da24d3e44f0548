/**
 * Whether a background worker is alive for a repository (its pid files under `<git-common-dir>/dx/`),
 * as runtime.sh dx_worker_live asks it: small and with no imports of the worker itself, so a command
 * that only queues (a session save) can ask before starting node again.
 */
import fs from 'node:fs';
import { dxPaths, type RepoContext } from '../context.js';

/**
 * What `pidFile` says of its process: `alive` (signal 0 reaches it, or it belongs to another user),
 * `dead` (ESRCH), or `none` (missing, unreadable, not a pid, or this process).
 */
export function pidState(pidFile: string): { state: 'alive' | 'dead' | 'none'; pid: number } {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return { state: 'none', pid: 0 };
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return { state: 'none', pid: 0 };
  try {
    process.kill(pid, 0);
    return { state: 'alive', pid };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { state: code === 'EPERM' ? 'alive' : code === 'ESRCH' ? 'dead' : 'none', pid };
  }
}

/**
 * The pid of a live worker, else null: the one that names itself in `<git-common-dir>/dx/worker.pid`
 * while holding the lock, or one started and not yet holding it (`dx/worker.starting`, written by the
 * hook or command that started it). A starting pid counts only when /proc shows it runs a dx-hooks
 * worker (a reused pid does not), as runtime.sh dx_pid_live.
 */
export function liveWorker(ctx: RepoContext): number | null {
  const p = pidState(dxPaths(ctx).workerPid);
  if (p.state === 'alive') return p.pid;
  const st = pidState(dxPaths(ctx).workerStarting);
  if (st.state !== 'alive') return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('hook-worker') || cmdline.includes('dx-worker') ? st.pid : null;
  } catch {
    return null; // no /proc: unsure, so not live (the caller does the work itself)
  }
}
