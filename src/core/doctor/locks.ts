/**
 * Doctor's `LOCK_STALE`: lock directories (proper-lockfile's `<file>.lock`) left by a process that
 * died holding them — the worker and guard locks under `<git-common-dir>/dx/`, the batch run locks
 * in the user's state directory, the machine-config lock. A live lock is refreshed every 15 s and
 * is never stale; `--fix` checks again right before removing one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { pidAlive } from '../batch/progress.js';
import { appendLedger } from '../ledger.js';
import { userDirs } from '../machine.js';
import type { Diagnostic } from './types.js';
import { shellOperand } from '../text/shell.js';

/** proper-lockfile's stale time as dx-hooks uses it (every `acquireLock` caller): ms. */
export const LOCK_STALE_MS = 30_000;

/** A lock directory and, for batch run locks, the file holding the owner's pid. */
export interface LockDir { dir: string; what: string; pidFile?: string }

/**
 * Whether a lock is stale. A known owner decides (alive: never stale; dead: stale at once);
 * without one, a lock not refreshed for `staleMs` is stale. Times in ms. Pure.
 */
export function lockIsStale(o: { mtimeMs: number; now: number; staleMs?: number; owner?: { pid: number; alive: boolean } | null }): boolean {
  if (o.owner) return !o.owner.alive;
  return o.now - o.mtimeMs > (o.staleMs ?? LOCK_STALE_MS);
}

function lockDirsIn(dir: string, what: (name: string) => string, pidFile?: (name: string) => string): LockDir[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return names.filter((d) => d.isDirectory() && d.name.endsWith('.lock')).map((d) => ({ dir: path.join(dir, d.name), what: what(d.name), ...(pidFile ? { pidFile: pidFile(d.name) } : {}) }));
}

/** The repository's locks: every `*.lock` directory in `<git-common-dir>/dx/` (worker, guard). */
export function repoLocks(ctx: RepoContext): LockDir[] {
  return lockDirsIn(ctx.dxDir, (n) => `the ${n.slice(0, -'.lock'.length)} lock`);
}

/** The user-level locks: each batch command's run lock (owner pid in `<state>/<command>/run`) and the machine-config lock. */
export function userLocks(): LockDir[] {
  const { state, config } = userDirs();
  const out: LockDir[] = [];
  let commands: fs.Dirent[] = [];
  try {
    commands = fs.readdirSync(state, { withFileTypes: true }).filter((d) => d.isDirectory());
  } catch {
    /* no state dir yet */
  }
  for (const c of commands) out.push(...lockDirsIn(path.join(state, c.name), () => `the ${c.name} batch lock`, (n) => path.join(state, c.name, n.slice(0, -'.lock'.length))));
  out.push(...lockDirsIn(config, () => 'the machine-config lock'));
  return out;
}

function ownerOf(l: LockDir): { pid: number; alive: boolean } | null {
  if (!l.pidFile) return null;
  try {
    const pid = Number(fs.readFileSync(l.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? { pid, alive: pid === process.pid || pidAlive(pid) } : null;
  } catch {
    return null;
  }
}

/** Whether `l` is stale now (false when it is gone). */
function staleNow(l: LockDir): { stale: boolean; ageS: number; owner: { pid: number; alive: boolean } | null } {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(l.dir).mtimeMs;
  } catch {
    return { stale: false, ageS: 0, owner: null };
  }
  const now = Date.now();
  const owner = ownerOf(l);
  return { stale: lockIsStale({ mtimeMs, now, owner }), ageS: Math.round((now - mtimeMs) / 1000), owner };
}

/**
 * Diagnose `locks`. Removing one that belongs to a repository (`ctx`, `host` given) writes a
 * `doctor.fix` ledger line first.
 */
export function checkLocks(locks: LockDir[], repo: { ctx: RepoContext; host: string } | null): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const l of locks) {
    const now = staleNow(l);
    if (!now.stale) continue;
    const why = now.owner ? `its owner (pid ${now.owner.pid}) is gone` : `not refreshed for ${now.ageS} s (a live one is refreshed every ${LOCK_STALE_MS / 2000} s)`;
    out.push({
      code: 'LOCK_STALE', id: `LOCK_STALE:${l.dir}`, severity: 'warning', fixable: true,
      message: `${l.what} ${l.dir} was left by a process that died: ${why}`,
      hint: `dx-hooks doctor --fix (or, after checking no dx-hooks process runs: rm -r ${shellOperand(l.dir)})`,
      fix: async () => {
        if (!staleNow(l).stale) return `kept ${l.dir}: it is held again (or gone) now`;
        if (repo) appendLedger(repo.ctx, { host: repo.host, op: 'doctor.fix', ok: true, paths: [l.dir], detail: { code: 'LOCK_STALE', fix: 'remove lock' } });
        fs.rmSync(l.dir, { recursive: true, force: true });
        return `removed ${l.dir}`;
      },
    });
  }
  return out;
}
