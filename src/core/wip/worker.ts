/**
 * The worker: what runs after the shims (detached in the background for post-commit,
 * post-rewrite and post-checkout; in the foreground for pre-push and commands). Under the lock it
 * takes the queue, adds pending retries, coalesces (one push per WIP ref for a burst of commits),
 * mirrors, and refreshes the other-host warnings — looping until the queue stays empty.
 */
import { describeError } from '../errors.js';
import fs from 'node:fs';
import { dxPaths, type RepoContext } from '../context.js';
import { rmInside, writeInside } from '../nofollow.js';
import { gitTry } from '../git.js';
import { branchTip, headState } from '../head.js';
import { fetchIndexTip, listedIndexTip, localIndexTip, readIndexAt } from '../wipindex/store.js';
import { appendLedger } from '../ledger.js';
import { acquireLock, workerLockStaleMs } from '../lock.js';
import type { Session } from '../session.js';
import { readState } from '../state.js';
import { writeBanner } from './banner.js';
import { mirror, type MirrorItem, type MirrorReport } from './mirror.js';
import { writeBranchWarnings } from './others.js';
import { queueNonEmpty, takeQueue, type QueueItem } from './queue.js';
import { slotKeepsReplaced, wipRef } from './ref.js';
import { resolveRemote } from './remote.js';
import { guardRemoteRefs, type VanishedReport } from './vanished.js';
import { liveWorker, pidState } from './live.js';

export { liveWorker };

/**
 * Options for one worker run. `debounceMs`: wait before taking the queue so a burst of commits coalesces.
 * `guardRemote` (default true): first check the remote for dx refs that vanished and restore them (vanished.ts).
 * `outwaitDeadHolder`: when the lock's holder died (worker.pid names no process), wait up to 35 s for
 * its lock to go stale instead of `waitLockMs` (background workers: the hook that starts one has queued).
 */
export interface WorkerOptions {
  /** `refreshWarnings`: look at other hosts' WIP after the pushes — always (true), never (false), or only when the last look is older than DX_REFRESH_SECONDS ('due': the hooks' worker) */
  waitLockMs?: number; debounceMs?: number; refreshWarnings?: boolean | 'due'; guardRemote?: boolean; outwaitDeadHolder?: boolean;
  /** the caller fetched the WIP index into its local copy just now (sync's fetch --prune): the warnings refresh reads that copy */
  indexFetched?: boolean;
}

/** What a worker run did: `busy` when another process held the lock (it will do the work); `vanished`: what the remote check restored or could not; `hookStateError`: why the hook state could not be rewritten (in the ledger too; the hooks are careful meanwhile). */
export type WorkerResult = { busy: true; hookStateError?: string | null } | { busy: false; reports: MirrorReport[]; warned: string[] | null; refreshError: string | null; vanished?: VanishedReport | null; hookStateError?: string | null };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether the other-host warnings are due for a refresh: the worker's last look (dx/warnings-refreshed,
 * Unix seconds) is older than DX_REFRESH_SECONDS (default 60, as runtime.sh dx_checkout_due), missing,
 * unreadable or in the future.
 */
export function refreshDue(ctx: RepoContext, env: NodeJS.ProcessEnv = process.env): boolean {
  const every = /^[0-9]{1,9}$/.test(env.DX_REFRESH_SECONDS ?? '') ? Number(env.DX_REFRESH_SECONDS) : 60;
  let last: number;
  try {
    last = Number(fs.readFileSync(dxPaths(ctx).warningsRefreshed, 'utf8').trim());
  } catch {
    return true;
  }
  const now = Math.floor(Date.now() / 1000);
  return !Number.isInteger(last) || last > now || now - last >= every;
}

/**
 * Stop being a live worker for the hooks: the hook that started this node wrote the pid of its sh (this
 * process's parent) to dx/worker.starting, and that sh lives as long as this node does; a command that
 * started it wrote this node's own pid. Removed only when it names one of those two (a newer worker keeps its name). A failure is logged: the cost is a hook
 * that trusts this process a little longer (its entry waits for the next hook), never a lost commit.
 */
