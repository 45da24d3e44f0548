/**
 * The snapshot push (`dx-hooks checkpoint` with no name; named checkpoints are checkpoints/): snapshot the work tree (uncommitted and untracked work
 * included, secrets left out), record it in the ledger, and push it as this host's WIP in the
 * foreground under the worker lock. A failed push keeps the snapshot locally and pending. The WIP
 * index update is left to the background worker unless `wait` (issue 12: it is a fetch, a commit and
 * a push the user need not wait for). A snapshot of the same tree on the same HEAD as the last one
 * pushed is that one: nothing new is pushed, and no ref is added anywhere.
 */
import { parseSize } from '../config/schema.js';
import { dxPaths } from '../context.js';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { acquireLock, workerLockStaleMs } from '../lock.js';
import type { Session } from '../session.js';
import { takeSnapshot, type Snapshot, type SnapshotStart } from '../snapshot.js';
import { readState } from '../state.js';
import { mirror, type MirrorReport } from './mirror.js';
import { wipRef } from './ref.js';

/**
 * What a snapshot push did: the snapshot, and the mirror report (`failed` non-empty: not on the remote;
 * `indexQueued`: the caller starts the background worker for the index update). `unchanged`: the work
 * tree matched the snapshot already pushed (`snapshot.sha` is that one); nothing was pushed.
 */
export interface SnapshotPushResult { snapshot: Snapshot; report: MirrorReport; unchanged: boolean }

/** `wait`: update the WIP index before returning (default: leave it to the background worker). `started`: the snapshot's first pass, already running (snapshot.ts startSnapshot). */
export interface SnapshotPushOptions { message?: string; wait?: boolean; started?: SnapshotStart }

/** The last pushed value of this snapshot's WIP ref when it records the same tree on the same HEAD (one git call), else null. */
async function samePushed(s: Session, snap: Snapshot): Promise<string | null> {
  const ws = readState(s.ctx).state.wip[wipRef(s.config.wip.refPrefix, s.host, snap.branch)];
  if (!ws?.lastPushed || ws.pending) return null;
  if (ws.lastPushed === snap.sha) return snap.sha;
  if (!snap.dirty) return null;
  const r = await gitTry(['log', '-1', '--format=%T %P', ws.lastPushed, '--'], { cwd: s.ctx.top });
  return r.code === 0 && r.stdout.trim() === `${snap.tree} ${snap.base ?? ''}`.trim() ? ws.lastPushed : null;
}

/**
 * Snapshot the work tree now and push it as this host's WIP, in the foreground.
 * @throws DxError NOTHING_TO_SNAPSHOT, LOCKED (another worker held the lock for 30 s); never for a failed push
 */
export async function pushSnapshot(s: Session, opts: SnapshotPushOptions = {}): Promise<SnapshotPushResult> {
  const taken = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message: opts.message }, opts.started);
  const same = await samePushed(s, taken);
  const snapshot = same ? { ...taken, sha: same } : taken;
  appendLedger(s.ctx, { host: s.host, op: 'snapshot', ok: true, detail: { sha: snapshot.sha, base: snapshot.base, dirty: snapshot.dirty, excluded: snapshot.excluded, ...(same ? { unchanged: true } : {}) } });
  if (same) return { snapshot, report: { pushed: [], failed: [], index: [], warnings: [] }, unchanged: true };
  const release = await acquireLock(dxPaths(s.ctx).lock, 30_000, workerLockStaleMs(), s.ctx.commonDir);
  if (!release) throw new DxError('LOCKED', 'another dx-hooks worker has held the lock for 30 s', 'Try again in a moment; `dx-hooks status` shows what is pending.');
  try {
    const report = await mirror(s, [{ branch: snapshot.branch, sha: snapshot.sha, base: snapshot.base, dirty: snapshot.dirty }], { deferIndex: !opts.wait });
    return { snapshot, report, unchanged: false };
  } finally {
    await release();
  }
}
