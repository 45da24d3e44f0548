/**
 * A path's current state, the first thing diagnose shows: is something there in the work tree (and
 * what), is it in the index and in HEAD (with which mode), does it differ from HEAD, is it
 * executable. Three small git reads and one lstat, all at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { gitTry } from '../git.js';

/** What is at a path in the work tree (lstat: a symlink is reported as a symlink, not followed). */
export type EntryKind = 'file' | 'symlink' | 'directory' | 'other';

/**
 * A path's state. Modes are git's (`100644`, `100755`, `120000`, `040000` for a folder, `160000` a
 * submodule); null = absent there. `modified`: the work tree differs from HEAD in content or mode
 * (null when it cannot differ: absent from HEAD or from the work tree). `executable`: any x bit in the
 * work-tree mode (null unless a regular file).
 */
export interface PathState {
  present: boolean;
  kind: EntryKind | null;
  executable: boolean | null;
  tracked: boolean;
  indexMode: string | null;
  headMode: string | null;
  modified: boolean | null;
}

/** lstat of the work-tree entry, or null when nothing is there. */
async function lstatOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(file);
  } catch {
    return null;
  }
}

const kindOf = (st: fs.Stats): EntryKind => (st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other');

/** Parse `ls-files -s -z` / `ls-tree -z` records: the mode of the record naming exactly `p`, and whether any record lies at or under `p`. */
export function modeIn(records: string, p: string): { mode: string | null; any: boolean } {
  let mode: string | null = null;
  let any = false;
  for (const rec of records.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const name = rec.slice(tab + 1);
    if (name === p) mode = rec.slice(0, rec.indexOf(' '));
    if (name === p || name.startsWith(p + '/')) any = true;
  }
  return { mode, any };
}

/**
 * Read the state of repository-relative `p`. Never throws for an unborn HEAD (headMode null) or a
 * path git does not know; throws GitError only when git cannot start.
 */
export async function readPathState(ctx: RepoContext, p: string): Promise<PathState> {
  const cwd = ctx.top;
  const [st, index, head, diff] = await Promise.all([
    lstatOrNull(path.join(ctx.top, p)),
    gitTry(['--literal-pathspecs', 'ls-files', '-s', '-z', '--', p], { cwd }),
    gitTry(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', 'HEAD', '--', p], { cwd }),
    gitTry(['--literal-pathspecs', 'diff', '--quiet', '--no-ext-diff', '--no-textconv', 'HEAD', '--', p], { cwd }),
  ]);
  const inIndex = modeIn(index.code === 0 ? index.stdout : '', p);
  const inHead = modeIn(head.code === 0 ? head.stdout : '', p);
  const kind = st ? kindOf(st) : null;
  return {
    present: st !== null,
    kind,
    executable: st && kind === 'file' ? (st.mode & 0o111) !== 0 : null,
    tracked: inIndex.any,
    indexMode: inIndex.mode,
    headMode: inHead.mode,
    // exit 1: differs; exit 0: same; anything else (unborn HEAD): unknown
    modified: st && inHead.mode && (diff.code === 0 || diff.code === 1) ? diff.code === 1 : null,
  };
}
