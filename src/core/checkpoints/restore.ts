/**
 * `checkpoint restore <name>`: put the branch, index and work tree back exactly as they were at
 * the checkpoint — the branch at the checkpoint's base commit, the index at the base's tree, the
 * work tree at the snapshot's tree (uncommitted changes back as uncommitted).
 *
 * Safety, in order: a snapshot of the current state first; refused (unless forced) when it would
 * delete or un-execute protected paths; refused (unless forced) when the checkpoint belongs to
 * another branch and switching would leave work behind — uncommitted changes on this branch, or
 * commits on that branch the checkpoint does not contain; a ledger line whose undo puts back the
 * state before the restore (`dx-hooks undo`). Untracked files the checkpoint lacks are removed
 * only because that snapshot holds them; secrets and big files it left out stay untouched.
 */
import { DxError, EXIT, describeError } from '../errors.js';
import { gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { protectedLosses, type ProtectedLoss } from '../protect/match.js';
import { protectionInForce } from '../protect/inforce.js';
import { keepReachable, readRef } from '../refs.js';
import type { Session } from '../session.js';
import { snapshotBefore } from '../workingtree/before.js';
import { removedPaths, restoreWorkingTree } from '../workingtree/restore.js';
import { findCheckpoint } from './read.js';
import type { CheckpointInfo } from './tag.js';

/** What restore did. `id` is its ledger event (undo it with `dx-hooks undo <id>`); `kept` lists files left as they were. */
export interface RestoreCheckpointResult {
  id: string;
  checkpoint: CheckpointInfo;
  /** the snapshot of the state before the restore */
  snapshot: string;
  branch: string | null;
  from: { branch: string | null; head: string | null };
  kept: string[];
  /** paths of `kept` left alone because they sit under a symbolic link the snapshot does not hold, with that link (repo-relative) */
  throughLinks: { path: string; link: string }[];
  forced: string[];
}

const describeLoss = (l: ProtectedLoss) => `${l.path} (${l.kind === 'deleted' ? 'deleted' : l.kind === 'lost-exec-bit' ? 'exec bit dropped' : 'type changed'})`;

/**
 * Restore checkpoint `name`.
 * @throws DxError CHECKPOINT_NOT_FOUND, PROTECTED, WOULD_LOSE_WORK (exit 1, nothing changed) — the last two unless `force`
 */
export async function restoreCheckpoint(s: Session, name: string, opts: { force?: boolean } = {}): Promise<RestoreCheckpointResult> {
  const { ctx } = s;
  const cp = await findCheckpoint(s, name);
  const head = await headState(ctx);
  const before = await snapshotBefore(s, `checkpoint restore ${name}`);
  const forced: string[] = [];

  const isProtected = (await protectionInForce(s)).isProtected;
  const losses = new Map<string, ProtectedLoss>();
  for (const l of await protectedLosses(ctx, isProtected, before.sha, cp.snapshot)) losses.set(l.path, l);
  if (head.sha && cp.base) for (const l of await protectedLosses(ctx, isProtected, head.sha, cp.base)) losses.set(l.path, l);
  if (losses.size) {
    if (!opts.force) {
      throw new DxError('PROTECTED', `refused: restoring checkpoint "${name}" would lose protected paths: ${[...losses.values()].map(describeLoss).join(', ')}`, 'Nothing was changed. If that is really intended: dx-hooks checkpoint restore ' + name + ' --force (undo it later with dx-hooks undo).', EXIT.FAILED);
    }
    forced.push('PROTECTED');
  }

  const target = cp.branch;
  const targetRef = target ? `refs/heads/${target}` : null;
  const targetOld = targetRef ? await readRef(ctx, targetRef) : null;
  if (target !== head.branch) {
    const reasons: string[] = [];
    if (before.dirty) reasons.push(`your uncommitted changes on ${head.branch ?? 'the detached HEAD'} would be replaced (they are in snapshot ${before.sha.slice(0, 12)})`);
    if (targetOld && cp.base && targetOld !== cp.base) {
      const contained = await gitTry(['merge-base', '--is-ancestor', targetOld, cp.base], { cwd: ctx.top });
      if (contained.code !== 0) reasons.push(`branch ${target} has commits since the checkpoint (${targetOld.slice(0, 12)}) that it would no longer contain`);
    }
    if (reasons.length) {
      if (!opts.force) {
        throw new DxError('WOULD_LOSE_WORK', `refused: checkpoint "${name}" was made on ${target ?? 'a detached HEAD'}, not on ${head.branch ?? 'this detached HEAD'}, and switching would leave work behind: ${reasons.join('; ')}`, `Nothing was changed. Commit first or switch to ${target ?? 'the checkpoint\'s commit'} yourself, or repeat with --force (undo it later with dx-hooks undo).`, EXIT.FAILED);
      }
      forced.push('WOULD_LOSE_WORK');
    }
  }

  const id = newEventId();
  await keepReachable(ctx, id, [before.sha, ...(targetOld ? [targetOld] : [])]);
  const refs: Record<string, { old: string | null; new: string | null }> = targetRef && targetOld !== cp.base ? { [targetRef]: { old: targetOld, new: cp.base } } : {};
  const removed = await removedPaths(ctx, before.sha, cp.snapshot);
  appendLedger(ctx, {
    id, host: s.host, op: 'checkpoint.restore', ok: true, refs,
    detail: {
      name, tag: cp.tag, checkpoint: cp.snapshot, snapshot: before.sha, removed, forced,
      summary: `restored checkpoint ${name} on ${target ?? 'a detached HEAD'} (base ${cp.base?.slice(0, 7) ?? 'none'}${before.dirty ? '; the uncommitted work before it is in the snapshot' : ''})`,
      undo: { refs: targetRef ? { [targetRef]: targetOld } : {}, worktree: { snapshot: before.sha, head: head.sha, branch: head.branch } },
    },
  });
  try {
    const { kept, throughLinks } = await restoreWorkingTree(ctx, { snapshot: cp.snapshot, head: cp.base, branch: target }, before);
    return { id, checkpoint: cp, snapshot: before.sha, branch: target, from: { branch: head.branch, head: head.sha }, kept, throughLinks, forced };
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'checkpoint.restore', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
}
