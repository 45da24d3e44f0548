/**
 * DESIGN §3: "a failure is loud … kept as pending so the next hook or command retries it". Before a
 * command runs, this decides whether there is anything to retry and runs the worker for it; the
 * command prints what is still failing.
 */
import fs from 'node:fs';
import type { Session } from '../session.js';
import { readState } from '../state.js';

/** What the preflight did: `ran` the worker; `banner`: the failure still going on (null: none). */
export interface RetryResult { ran: boolean; banner: string | null }

/**
 * Whether work was left behind with no worker at it: queued commits, or a banner left by a failure
 * that is not in state.json (a worker that could not load `.dxrc` — "WIP backup paused" — or crashed,
 * a hook check that crashed). The session of `s` opened, so the config is readable now: the worker
 * pushes the queue and rewrites the banner from what is really still failing. Not while a worker
 * holds the lock: that one does it.
 */
async function leftBehind(s: Session): Promise<boolean> {
  const [{ dxPaths }, { isLocked }, { queueNonEmpty }] = await Promise.all([import('../context.js'), import('../lock.js'), import('./queue.js')]);
  const paths = dxPaths(s.ctx);
  if (!queueNonEmpty(s.ctx) && !fs.existsSync(paths.banner)) return false;
  return !(await isLocked(paths.lock));
}

/**
 * Retry what is pending for the repository of `s`: failed WIP, index and ref pushes, commits queued
 * while no worker could run (see leftBehind), and a HEAD commit the hook never queued. With WIP off
 * the worker only drops the queue and rewrites the banner.
 * @throws as runWorker: only for local failures (unwritable state)
 */
export async function retryPendingWork(s: Session): Promise<RetryResult> {
  const { state } = readState(s.ctx);
  const failing = Object.values(state.wip).some((w) => w.pending) || !!state.index.pending || state.refPushes.length > 0;
  let pending = (failing && s.config.wip.enabled) || (await leftBehind(s));
  // A commit the hook could not even queue (the dx dir was not writable) is retried the same way.
  if (!pending && !failing) pending = !!(await (await import('./unmirrored.js')).unmirroredHead(s));
  if (!pending) return { ran: false, banner: null };
  const { liveWorker, runWorker } = await import('./worker.js');
  // A worker is at it already (a checkpoint's background index update, a hook's worker): it takes the
  // pending work; waiting for its lock would only make this command slow.
  if (liveWorker(s.ctx)) {
    const { bannerText } = await import('./banner.js');
    return { ran: false, banner: await bannerText(s, state) };
  }
  await runWorker(s, { waitLockMs: 5000, refreshWarnings: false });
  const after = readState(s.ctx).state;
  const still = Object.values(after.wip).find((w) => w.pending);
  if (!(still || after.index.pending || after.refPushes.length)) return { ran: true, banner: null };
  const { bannerText } = await import('./banner.js');
  return { ran: true, banner: await bannerText(s, after) };
}
