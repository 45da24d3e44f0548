/**
 * Put a work tree back to a snapshot — the ONE function behind `checkpoint restore` and `undo`.
 * Afterwards HEAD is `head` (on `branch`, or detached), the index is `head`'s tree and the work
 * tree is the snapshot's tree: uncommitted changes come back as uncommitted, untracked files as
 * untracked.
 *
 * Nothing is lost on the way, because the caller took a snapshot of the current state first
 * (`before`) and this function only removes or overwrites what that snapshot holds:
 * - a file the target lacks is removed only when `before` holds it (untracked files included —
 *   they come back with `dx-hooks undo`);
 * - a file that `before` could not hold — left out as a secret or too big (`wip.exclude`,
 *   `wip.maxFileSize`), or ignored — is never removed or overwritten: it stays as it is and is
 *   reported in `kept`.
 * The work tree moves with a two-tree `read-tree -m -u` through a private index, so git itself
 * checks that every file it touches is exactly what `before` recorded.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { git, gitBestEffort, gitLine, gitTry } from '../git.js';
import { moveRefs, readRef } from '../refs.js';
import { EMPTY_TREE, type Snapshot } from '../snapshot.js';
import { linkOnPath } from '../config/links.js';
import { checkInside, copyInside, mkdirInside } from '../nofollow.js';

/** Where to go: the snapshot commit whose tree the work tree gets, HEAD's commit (null: unborn) and branch (null: detached). */
export interface WorkingTreeTarget { snapshot: string; head: string | null; branch: string | null }

/**
 * What the restore left alone: `kept`, paths not in `before` (secrets, big or ignored files) that the
 * target would have changed, and the paths under a symbolic link that `before` does not hold (also
 * in `kept`); `throughLinks` names each of those with its link (repo-relative). Git itself never
 * writes through a link (it replaces one that `before` holds, which undo brings back).
 */
export interface WorkingTreeRestoreResult { kept: string[]; throughLinks: { path: string; link: string }[] }

/** Paths in a tree with their `<mode> <type> <sha>` (from `ls-tree -r -z`), for the given paths only. */
async function treeEntries(ctx: RepoContext, tree: string, paths: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!paths.length) return out;
  const r = await git(['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', tree, '--', ...paths], { cwd: ctx.top });
  for (const rec of r.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab > 0) out.set(rec.slice(tab + 1), rec.slice(0, tab));
  }
  return out;
}

/**
 * Whether a file or link is at `p` in the work tree itself. A path under a symlinked folder is not
 * (it is wherever the link leads); a folder is not either: what it holds is in `before` or ignored,
 * and git refuses to remove a folder that still holds ignored files.
 */
const exists = (ctx: RepoContext, p: string) => {
  try {
    const { stat } = checkInside(ctx.top, p, { lastMayBeLink: true });
    return stat !== null && !stat.isDirectory();
  } catch {
    return false;
  }
};

/**
 * Paths of `paths` that sit under a symbolic link of the work tree which `before` does not hold
 * (an ignored or excluded link): git would replace that link to write them, and it is not backed up.
 * They are left as they are and named, with the link, in the result.
 */
async function underUnsavedLink(ctx: RepoContext, beforeTree: string, paths: string[]): Promise<{ path: string; link: string }[]> {
  const hits: { path: string; link: string }[] = [];
  for (const p of paths) {
    const hit = linkOnPath(ctx.top, p);
    if (hit) hits.push({ path: p, link: hit.link });
  }
  if (!hits.length) return [];
  const saved = await treeEntries(ctx, beforeTree, [...new Set(hits.map((h) => h.link))]);
  return hits.filter((h) => !saved.get(h.link)?.startsWith('120000 '));
}

/**
 * Restore `target`. `before` MUST be a snapshot of the current work tree taken just now. `keep`:
 * repository-relative paths the caller wants left exactly as they are (a reference sync keeps
 * dx-hooks' own untracked config); where the target would change them they are in `kept`.
 * @throws GitError when git refuses (a file changed since `before`, a directory in the way); the refs and index are then untouched
 */
