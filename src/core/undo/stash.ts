/**
 * The stash list as undo sees it: `git stash drop`/`clear` through the git guard record the entries
 * they may destroy, and undo puts missing ones back where they were (newest first, as `git stash list`
 * shows them), or drops the ones an earlier undo put back. Git keeps the list as the reflog of
 * refs/stash, so changing it means rewriting that reflog: `update-ref -d refs/stash`, then one
 * `git stash store -m <its message>` per entry, oldest first. Every entry stays reachable under
 * refs/dx/undo/ (the caller's keepReachable) before the list is rewritten.
 */
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { git, gitTry } from '../git.js';

/** One stash entry: its commit and its reflog message (`On main: keep me`, `WIP on main: …`). */
export interface StashEntry { sha: string; message: string }

/**
 * What an undo does to the stash list (UndoInfo.stash): `add`, the list as it was (newest first), whose missing
 * entries go back in their place — only those named in `restore` when it is given (what the command dropped,
 * not what a later `stash pop` applied); `drop`, shas to drop.
 */
export interface StashChange { add?: StashEntry[]; restore?: string[]; drop?: string[] }

/**
 * The stash list, newest first. An absent refs/stash is an empty list.
 * @throws GitError when refs/stash exists but its reflog cannot be read
 */
export async function readStash(ctx: RepoContext): Promise<StashEntry[]> {
  const tip = await gitTry(['rev-parse', '-q', '--verify', 'refs/stash^{commit}'], { cwd: ctx.top });
  if (tip.code !== 0) return [];
  // A stash exists: a list git cannot give is an error, never "no stash" (the guard would record nothing).
  const r = { stdout: await git(['log', '-g', '-z', '--format=%H%x00%gs', 'refs/stash', '--'], { cwd: ctx.top }) };
  const parts = r.stdout.split('\0');
  const out: StashEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push({ sha: (parts[i] as string).replace(/^\n/, ''), message: parts[i + 1] as string });
  const list = out.filter((e) => /^[0-9a-f]{40}$/.test(e.sha));
  // git reads a corrupt or emptied reflog as an empty list, while `stash drop` still drops refs/stash
  // itself: a list whose newest entry is not refs/stash is unreadable, and said so.
  if (list[0]?.sha !== tip.stdout.trim()) {
    throw new DxError('STASH_LIST_UNREADABLE', `the stash list cannot be read: refs/stash is ${tip.stdout.trim().slice(0, 12)}, but its reflog (${path.join(ctx.commonDir, 'logs', 'refs', 'stash')}) ${list.length ? `starts at ${list[0]?.sha.slice(0, 12)}` : 'lists no entry'}`, `The stash commit is safe while refs/stash holds it. Keep it under a name first: git update-ref refs/stash-kept ${tip.stdout.trim()}; then repair the reflog or go on without the guard: DX_HOOKS=0 git stash …`);
  }
  return list;
}

/**
 * The list after `change`: current entries not dropped, with missing `add` entries back in the order `add`
 * gives (the list as it was); entries newer than that list (not in `add`) stay on top.
 */
export function stashAfter(current: StashEntry[], change: StashChange): StashEntry[] {
  const drop = new Set(change.drop ?? []);
  const present = new Set(current.map((e) => e.sha));
  const wanted = change.restore ? new Set(change.restore) : null;
  const add = (change.add ?? []).filter((e) => present.has(e.sha) || !wanted || wanted.has(e.sha));
  const inAdd = new Set(add.map((e) => e.sha));
  const seen = new Set<string>();
  const list = [...current.filter((e) => !inAdd.has(e.sha)), ...add].filter((e) => !drop.has(e.sha) && !seen.has(e.sha) && seen.add(e.sha));
  return list;
}

/** Whether two lists hold the same entries in the same order. */
export function sameStash(a: StashEntry[], b: StashEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.sha === b[i]?.sha);
}

/**
 * Make the stash list `list` (newest first). The caller keeps every entry of the current list reachable first.
 * @throws GitError when git refuses (e.g. a sha that is not a stash-shaped commit)
 */
export async function writeStash(ctx: RepoContext, list: StashEntry[]): Promise<void> {
  if ((await gitTry(['rev-parse', '-q', '--verify', 'refs/stash'], { cwd: ctx.top })).code === 0) await git(['update-ref', '-d', 'refs/stash'], { cwd: ctx.top });
  for (const e of [...list].reverse()) await git(['stash', 'store', '-m', e.message, e.sha], { cwd: ctx.top });
}
