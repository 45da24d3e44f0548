/**
 * `dx-hooks undo`: reverse one undoable ledger event (see info.ts). It first snapshots the work
 * tree and writes its own undoable `undo` event — what puts back the state before THIS undo — so
 * an undo can itself be undone. Then: the refs go back in one atomic transaction (each checked
 * against its current value); when HEAD's branch moves and the event recorded no work tree, the
 * work tree follows like `git checkout` would (carrying local changes, refusing to overwrite
 * them); when the event recorded a work tree, it is put back exactly (restoreWorktree); and
 * refs the event had mirrored to a remote are mirrored again.
 */
import type { Snapshot } from '../snapshot.js';
import { DxError, EXIT, describeError } from '../errors.js';
import { git, gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { protectedLosses, type ProtectedLoss } from '../protect/match.js';
import { protectionInForce } from '../protect/inforce.js';
import { keepReachable, moveRefs, readRef, type RefMove } from '../refs.js';
import { keepPending, pushRefs, type PushRefsResult } from '../remote-refs.js';
import { rememberEntries } from '../wip/forget.js';
import type { Session } from '../session.js';
import { snapshotBefore } from '../worktree/before.js';
import { removedPaths, restoreWorktree } from '../worktree/restore.js';
import type { UndoInfo } from './info.js';
import { listUndoable, type UndoEntry } from './list.js';

/** What an undo did. `id` is the new `undo` event (undo it with `dx-hooks undo <id>`). */
export interface UndoResult {
  id: string;
  undid: Pick<UndoEntry, 'id' | 'op' | 'summary' | 'ts'>;
  refs: Record<string, { old: string | null; new: string | null }>;
  /** the work tree was put back to this snapshot */
  worktree: string | null;
  /** HEAD's branch moved and the work tree followed it (checkout-style) */
  carried: boolean;
  /** paths restoreWorktree left as they were (secrets, big or ignored files) */
  kept: string[];
  /** the snapshot taken before this undo */
  snapshot: string;
  push: PushRefsResult | null;
}

/**
 * Pick the event: `id` (exact, or a prefix naming exactly one), else the newest one still in effect.
 * Refuses (unless `force`) what could be the wrong operation: without an id, when an unreadable
 * (torn or foreign) ledger line is newer than the pick — the newest operation may be that one; and
 * an event recorded by another host (a shared git dir, or DX_HOST changed).
 * @throws DxError NOTHING_TO_UNDO, UNDO_NOT_FOUND, UNDO_AMBIGUOUS, LEDGER_TORN, UNDO_OTHER_HOST (exit 1)
 */
export function pick(entries: UndoEntry[], id: string | undefined, opts: { host: string; invalidLines?: number[]; force?: boolean }): UndoEntry {
  let e: UndoEntry | undefined;
  if (!id) {
    e = entries.find((x) => !x.undoneBy);
    if (!e) throw new DxError('NOTHING_TO_UNDO', 'nothing to undo: no operation in the ledger can be reversed', 'See what happened: dx-hooks log', EXIT.FAILED);
    const newer = (opts.invalidLines ?? []).filter((n) => n > (e as UndoEntry).line);
    if (newer.length && !opts.force) {
      throw new DxError('LEDGER_TORN', `the ledger has ${newer.length} unreadable line(s) (line ${newer.slice(0, 3).join(', ')}) newer than the newest undoable event ${e.id} (${e.summary}): the newest operation may be that unreadable one, so undo will not guess`,
        'Name the event to reverse: dx-hooks undo --list, then dx-hooks undo <id> (or repeat with --force to reverse the newest readable one).', EXIT.FAILED);
    }
  } else {
    e = entries.find((x) => x.id === id);
    if (!e) {
      const prefixed = entries.filter((x) => x.id.startsWith(id));
      if (prefixed.length > 1) throw new DxError('UNDO_AMBIGUOUS', `"${id}" names ${prefixed.length} events (${prefixed.slice(0, 4).map((x) => x.id).join(', ')}); nothing was undone`, 'Give more of the id: dx-hooks undo --list', EXIT.FAILED);
      if (!prefixed.length) throw new DxError('UNDO_NOT_FOUND', `no undoable event "${id}"`, 'List them: dx-hooks undo --list', EXIT.FAILED);
      e = prefixed[0] as UndoEntry;
    }
  }
  if (e.host !== opts.host && !opts.force) {
    throw new DxError('UNDO_OTHER_HOST', `event ${e.id} (${e.summary}) was recorded by host "${e.host}", not by this host "${opts.host}"; nothing was undone`,
      `Undo it on that host, or, if this really is the same machine, repeat with --force: dx-hooks undo ${e.id} --force`, EXIT.FAILED);
  }
  return e;
}

/**
 * Undo one event.
 * @throws DxError NOTHING_TO_UNDO, UNDO_NOT_FOUND, UNDO_AMBIGUOUS, LEDGER_TORN, UNDO_OTHER_HOST (see pick), ALREADY_UNDONE, UNDO_WOULD_OVERWRITE, PROTECTED (all exit 1, before anything changed)
 */
export async function undo(s: Session, id: string | undefined, opts: { force?: boolean } = {}): Promise<UndoResult> {
  const { ctx } = s;
  const listed = await listUndoable(ctx);
  const entry = pick(listed.entries, id, { host: s.host, invalidLines: listed.invalidLines, force: opts.force });
  if (entry.undoneBy && !opts.force) {
    throw new DxError('ALREADY_UNDONE', `event ${entry.id} (${entry.summary}) was already undone by ${entry.undoneBy}`, `Undo that undo instead (dx-hooks undo ${entry.undoneBy}), or repeat with --force.`, EXIT.FAILED);
  }
  const info: UndoInfo = entry.undo;
  const head = await headState(ctx);
  const headRef = head.branch ? `refs/heads/${head.branch}` : 'HEAD';
  const before: Snapshot = await snapshotBefore(s, `undo ${entry.id}`);
  const moves: RefMove[] = [];
  for (const [ref, value] of Object.entries(info.refs ?? {})) moves.push({ ref, value, expect: await readRef(ctx, ref) });

  // HEAD's branch moving without a recorded work tree (and not a soft move): the files follow, as `git checkout` would.
  const headMove = info.worktree || info.keepFiles ? undefined : moves.find((m) => (m.ref === headRef || m.ref === 'HEAD') && m.value !== m.expect);
  let carry = false;
  if (headMove && head.sha) {
    if (headMove.value === null) {
      if (!opts.force) throw new DxError('UNDO_DELETES_HEAD', `undoing ${entry.id} would delete ${headMove.ref}, the branch you are on`, 'Switch to another branch first, or repeat with --force.', EXIT.FAILED);
    } else {
      const dry = await gitTry(['read-tree', '-m', '-u', '-n', head.sha, headMove.value], { cwd: ctx.top });
      if (dry.code === 0) carry = true;
      else if (!opts.force) {
        throw new DxError('UNDO_WOULD_OVERWRITE', `undoing ${entry.id} moves ${headMove.ref}, and your local changes conflict with it: ${dry.stderr.trim().split('\n').slice(0, 4).join(' / ')}`,
          'Commit or stash them (a snapshot is taken either way), or repeat with --force to move the branch only and leave index and files as they are.', EXIT.FAILED);
      }
    }
  }
  if (info.worktree && !opts.force) {
    const isProtected = (await protectionInForce(s)).isProtected;
    const losses: ProtectedLoss[] = [...await protectedLosses(ctx, isProtected, before.sha, info.worktree.snapshot)];
    if (losses.length) {
      throw new DxError('PROTECTED', `undoing ${entry.id} would ${losses.map((l) => `${l.kind === 'deleted' ? 'delete' : l.kind === 'lost-exec-bit' ? 'drop the exec bit of' : 'change the type of'} ${l.path}`).join(', ')} (protect.paths)`, 'Repeat with --force if that is really intended.', EXIT.FAILED);
    }
  }

  // What puts back the state before this undo.
  const reverse: UndoInfo = {};
  if (moves.length) reverse.refs = Object.fromEntries(moves.map((m) => [m.ref, m.expect]));
  if (info.worktree) reverse.worktree = { snapshot: before.sha, head: head.sha, branch: head.branch };
  if (info.push) reverse.push = info.push;
  if (info.keepFiles) reverse.keepFiles = true;
  const newId = newEventId();
  await keepReachable(ctx, newId, [before.sha, ...moves.flatMap((m) => (m.expect ? [m.expect] : []))]);
  const refs = Object.fromEntries(moves.filter((m) => m.value !== m.expect).map((m) => [m.ref, { old: m.expect, new: m.value }]));
  const removed = info.worktree ? await removedPaths(ctx, before.sha, info.worktree.snapshot) : [];
  appendLedger(ctx, {
    id: newId, host: s.host, op: 'undo', ok: true, refs,
    detail: { undid: entry.id, undidOp: entry.op, summary: `undid ${entry.op} ${entry.id}: ${entry.summary}`, snapshot: before.sha, removed, forced: !!opts.force, undo: reverse },
  });
  let kept: string[] = [];
  try {
    await moveRefs(ctx, moves, `dx-hooks: undo ${entry.id}`);
    if (carry && headMove?.value && head.sha) await git(['read-tree', '-m', '-u', head.sha, headMove.value], { cwd: ctx.top });
    if (info.worktree) kept = (await restoreWorktree(ctx, info.worktree, before)).kept;
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
  return { id: newId, undid: { id: entry.id, op: entry.op, summary: entry.summary, ts: entry.ts }, refs, worktree: info.worktree?.snapshot ?? null, carried: carry, kept, snapshot: before.sha, push };
}