function unnameStarter(s: Session): void {
  const file = dxPaths(s.ctx).workerStarting;
  try {
    // A hook names its sh (this node's parent); a command (commands/background.ts) names this node.
    const named = fs.readFileSync(file, 'utf8').trim();
    if (named !== String(process.ppid) && named !== String(process.pid)) return;
  } catch {
    return; // missing: this worker was not started by a hook
  }
  try {
    rmInside(s.ctx.commonDir, file);
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'worker', ok: false, error: `could not remove ${file}: ${describeError(err)}` });
  }
}

/** Whether `pidFile` names a process that no longer exists (ESRCH). Missing, unreadable or alive: false. */
function holderDead(pidFile: string): boolean {
  return pidState(pidFile).state === 'dead';
}

async function toMirrorItems(s: Session, queued: QueueItem[], lookForUnqueued: boolean): Promise<MirrorItem[]> {
  const byRef = new Map<string, MirrorItem>();
  const { state } = readState(s.ctx);
  // A newer commit supersedes a pending snapshot — or, on a detached HEAD, an earlier session's commit:
  // push the newer one, and keep the older aside in the same push (aside.ts).
  const supersede = (ref: string, next: MirrorItem) => {
    const prev = byRef.get(ref);
    if (prev) next.keep = [...new Set([...(next.keep ?? []), ...(prev.keep ?? []), ...(prev.dirty || slotKeepsReplaced(next.branch) ? [prev.sha] : [])])].filter((k) => k !== next.sha);
    byRef.set(ref, next);
  };
  // Pending retries first, so anything queued later for the same ref supersedes them.
  for (const ws of Object.values(state.wip)) {
    const p = ws.pending;
    if (!p) continue;
    let sha = p.sha;
    if (!p.dirty && p.branch) {
      sha = (await branchTip(s.ctx, p.branch)) ?? sha;
    }
    supersede(wipRef(s.config.wip.refPrefix, s.host, p.branch), { branch: p.branch, sha, dirty: p.dirty, base: p.dirty ? null : sha, keep: p.keep });
  }
  for (const q of queued) {
    if (q.kind === 'ref') continue; // pushed as it is, after the WIP (pushQueuedRefs)
    if (q.kind === 'detached') {
      supersede(wipRef(s.config.wip.refPrefix, s.host, null), { branch: null, sha: q.sha, dirty: false, base: q.sha });
      continue;
    }
    const sha = await branchTip(s.ctx, q.branch);
    if (!sha) continue; // branch deleted since: nothing to mirror
    supersede(wipRef(s.config.wip.refPrefix, s.host, q.branch), { branch: q.branch, sha, dirty: false, base: sha });
  }
  // A commit the shim could not queue (the dx dir was not writable): noticed here, mirrored like a queued one.
  // Once per run (the first round): a commit made while this worker runs is queued, and so taken by a later round.
  // Not when HEAD's branch is queued already (the usual commit): that entry mirrors its tip.
  const head = lookForUnqueued ? await headState(s.ctx) : null;
  const headQueued = !!head?.branch && byRef.has(wipRef(s.config.wip.refPrefix, s.host, head.branch));
  const { unmirroredHead } = await import('./unmirrored.js');
  const missed = lookForUnqueued && !headQueued ? await unmirroredHead(s, { underLock: true }) : null;
  if (missed && !byRef.has(missed.ref)) {
    appendLedger(s.ctx, { host: s.host, op: 'wip.unmirrored', ok: true, refs: { [missed.ref]: { new: missed.sha } }, detail: { branch: missed.branch, why: 'HEAD was never queued for backup (the hook could not write the dx dir?); mirroring it now' } });
    byRef.set(missed.ref, { branch: missed.branch, sha: missed.sha, dirty: false, base: missed.sha });
  }
  for (const item of byRef.values()) {
    if (item.dirty && !item.base) {
      const parent = await gitTry(['rev-parse', '-q', '--verify', `${item.sha}^`], { cwd: s.ctx.top });
      item.base = parent.code === 0 ? parent.stdout.trim() : null;
    }
  }
  return [...byRef.values()];
}

