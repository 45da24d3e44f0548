/**
 * Where a missing critical file can come back from (issue 5, `guard --repair`): HEAD; else the
 * parent of the commit on HEAD's history that deleted it; else the newest commit on any ref — WIP
 * refs, snapshots, checkpoints, other branches — that had it.
 */
import { gitTry } from '../git.js';
import type { Session } from '../session.js';

/** A copy of a path in some commit: its mode (`100644`, `100755`, `120000`), blob, and where it was found, in words. */
export interface FileSource { commit: string; mode: string; blob: string; from: string }

/** The blob entry of `p` in `commit`, or null. */
async function entryAt(s: Session, commit: string, p: string): Promise<{ mode: string; blob: string } | null> {
  const r = await gitTry(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', commit, '--', p], { cwd: s.ctx.top });
  if (r.code !== 0) return null;
  for (const rec of r.stdout.split('\0')) {
    const m = /^(\d{6}) blob ([0-9a-f]{40,64})\t(.*)$/s.exec(rec);
    if (m && m[3] === p) return { mode: m[1] as string, blob: m[2] as string };
  }
  return null;
}

/** Candidate commits from `git log` (newest first), `limit` at most. */
async function logCommits(s: Session, args: string[], p: string, limit: number): Promise<string[]> {
  const r = await gitTry(['--literal-pathspecs', 'log', `-${limit}`, '--format=%H', ...args, '--', p], { cwd: s.ctx.top });
  return r.code === 0 ? r.stdout.split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)) : [];
}

/** Find the newest copy of `p`, or null when no commit reachable from any ref ever had it. */
export async function findSource(s: Session, p: string): Promise<FileSource | null> {
  const head = await entryAt(s, 'HEAD', p);
  if (head) return { commit: 'HEAD', ...head, from: 'HEAD' };
  const [deleted] = await logCommits(s, ['--diff-filter=D', 'HEAD'], p, 1);
  if (deleted) {
    const parent = await entryAt(s, `${deleted}^`, p);
    if (parent) return { commit: `${deleted}^`, ...parent, from: `${deleted.slice(0, 12)}^ (the parent of the commit that deleted it)` };
  }
  for (const c of await logCommits(s, ['--all'], p, 20)) {
    const at = (await entryAt(s, c, p)) ?? (await entryAt(s, `${c}^`, p));
    if (!at) continue;
    const name = await gitTry(['name-rev', '--name-only', '--no-undefined', c], { cwd: s.ctx.top });
    return { commit: c, ...at, from: `${c.slice(0, 12)}${name.code === 0 ? ` (${name.stdout.trim()})` : ''}` };
  }
  return null;
}
