/**
 * dx-hooks' own files in the work tree that were never committed — `.dxrc.json` as install writes it
 * (or `.dxrc`, `.dxrc.yaml`, `dx.config.*`) and a `guard.telemetry` file kept in the repository. A
 * reference sync resets the work tree to the remote, but not these: the config is what makes the
 * repository a reference one, and removing it would quietly change the settings of every later run.
 */
import type { RepoContext } from '../context.js';
import { SEARCH_PLACES } from '../config/load.js';
import { git } from '../git.js';
import type { Session } from '../session.js';
import type { Snapshot } from '../snapshot.js';

/** The config places of SEARCH_PLACES that are dx-hooks' alone (package.json belongs to the project). */
const OWN_PLACES = SEARCH_PLACES.filter((p) => p !== 'package.json');

/**
 * dx-hooks' own files that are untracked (in no commit at HEAD, not in the index) and present in the
 * work tree of `s`: repository-relative paths, sorted. Ignored ones are listed too (harmless: no reset
 * touches them).
 * @throws GitError when git cannot list the work tree
 */
export async function ownUntrackedConfig(s: Session): Promise<string[]> {
  const places = [...OWN_PLACES, ...(s.config.guard.telemetry ? [s.config.guard.telemetry] : [])];
  const out = await git(['--literal-pathspecs', 'ls-files', '-z', '--others', '--', ...places], { cwd: s.ctx.top });
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

/**
 * Of `own`, the paths the commit `target` does not have. Where the remote has committed a file at the
 * same path, the committed one wins in a reset (the local one is in the undo snapshot: `dx-hooks undo`).
 * @throws GitError when git cannot read the tree
 */
export async function absentFrom(ctx: RepoContext, target: string, own: readonly string[]): Promise<string[]> {
  if (!own.length) return [];
  const there = await git(['--literal-pathspecs', 'ls-tree', '-z', '--name-only', '--full-tree', target, '--', ...own], { cwd: ctx.top });
  const have = new Set(there.split('\0').filter(Boolean));
  return own.filter((p) => !have.has(p));
}

/**
 * Whether `before` (a snapshot whose parent is `head`) differs from `head` in anything but `own`: the
 * untracked config alone does not make a work tree "dirty" for a reference sync (nothing to back up,
 * nothing to reset).
 * @throws GitError when git cannot compare the trees
 */
export async function dirtyBeyond(ctx: RepoContext, before: Snapshot, head: string | null, own: readonly string[]): Promise<boolean> {
  if (!before.dirty) return false;
  if (!own.length || !head) return true;
  const names = await git(['diff-tree', '-r', '-z', '--no-renames', '--name-only', `${head}^{tree}`, before.tree], { cwd: ctx.top });
  const keep = new Set(own);
  return names.split('\0').filter(Boolean).some((p) => !keep.has(p));
}
