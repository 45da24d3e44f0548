/**
 * `dx-hooks undo`: reverse one undoable ledger event (see info.ts). It first snapshots the work
 * tree and writes its own undoable `undo` event — what puts back the state before THIS undo — so
 * an undo can itself be undone. Then: the refs go back in one atomic transaction (each checked
 * against its current value); when HEAD's branch moves and the event recorded no work tree, the
 * work tree follows like `git checkout` would (carrying local changes, refusing to overwrite
 * them); when the event recorded a work tree, it is put back exactly (restoreWorkingTree); and
 * refs the event had mirrored to a remote are mirrored again; the stash entries a guarded `stash
 * drop`/`clear` destroyed are put back. plan.ts decides all of it first (and `undo --dry-run` stops there).
 */
import { describeError } from '../errors.js';
import { git } from '../git.js';
import { appendLedger, newEventId } from '../ledger.js';
import { keepReachable, moveRefs } from '../refs.js';
import { keepPending, pushRefs, type PushRefsResult } from '../remote-refs.js';
import { rememberEntries } from '../wip/forget.js';
import type { Session } from '../session.js';
import { removedPaths, restoreWorkingTree } from '../workingtree/restore.js';
import type { UndoInfo } from './info.js';
import type { UndoEntry } from './list.js';
import { planUndo, type UndoPlan } from './plan.js';
import { writeStash, type StashEntry } from './stash.js';

export { pick, planUndo, type UndoPlan } from './plan.js';

/** What an undo did. `id` is the new `undo` event (undo it with `dx-hooks undo <id>`). */
export interface UndoResult {
  id: string;
  undid: Pick<UndoEntry, 'id' | 'op' | 'summary' | 'ts'>;
  refs: Record<string, { old: string | null; new: string | null }>;
  /** the work tree was put back to this snapshot */
  worktree: string | null;
  /** HEAD's branch moved and the work tree followed it (checkout-style) */
  carried: boolean;
  /** paths restoreWorkingTree left as they were (secrets, big or ignored files) */
  kept: string[];
  /** the snapshot taken before this undo */
  snapshot: string;
  push: PushRefsResult | null;
  /** stash entries put back and dropped (null: the stash list was not touched) */
  stash: { added: StashEntry[]; dropped: StashEntry[] } | null;
}

/**
 * Undo one event: plan it (plan.ts, every refusal checked before anything changes), then apply it.
 * @throws DxError NOTHING_TO_UNDO, UNDO_NOT_FOUND, UNDO_AMBIGUOUS, LEDGER_TORN, UNDO_OTHER_HOST, ALREADY_UNDONE, UNDO_DELETES_HEAD, UNDO_WOULD_OVERWRITE, PROTECTED (all exit 1, before anything changed)
 */
export async function undo(s: Session, id: string | undefined, opts: { force?: boolean } = {}): Promise<UndoResult> {
  return applyUndo(s, await planUndo(s, id, { force: opts.force }), opts);
}

/**
 * Apply a plan made by planUndo (not a dry run's) — right after it, so the refs it expects are still there.
 * @throws GitError or DxError when a step fails (a ledger line says so; the state before is the plan's snapshot)
 */
export async function applyUndo(s: Session, plan: UndoPlan, opts: { force?: boolean } = {}): Promise<UndoResult> {
  const { ctx } = s;
  const { info, moves, headMove, before, head } = plan;
  const entry = plan.event;
  const carry = plan.carry;
  // What puts back the state before this undo.
  const reverse: UndoInfo = {};
  if (moves.length) reverse.refs = Object.fromEntries(moves.map((m) => [m.ref, m.expect]));
  if (info.worktree) reverse.worktree = { snapshot: before.sha, head: head.sha, branch: head.branch };
  if (info.push) reverse.push = info.push;
  if (info.keepFiles) reverse.keepFiles = true;
  if (plan.stash) {
    reverse.stash = {
      ...(plan.stash.dropped.length ? { add: plan.stash.now } : {}),
      ...(plan.stash.added.length ? { drop: plan.stash.added.map((e) => e.sha) } : {}),
    };
  }
  const newId = newEventId();
  await keepReachable(ctx, newId, [before.sha, ...moves.flatMap((m) => (m.expect ? [m.expect] : [])), ...(plan.stash?.now.map((e) => e.sha) ?? [])]);
  const refs = plan.refs;
  const removed = info.worktree ? await removedPaths(ctx, before.sha, info.worktree.snapshot) : [];
  appendLedger(ctx, {
    id: newId, host: s.host, op: 'undo', ok: true, refs,
    detail: { undid: entry.id, undidOp: entry.op, summary: `undid ${entry.op} ${entry.id}: ${entry.summary}`, snapshot: before.sha, removed, forced: !!opts.force, undo: reverse },
  });
  let kept: string[] = [];
  try {
    await moveRefs(ctx, moves, `dx-hooks: undo ${entry.id}`);
    if (carry && headMove?.value && head.sha) await git(['read-tree', '-m', '-u', head.sha, headMove.value], { cwd: ctx.top });
    if (info.worktree) kept = (await restoreWorkingTree(ctx, info.worktree, before)).kept;
    if (plan.stash) await writeStash(ctx, plan.stash.after);
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'undo', ok: false, error: describeError(err), detail: { event: newId } });
    throw err;
  }
  let push: PushRefsResult | null = null;
  if (info.push) {
    push = await pushRefs(ctx, info.push.remote, info.push.refs, { force: true });
    if (!push.ok) await keepPending(s, push, true);
    if (!push.ok) appendLedger(ctx, { host: s.host, op: 'push', ok: false, error: push.error ?? 'push failed', detail: { for: newId, remote: push.remote, refs: push.refs } });
  }
  // A pruned WIP ref is back on the remote: its index entry too (a failure is in the ledger; `index rebuild` mends it).
  if (info.index && (!info.push || push?.ok)) await rememberEntries(s, info.index.remote, info.index.entries, `undo ${entry.id}`);
  return { id: newId, undid: { id: entry.id, op: entry.op, summary: entry.summary, ts: entry.ts }, refs, worktree: info.worktree?.snapshot ?? null, carried: carry, kept, snapshot: before.sha, push, stash: plan.stash ? { added: plan.stash.added, dropped: plan.stash.dropped } : null };
}
