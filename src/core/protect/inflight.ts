/**
 * Which multi-step git operation is in progress in this worktree (read from the git dir's state
 * files, as `git status` does), so a refusal can name the route and the one command that abandons it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';

/** An operation git leaves half-done when a hook refuses, and the command that abandons it. */
export interface InFlight { op: 'rebase' | 'am' | 'merge' | 'cherry-pick' | 'revert'; abort: string }

/**
 * The operation in progress in `ctx`'s worktree, or null. `rebase-apply/` holds both `git am`
 * (with an `applying` file) and `git rebase --apply` (with `rebasing`).
 */
export function operationInProgress(ctx: RepoContext): InFlight | null {
  const has = (f: string) => fs.existsSync(path.join(ctx.gitDir, f));
  if (has('rebase-merge')) return { op: 'rebase', abort: 'git rebase --abort' };
  if (has('rebase-apply')) return has('rebase-apply/applying') ? { op: 'am', abort: 'git am --abort' } : { op: 'rebase', abort: 'git rebase --abort' };
  if (has('MERGE_HEAD')) return { op: 'merge', abort: 'git merge --abort' };
  if (has('CHERRY_PICK_HEAD')) return { op: 'cherry-pick', abort: 'git cherry-pick --abort' };
  if (has('REVERT_HEAD')) return { op: 'revert', abort: 'git revert --abort' };
  return null;
}