export async function restoreWorkingTree(ctx: RepoContext, target: WorkingTreeTarget, before: Snapshot, opts: { keep?: readonly string[] } = {}): Promise<WorkingTreeRestoreResult> {
  const [targetTree, headTree] = await Promise.all([
    gitLine(['rev-parse', '--verify', `${target.snapshot}^{tree}`], { cwd: ctx.top }),
    target.head ? gitLine(['rev-parse', '--verify', `${target.head}^{tree}`], { cwd: ctx.top }) : Promise.resolve(EMPTY_TREE),
  ]);
  // Files on disk that `before` does not represent: left out of it (secrets, big files), or ignored
  // files sitting where the target has a file.
  const added = (await git(['diff-tree', '-r', '-z', '--no-renames', '--name-only', '--diff-filter=A', before.tree, targetTree], { cwd: ctx.top })).split('\0').filter(Boolean);
  const changed = (await git(['diff-tree', '-r', '-z', '--no-renames', '--name-only', before.tree, targetTree], { cwd: ctx.top })).split('\0').filter(Boolean);
  const throughLinks = await underUnsavedLink(ctx, before.tree, changed);
  const untouchable = [...new Set([...before.excluded.map((e) => e.path), ...added, ...(opts.keep ?? [])].filter((p) => exists(ctx, p)).concat(throughLinks.map((t) => t.path)))];
  const [inBefore, inTarget] = await Promise.all([treeEntries(ctx, before.tree, untouchable), treeEntries(ctx, targetTree, untouchable)]);
  mkdirInside(ctx.commonDir, ctx.dxDir);
  const tmp = path.join(ctx.dxDir, `restore-index-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const env = { GIT_INDEX_FILE: tmp };
  try {
    // The tree to check out: the target, with the untouchable paths as `before` has them (so git leaves them alone).
    let want = targetTree;
    if (untouchable.length) {
      await git(['read-tree', targetTree], { cwd: ctx.top, env });
      const lines = untouchable.map((p) => {
        const meta = inBefore.get(p);
        if (!meta) return `0 ${'0'.repeat(40)}\t${p}`;
        const [mode, , sha] = meta.split(' ');
        return `${mode} ${sha}\t${p}`;
      });
      await git(['update-index', '-z', '--index-info'], { cwd: ctx.top, env, input: lines.join('\0') + '\0' });
      want = await gitLine(['write-tree'], { cwd: ctx.top, env });
      fs.rmSync(tmp, { force: true });
    }
    // A private index equal to `before`, its stat cache refreshed from the disk; then git moves the
    // work tree from `before` to `want`, checking every file it touches against `before`.
    // Seeded from the real index so its stat cache spares re-reading unchanged files.
    const realIndex = path.join(ctx.gitDir, 'index');
    if (fs.existsSync(realIndex)) copyInside(ctx.commonDir, realIndex, tmp);
    await git(['read-tree', '--reset', before.tree], { cwd: ctx.top, env });
    await gitBestEffort(['update-index', '-q', '--refresh'], { cwd: ctx.top, env }, 'only refreshes stat data');
    await git(['read-tree', '-m', '-u', before.tree, want], { cwd: ctx.top, env });
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(`${tmp}.lock`, { force: true });
  }
  // HEAD: the branch at `head` and HEAD on it, or HEAD detached at `head`.
  const reason = `dx-hooks: restore ${target.snapshot.slice(0, 12)}`;
  if (target.branch) {
    const ref = `refs/heads/${target.branch}`;
    await moveRefs(ctx, [{ ref, value: target.head, expect: await readRef(ctx, ref) }], reason);
    await git(['symbolic-ref', '-m', reason, 'HEAD', ref], { cwd: ctx.top });
  } else if (target.head) {
    await git(['update-ref', '--no-deref', '-m', reason, 'HEAD', target.head], { cwd: ctx.top });
  }
  // The index: HEAD's tree (what was staged comes back unstaged), keeping stat info where it matches.
  await git(['read-tree', '--reset', headTree], { cwd: ctx.top });
  await gitBestEffort(['update-index', '-q', '--refresh'], { cwd: ctx.top }, 'only refreshes stat data');
  const kept = new Set([...untouchable.filter((p) => inBefore.get(p) !== inTarget.get(p)), ...throughLinks.map((t) => t.path)]);
  return { kept: [...kept], throughLinks };
}

/** How many removed paths a ledger line lists (`detail.removed`). */
export const REMOVED_LISTED = 1000;

/**
 * The paths a move of the work tree from commit `from` to commit `to` removes (in `from`'s tree,
 * not in `to`'s), for the ledger line's `detail.removed`, so `diagnose` and the guard can name the
 * operation that removed a file. At most REMOVED_LISTED. Never throws: unknown is an empty list.
 */
export async function removedPaths(ctx: RepoContext, from: string, to: string): Promise<string[]> {
  const r = await gitTry(['diff-tree', '-r', '-z', '--no-renames', '--name-only', '--diff-filter=D', from, to], { cwd: ctx.top }).catch(() => null);
  if (!r || r.code !== 0) return [];
  return r.stdout.split('\0').filter(Boolean).slice(0, REMOVED_LISTED);
}