/**
 * Refresh the other-host warnings from the remote index (one fetch). Returns the warned
 * branches, or throws when the index cannot be fetched.
 */
export async function refreshWarnings(s: Session, pushed: MirrorReport[] = [], indexFetched = false): Promise<string[]> {
  const head = await headState(s.ctx);
  const remote = await resolveRemote(s.ctx, s.config.remote, head.branch);
  // The index this run just pushed to that remote is the one to read: no second fetch of it.
  let index = pushed.flatMap((r) => r.index).filter((i) => i.remote === remote && i.ok && i.now).at(-1)?.now ?? null;
  if (!index) {
    const listed = indexFetched ? undefined : await listedIndexTip(s.ctx, remote);
    const tip =
      indexFetched ? await localIndexTip(s.ctx)
      : listed !== undefined ? listed
      : await fetchIndexTip(s.ctx, remote);
    if (!tip) return writeBranchWarnings(s, { schema_version: 1, repo: '', updated: 0, entries: {}, hosts: {} }, remote);
    const read = await readIndexAt(s.ctx, tip, s.host);
    if ('error' in read) throw new Error(`the index on ${remote} is corrupt: ${read.error} (fix: dx-hooks index rebuild)`);
    index = read.index;
  }
  // Only entries the remote's WIP refs back become checkout warnings (one ls-remote).
  const { trustIndex } = await import('../wipindex/trust.js');
  return writeBranchWarnings(s, (await trustIndex(s.ctx, remote, s.config.wip.refPrefix, index)).index, remote);
}

/**
 * Refs queued as they are (session saves): recorded as ref pushes with 0 attempts (this worker holds the
 * lock), which retryRefPushes below pushes in the same run; what fails stays pending there (the banner, the
 * next hook's or command's retry), never dropped.
 */
async function recordQueuedRefs(s: Session, queued: QueueItem[]): Promise<void> {
  const refs = [...new Set(queued.flatMap((q) => (q.kind === 'ref' ? [q.ref] : [])))];
  if (!refs.length) return;
  let remote = '';
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    remote = ''; // none yet: pending until there is one (remote-refs.ts pendingRemote)
  }
  const { addRefPushes } = await import('../remote-refs.js');
  addRefPushes(s.ctx, remote, refs);
}

/**
 * Run the worker once (looping while the queue refills). Network failures never throw: they end up
 * pending, in the ledger and in the banner. Throws only for local failures (unwritable state).
 */
