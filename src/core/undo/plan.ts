/**
 * What `dx-hooks undo` WILL do, as data, before it does anything: which event it reverses (named to the
 * user first, so an undo never reverses another operation than the one they think), the refs it moves,
 * the work tree it puts back, the stash entries it re-adds or drops, the refs it mirrors. `undo
 * --dry-run` prints this plan and stops; `undo` checks the same plan, then applies it (apply.ts).
 */
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';
import { headState } from '../head.js';
import { protectedLosses, type ProtectedLoss } from '../protect/match.js';
import { protectionInForce } from '../protect/inforce.js';
import { readRef, type RefMove } from '../refs.js';
import type { Session } from '../session.js';
import type { Snapshot } from '../snapshot.js';
import { snapshotBefore } from '../workingtree/before.js';
import type { UndoInfo } from './info.js';
import { listUndoable, type UndoEntry } from './list.js';
import { readStash, sameStash, stashAfter, type StashEntry } from './stash.js';

/**
 * The plan. `event`: what is reversed. `refs`: the refs that change (`old` now, `new` after; null: absent).
 * `worktree`: the snapshot the work tree and index go back to. `carry`: HEAD's branch moves and the files
 * follow it as `git checkout` would. `stash`: the stash list now and after, with the entries put back
 * (`added`) and dropped. `push`: refs mirrored to a remote afterwards. `before`: the snapshot of the work
 * tree taken for this plan (a dry run's is never kept). `moves`, `headMove`, `info`: for apply.ts.
 */
export interface UndoPlan {
  event: Pick<UndoEntry, 'id' | 'op' | 'summary' | 'ts' | 'host'>;
  refs: Record<string, { old: string | null; new: string | null }>;
  worktree: string | null;
  carry: boolean;
  stash: { now: StashEntry[]; after: StashEntry[]; added: StashEntry[]; dropped: StashEntry[] } | null;
  push: { remote: string; refs: string[] } | null;
  before: Snapshot;
  head: { sha: string | null; branch: string | null };
  moves: RefMove[];
  headMove: RefMove | undefined;
  info: UndoInfo;
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
 * Plan the undo of event `id` (default: the newest in effect), checking everything that would refuse it.
 * Changes nothing but the object store: `dryRun` takes its look at the work tree without the content scan
 * and keeps nothing; otherwise `before` is the snapshot the undo itself is undone with.
 * @throws DxError NOTHING_TO_UNDO, UNDO_NOT_FOUND, UNDO_AMBIGUOUS, LEDGER_TORN, UNDO_OTHER_HOST (see pick), ALREADY_UNDONE, UNDO_DELETES_HEAD, UNDO_WOULD_OVERWRITE, PROTECTED (all exit 1)
 */
export async function planUndo(s: Session, id: string | undefined, opts: { force?: boolean; dryRun?: boolean } = {}): Promise<UndoPlan> {
  const { ctx } = s;
  const listed = await listUndoable(ctx);
  const entry = pick(listed.entries, id, { host: s.host, invalidLines: listed.invalidLines, force: opts.force });
  if (entry.undoneBy && !opts.force) {
    throw new DxError('ALREADY_UNDONE', `event ${entry.id} (${entry.summary}) was already undone by ${entry.undoneBy}`, `Undo that undo instead (dx-hooks undo ${entry.undoneBy}), or repeat with --force.`, EXIT.FAILED);
  }
  const info: UndoInfo = entry.undo;
  const head = await headState(ctx);
  const headRef = head.branch ? `refs/heads/${head.branch}` : 'HEAD';
  const before: Snapshot = await snapshotBefore(s, `undo ${entry.id}`, opts.dryRun ? { scan: false } : {});
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
  let stash: UndoPlan['stash'] = null;
  if (info.stash) {
    const now = await readStash(ctx);
    const after = stashAfter(now, info.stash);
    if (!sameStash(now, after)) {
      const had = new Set(now.map((e) => e.sha));
      const will = new Set(after.map((e) => e.sha));
      stash = { now, after, added: after.filter((e) => !had.has(e.sha)), dropped: now.filter((e) => !will.has(e.sha)) };
    }
  }
  const refs = Object.fromEntries(moves.filter((m) => m.value !== m.expect).map((m) => [m.ref, { old: m.expect, new: m.value }]));
  return {
    event: { id: entry.id, op: entry.op, summary: entry.summary, ts: entry.ts, host: entry.host },
    refs, worktree: info.worktree?.snapshot ?? null, carry, stash, push: info.push ?? null,
    before, head: { sha: head.sha, branch: head.branch }, moves, headMove, info,
  };
}
