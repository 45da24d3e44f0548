/**
 * A commit whose backup was never even queued: the post-commit shim could not write
 * `<git-common-dir>/dx` (a full disk, a read-only or broken dx dir), so no worker will push it and no
 * pending entry says so. The next hook or command notices: HEAD's branch tip is reached by no
 * remote-tracking ref and no landed WIP push (refs/dx/pushed/*), and no push of it is pending.
 * One git call at most (none when the last landed push was HEAD); the worker then mirrors it like a queued commit.
 */
import fs from 'node:fs';
import { dxPaths } from '../context.js';
import { gitTry } from '../git.js';
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { readState } from '../state.js';
import { isLocked, workerLockStaleMs } from '../lock.js';
import { queueNonEmpty } from './queue.js';
import { wipRef } from './ref.js';

/** HEAD's branch and commit when they were never mirrored (see the file header). */
export interface Unmirrored { branch: string; sha: string; ref: string }

/**
 * HEAD's branch tip when no WIP push covers it and none is pending; null when it is covered, queued
 * or being pushed by a worker, when WIP pushing is off, on a detached HEAD, or when dx-hooks is not
 * installed in this repository. `underLock`: the caller is the worker (holding the lock, the queue taken).
 */
export async function unmirroredHead(s: Session, opts: { underLock?: boolean } = {}): Promise<Unmirrored | null> {
  if (!s.config.wip.enabled || s.config.wip.push === 'off') return null;
  if (!fs.existsSync(dxPaths(s.ctx).install)) return null;
  const head = await headState(s.ctx);
  if (!head.branch || !head.sha) return null;
  const ref = wipRef(s.config.wip.refPrefix, s.host, head.branch);
  const known = readState(s.ctx).state.wip[ref];
  if (known?.pending) return null;
  // The last push that landed on this branch's WIP ref was HEAD itself (the usual case): covered, no git call.
  if (known?.lastPushed === head.sha) return null;
  // Queued, or a worker is at it right now: not missed, only not done yet.
  if (!opts.underLock && (queueNonEmpty(s.ctx) || (await isLocked(dxPaths(s.ctx).lock, workerLockStaleMs())))) return null;
  const r = await gitTry(['rev-list', '-n', '1', head.sha, '--not', '--remotes', '--glob=refs/dx/pushed/*'], { cwd: s.ctx.top });
  if (r.code !== 0 || !r.stdout.trim()) return null;
  return { branch: head.branch, sha: head.sha, ref };
}