export async function runWorker(s: Session, opts: WorkerOptions = {}): Promise<WorkerResult> {
  // A hook state that cannot be written is marked careful and logged; the backup goes on.
  const { refreshHookState } = await import('../hookstate/write.js');
  const hookStateError = await refreshHookState(s);
  // Are the hooks still the ones git runs (a runtime older than this package, a hook deleted or renamed)? Files only, no git call (issue 11).
  try {
    const { refreshHookAlert } = await import('../hookcheck/alert.js');
    await refreshHookAlert(s.ctx, { askGit: false, machine: s.machine });
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'hooks.check', ok: false, error: describeError(err) });
  }
  if (!s.config.wip.enabled || s.config.wip.push === 'off') {
    // Turned off: what the shims queued before they saw the new mode is dropped (pending retries are kept for when it is back on).
    takeQueue(s.ctx).done();
    // A banner from before (a config that could not be read) is rewritten: only what is really pending stays in it.
    await writeBanner(s, readState(s.ctx).state);
    return { busy: false, reports: [], warned: null, refreshError: null, hookStateError };
  }
  const { lock: lockFile, workerPid } = dxPaths(s.ctx);
  // A holder that died (killed mid-push) left its pid and a lock that goes stale after 30 s: a
  // background worker waits that out (it costs a sleeping process, not the user's time), so the next
  // hook's worker replaces the dead one and nothing stays queued. Taking a lock over sooner could take
  // it from a live worker that has not written its pid yet.
  const stale = workerLockStaleMs();
  const wait = opts.outwaitDeadHolder && holderDead(workerPid) ? Math.max(opts.waitLockMs ?? 0, stale + 5000) : (opts.waitLockMs ?? 0);
  const release = await acquireLock(lockFile, wait, stale, s.ctx.commonDir);
  if (!release) return { busy: true, hookStateError };
  // Named for the hooks while held (one worker per burst): a hook that queued and finds this process
  // alive starts no node; this worker looks at the queue again after letting go (below).
  writeInside(s.ctx.commonDir, workerPid, `${process.pid}\n`, { fsync: false });
  const reports: MirrorReport[] = [];
  let warned: string[] | null = null;
  let refreshError: string | null = null;
  let vanished: VanishedReport | null = null;
  try {
    if (opts.debounceMs) await sleep(opts.debounceMs);
    let first = true;
    while (first || queueNonEmpty(s.ctx)) {
      const taken = takeQueue(s.ctx);
      for (const problem of taken.problems) appendLedger(s.ctx, { host: s.host, op: 'queue.unreadable', ok: false, error: problem });
      // Before anything fetches the index (which forgets a local copy the remote lacks): dx refs a push deleted behind pre-push's back come back.
      if (first && opts.guardRemote !== false) vanished = await guardRemoteRefs(s);
      const items = await toMirrorItems(s, taken.items, first);
      first = false;
      // The WIP refs now; the index once, after the queue stays empty: a burst of commits costs one
      // index update (a fetch, a commit and a push), not one per round (issue 12).
      if (items.length) reports.push(await mirror(s, items, { deferIndex: true }));
      await recordQueuedRefs(s, taken.items);
      taken.done();
    }
    if (readState(s.ctx).state.index.pending) reports.push(await mirror(s, []));
    // Other pending ref pushes (checkpoint tags, refs undo mirrors) go out with the WIP.
    const { retryRefPushes } = await import('../remote-refs.js');
    await retryRefPushes(s);
    // Rewrite the banner even when nothing was pushed: it may describe a failure that is gone (a fixed config).
    await writeBanner(s, readState(s.ctx).state);
    if (opts.refreshWarnings !== false && s.config.wip.enabled && (opts.refreshWarnings !== 'due' || refreshDue(s.ctx))) {
      try {
        warned = await refreshWarnings(s, reports, opts.indexFetched);
      } catch (err) {
        refreshError = describeError(err);
      }
      // When it last looked (a failed look too: a remote that is down is not asked again on every
      // checkout; the failure is in the worker log and the next due checkout or commit asks again).
      try {
        writeInside(s.ctx.commonDir, dxPaths(s.ctx).warningsRefreshed, `${Math.floor(Date.now() / 1000)}\n`, { fsync: false });
      } catch (err) {
        appendLedger(s.ctx, { host: s.host, op: 'worker', ok: false, error: `could not record the warnings refresh: ${describeError(err)}` });
      }
    }
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'worker', ok: false, error: describeError(err) });
    throw err;
  } finally {
    // The pid goes first, then the lock: a hook that still saw the pid queued before this point, and
    // the look at the queue below comes after it.
    try {
      rmInside(s.ctx.commonDir, workerPid);
    } catch (err) {
      appendLedger(s.ctx, { host: s.host, op: 'worker', ok: false, error: `could not remove ${workerPid}: ${describeError(err)}` });
    }
    await release();
    // Then the hooks' other name for this process, before the last look: a hook that queues after this
    // point finds no live worker and starts one; one that queued before it is seen by the look below.
    unnameStarter(s);
  }
  // A shim may have queued after our last look but before we released: do not strand it.
  if (queueNonEmpty(s.ctx)) {
    const again = await runWorker(s, { ...opts, debounceMs: 0, waitLockMs: 0 });
    if (!again.busy) reports.push(...again.reports);
  }
  return { busy: false, reports, warned, refreshError, vanished, hookStateError };
}
