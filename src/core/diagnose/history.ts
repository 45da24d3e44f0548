/**
 * A path's history on every ref (branches, remote-tracking and WIP refs, checkpoints, snapshots):
 * ONE `git log --all --follow` per path whose format carries everything diagnose needs (sha, the ref
 * that reaches it, author, dates, status, modes, names, subject), parsed here without zod. Plus the
 * few follow-up questions only some commits raise (is it on HEAD's history? was it a rename?).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { gitRaw, gitTry } from '../git.js';

/**
 * One commit's change to the path, newest first in a walk. `date`: author date, `committed`:
 * committer date (Unix seconds; windows and ordering use `committed`). `status`: git's letter (A, M,
 * D, R, C, T). Modes are git's (`000000` when absent on that side). `path`: the name in this commit;
 * `from`: the old name of a rename or copy. `ref`: the ref the walk reached it from (`--source`).
 */
export interface HistoryEntry {
  sha: string;
  ref: string;
  author: string;
  email: string;
  date: number;
  committed: number;
  status: string;
  oldMode: string;
  newMode: string;
  path: string;
  from?: string;
  subject: string;
}

/** The `--format` of the walk: a record separator, then NUL-separated fields (sha, source, author, email, author date, committer date, subject). */
export const LOG_FORMAT = '%x1e%H%x00%S%x00%an%x00%ae%x00%at%x00%ct%x00%s';

/**
 * Parse the output of `git log --format=LOG_FORMAT --raw -z`: one entry per raw record (a commit
 * with several records — a folder's files — gives several). Pure.
 */
export function parseLog(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const chunk of text.split('\x1e')) {
    if (!chunk) continue;
    const t = chunk.split('\0');
    if (t.length < 7) continue;
    const [sha, ref, author, email, at, ct, subject] = t as [string, string, string, string, string, string, string];
    for (let i = 7; i < t.length; i++) {
      const meta = (t[i] as string).replace(/^\n+/, '');
      if (!meta.startsWith(':')) continue;
      const [oldMode = '', newMode = '', , , score = ''] = meta.slice(1).split(' ');
      const status = score.charAt(0);
      const first = t[++i] ?? '';
      const entry: HistoryEntry = { sha, ref, author, email, date: Number(at), committed: Number(ct), status, oldMode, newMode, path: first, subject };
      if (status === 'R' || status === 'C') {
        entry.from = first;
        entry.path = t[++i] ?? '';
      }
      out.push(entry);
    }
  }
  return out;
}

/**
 * Every commit on every ref (`--all`: branches, remote-tracking refs — other hosts' WIP among them —
 * tags, refs/dx snapshots) that added, modified, deleted, renamed or changed the type of `p`, newest
 * first. `follow` follows renames (one file only: off for a folder). Merges show their diff against
 * the first parent, so a file dropped while resolving a merge is seen too.
 * @throws GitError when git fails (a corrupt repository)
 */
export async function walkHistory(ctx: RepoContext, p: string, opts: { follow: boolean }): Promise<HistoryEntry[]> {
  const args = [
    '--literal-pathspecs', 'log', '--all', '--source', '--no-color', '--no-show-signature', '--diff-merges=first-parent',
    `--format=${LOG_FORMAT}`, '--raw', '-z', ...(opts.follow ? ['--follow'] : []), '--', p,
  ];
  return parseLog(await gitRaw(args, { cwd: ctx.top }));
}

/** At most this many commits get an ancestry check per path (the verdict needs the newest few). */
export const ANCESTRY_CHECKS = 16;

/** The branch HEAD is on (`refs/heads/…`), read from the HEAD file; null when detached or unreadable (then nothing is taken as known). */
export function headRef(ctx: RepoContext): string | null {
  try {
    const m = /^ref: (refs\/\S+)\s*$/.exec(fs.readFileSync(path.join(ctx.gitDir, 'HEAD'), 'utf8'));
    return m ? (m[1] as string) : null;
  } catch {
    return null;
  }
}

/**
 * Which of `candidates` (newest first) HEAD's history contains. The walk's `--source` already proves
 * it for commits reached from HEAD or its branch; only the candidates newer than the first such one
 * get a `merge-base --is-ancestor` (in parallel, ANCESTRY_CHECKS at most): every question the verdict
 * asks is "the newest one on HEAD" or "any one on HEAD", which an older commit cannot change.
 */
export async function onHeadHistory(ctx: RepoContext, candidates: readonly HistoryEntry[]): Promise<Set<string>> {
  const branch = headRef(ctx);
  const proven = (e: HistoryEntry) => e.ref === 'HEAD' || (branch !== null && e.ref === branch);
  const first = candidates.findIndex(proven);
  const known = new Set(candidates.filter(proven).map((e) => e.sha));
  const ask = [...new Set(candidates.slice(0, first < 0 ? candidates.length : first).map((e) => e.sha))].filter((sha) => !known.has(sha)).slice(0, ANCESTRY_CHECKS);
  const res = await Promise.all(ask.map((sha) => gitTry(['merge-base', '--is-ancestor', sha, 'HEAD'], { cwd: ctx.top })));
  ask.forEach((sha, i) => res[i]?.code === 0 && known.add(sha));
  return known;
}

/**
 * The new name of `p` when commit `sha` renamed it away (a `--follow` walk shows that as a deletion),
 * else null. Compares with the first parent, renames detected.
 */
export async function renamedAway(ctx: RepoContext, sha: string, p: string): Promise<string | null> {
  const r = await gitTry(['diff-tree', '-r', '-M', '-z', '--name-status', '--no-commit-id', '--root', sha], { cwd: ctx.top });
  if (r.code !== 0) return null;
  const t = r.stdout.split('\0');
  for (let i = 0; i < t.length; i++) {
    const status = t[i] ?? '';
    if (status.startsWith('R')) {
      if (t[i + 1] === p) return t[i + 2] ?? null;
      i += 2;
    } else if (status.startsWith('C')) i += 2;
    else i += 1;
  }
  return null;
}
