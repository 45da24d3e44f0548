/**
 * The snapshot push (`dx-hooks checkpoint` with no name; named checkpoints are checkpoints/): snapshot the work tree (uncommitted and untracked work
 * included, secrets left out), record it in the ledger, and push it as this host's WIP in the
 * foreground under the worker lock. A failed push keeps the snapshot locally and pending.
 */
import { parseSize } from '../config/schema.js';
import { dxPaths } from '../context.js';
import { DxError } from '../errors.js';
import { appendLedger } from '../ledger.js';
import { acquireLock } from '../lock.js';
import type { Session } from '../session.js';
import { takeSnapshot, type Snapshot } from '../snapshot.js';
import { mirror, type MirrorReport } from './mirror.js';

/** What a snapshot push did: the snapshot, and the mirror report (`failed` non-empty: not on the remote). */
export interface SnapshotPushResult { snapshot: Snapshot; report: MirrorReport }

/**
 * Snapshot the work tree now and push it as this host's WIP, in the foreground.
 * @param message message of the snapshot commit (default: "dx-hooks snapshot: <HEAD subject>")
 * @throws DxError NOTHING_TO_SNAPSHOT, LOCKED (another worker held the lock for 30 s); never for a failed push
 */
export async function pushSnapshot(s: Session, message?: string): Promise<SnapshotPushResult> {
  const snapshot = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message });
  appendLedger(s.ctx, { host: s.host, op: 'snapshot', ok: true, detail: { sha: snapshot.sha, base: snapshot.base, dirty: snapshot.dirty, excluded: snapshot.excluded } });
  const release = await acquireLock(dxPaths(s.ctx).lock, 30_000, undefined, s.ctx.commonDir);
  if (!release) throw new DxError('LOCKED', 'another dx-hooks worker has held the lock for 30 s', 'Try again in a moment; `dx-hooks status` shows what is pending.');
  try {
    const report = await mirror(s, [{ branch: snapshot.branch, sha: snapshot.sha, base: snapshot.base, dirty: snapshot.dirty }]);
    return { snapshot, report };
  } finally {
    await release();
  }
}
