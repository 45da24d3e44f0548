/**
 * The worker lock (proper-lockfile: a `<file>.lock` directory refreshed while held, stale after
 * `staleMs`), so one process at a time pushes WIP and edits state.json — bursts of commits
 * coalesce behind it instead of racing each other.
 */
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { checkInside, mkdirInside } from './nofollow.js';

/** Release function returned by `acquireLock`. */
export type Release = () => Promise<void>;

/**
 * Take the lock on `file` (created if missing).
 * @param waitMs how long to keep retrying when another process holds it (0: try once)
 * @param staleMs a lock not refreshed for this long (ms) is taken over
 * @param root   when given (a repository's `.git` for the dx files), no directory on the way to `file`,
 *               nor `file` or its `.lock` directory, may be a symlink (nofollow.ts): refused, naming the link
 * @returns a release function, or null when the lock is held elsewhere after `waitMs`
 * @throws fs errors other than "already locked"; SymlinkRefused (with `root`)
 */
export async function acquireLock(file: string, waitMs = 0, staleMs = 30_000, root?: string): Promise<Release | null> {
  if (root) {
    mkdirInside(root, path.dirname(file));
    checkInside(root, file);
    checkInside(root, `${file}.lock`);
  } else fs.mkdirSync(path.dirname(file), { recursive: true });
  // Created without following a link at its name (O_NOFOLLOW); an existing file is left as it is.
  fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o666));
  const retries = waitMs > 0 ? { retries: Math.ceil(waitMs / 200), minTimeout: 200, maxTimeout: 200, factor: 1 } : 0;
  try {
    // A compromised lock (another process took it over) throws and ends this process: two workers must never edit state at once.
    return await lockfile.lock(file, { stale: staleMs, retries, realpath: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw err;
  }
}

/** Whether some process holds the lock on `file` (a stale lock counts as free). */
export async function isLocked(file: string, staleMs = 30_000): Promise<boolean> {
  if (!fs.existsSync(file)) return false;
  return lockfile.check(file, { stale: staleMs, realpath: false });
}

/**
 * How long (ms) the worker lock may go unrefreshed before another worker takes it over: 30 s, or
 * DX_LOCK_STALE_MS (at least 2000; the fault tests shorten it to see a killed worker replaced quickly).
 * A live holder refreshes its lock every half of it.
 */
export function workerLockStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DX_LOCK_STALE_MS);
  return Number.isFinite(n) && n >= 2000 ? Math.floor(n) : 30_000;
}
