/**
 * `checkpoint rm <name>`: delete the tag locally and on the remote. The ledger line carries the
 * tag object's sha (kept reachable under refs/dx/undo/) so `dx-hooks undo` brings the checkpoint
 * back, on the remote too.
 */
import { describeError } from '../errors.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { keepReachable, moveRefs } from '../refs.js';
import { keepPending, pushRefs, type PushRefsResult } from '../remote-refs.js';
import type { Session } from '../session.js';
import { resolveRemote } from '../wip/remote.js';
import { findCheckpoint } from './read.js';
import type { CheckpointInfo } from './tag.js';

/** What rm did: the checkpoint removed, its ledger event, and the remote deletion (null: no remote). */
export interface RemoveCheckpointResult { id: string; checkpoint: CheckpointInfo; push: PushRefsResult | null }

/**
 * Remove checkpoint `name` (fetched first when only the remote has it, so its sha is recorded).
 * @throws DxError CHECKPOINT_NOT_FOUND
 */
export async function removeCheckpoint(s: Session, name: string): Promise<RemoveCheckpointResult> {
  const { ctx } = s;
  const cp = await findCheckpoint(s, name);
  let remote: string | null = null;
  try {
    remote = await resolveRemote(ctx, s.config.remote, (await headState(ctx)).branch);
  } catch {
    // No remote: the checkpoint only ever existed here.
  }
  const id = newEventId();
  await keepReachable(ctx, id, [cp.tag]);
  const undo: Record<string, unknown> = { refs: { [cp.ref]: cp.tag } };
  if (remote) undo.push = { remote, refs: [cp.ref] };
  appendLedger(ctx, {
    id, host: s.host, op: 'checkpoint.rm', ok: true,
    refs: { [cp.ref]: { old: cp.tag, new: null } },
    detail: { name, tag: cp.tag, snapshot: cp.snapshot, summary: `removed checkpoint ${name} (tag ${cp.tag.slice(0, 7)})`, undo },
  });
  try {
    await moveRefs(ctx, [{ ref: cp.ref, value: null, expect: cp.tag }], `dx-hooks: checkpoint rm ${name}`);
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'checkpoint.rm', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
  const push = remote ? await pushRefs(ctx, remote, [cp.ref]) : null;
  if (push && !push.ok) await keepPending(s, push, false);
  if (push && !push.ok) appendLedger(ctx, { host: s.host, op: 'checkpoint.push', ok: false, error: push.error ?? 'push failed', refs: { [cp.ref]: { old: cp.tag, new: null } }, detail: { name, remote: push.remote, for: id } });
  return { id, checkpoint: cp, push };
}
