/**
 * The undo convention every changing operation follows — dx-hooks' own commands, the
 * reference-transaction records and the git wrapper alike. A ledger event is undoable when its
 * `detail.undo` says how to put back the state before it:
 *
 *   detail.undo = {
 *     refs?:     { "<ref>": "<sha to put back>" | null },   // null: delete the ref
 *     worktree?: { snapshot: "<snapshot commit>", head: "<sha>" | null, branch: "<name>" | null },
 *     push?:     { remote: "<name>", refs: ["<ref>", …] },  // then mirror these refs to the remote
 *     index?:    { remote: "<name>", entries: { "<host>/<branch>": <index entry> } },  // and, once pushed, put these back into dx/index
 *     keepFiles?: true,                                     // the refs move alone (a soft reset's undo)
 *     stash?:    { add?: [{ sha, message }, …],             // the stash list as it was (newest first): missing entries go back in place
 *                  restore?: ["<sha>", …],                  //   only these of them, when given (what the command dropped)
 *                  drop?: ["<sha>", …] }                    // stash entries to drop (what an earlier undo put back)
 *   }
 *
 * Without `worktree` and `keepFiles`, when the ref HEAD is on moves, the index and the work tree
 * follow it the way `git checkout`/`git reset --keep` would: files that differ between the two
 * commits are updated unless they hold local changes (then undo refuses). Right for a recorded
 * `git reset --hard`, and harmless for a `git reset --soft` (the index already matches).
 *
 * Read generically here, so a new kind of event needs no change to `undo`.
 */
import { z } from 'zod';
import { IndexEntrySchema } from '../wipindex/format.js';
import type { LedgerEvent } from '../ledger.js';

const Sha = z.string().regex(/^[0-9a-f]{40}$/);

/** zod schema of `detail.undo`. */
export const UndoInfoSchema = z.object({
  refs: z.record(z.string().min(1), Sha.nullable()).optional(),
  worktree: z.object({ snapshot: Sha, head: Sha.nullable(), branch: z.string().min(1).nullable() }).optional(),
  push: z.object({ remote: z.string().min(1), refs: z.array(z.string().min(1)) }).optional(),
  index: z.object({ remote: z.string().min(1), entries: z.record(z.string().min(1), IndexEntrySchema) }).optional(),
  keepFiles: z.boolean().optional(),
  stash: z.object({ add: z.array(z.object({ sha: Sha, message: z.string() })).optional(), restore: z.array(Sha).optional(), drop: z.array(Sha).optional() }).optional(),
});

/** How to undo one event (see the file header). */
export type UndoInfo = z.infer<typeof UndoInfoSchema>;

/** The undo information of `event`, or null when it has none (or it is malformed, or names nothing to do). */
export function undoInfoOf(event: LedgerEvent): UndoInfo | null {
  const raw = event.detail?.undo;
  if (raw === undefined) return null;
  const r = UndoInfoSchema.safeParse(raw);
  if (!r.success) return null;
  const hasRefs = r.data.refs !== undefined && Object.keys(r.data.refs).length > 0;
  const hasStash = !!(r.data.stash?.add?.length || r.data.stash?.drop?.length);
  return hasRefs || hasStash || r.data.worktree || r.data.push?.refs.length ? r.data : null;
}
