/**
 * The facts triage needs about one repository, read with as few git calls as possible (one
 * `git status --porcelain=v2 --branch` and one `git log` of commits only on this host), plus
 * dx-hooks' own files (state.json, warn/<branch>.json) — no network.
 */
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { describeProblem } from '../store/problem.js';
import { readJson } from '../store/read.js';
import { gitTry } from '../git.js';

/** `git status --porcelain=v2 --branch -z` reduced to what triage shows (see git-status(1), "Porcelain Format Version 2"). */
export interface BranchStatus { branch: string | null; head: string | null; upstream: { ref: string; ahead: number; behind: number } | null; dirty: number }

/** Parse porcelain v2 `-z` output. Pure. */
export function parseStatusV2(out: string): BranchStatus {
  const r: BranchStatus = { branch: null, head: null, upstream: null, dirty: 0 };
  let upstream: string | null = null;
  let ab: [number, number] | null = null;
  const fields = out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    if (f.startsWith('# branch.oid ')) r.head = /^[0-9a-f]{40}$/.test(f.slice(13)) ? f.slice(13) : null;
    else if (f.startsWith('# branch.head ')) r.branch = f.slice(14) === '(detached)' ? null : f.slice(14);
    else if (f.startsWith('# branch.upstream ')) upstream = f.slice(18);
    else if (f.startsWith('# branch.ab ')) {
      const m = /^\+(\d+) -(\d+)$/.exec(f.slice(12));
      if (m) ab = [Number(m[1]), Number(m[2])];
    } else if (/^[12u?] /.test(f)) {
      r.dirty++;
      if (f.startsWith('2 ')) i++; // a rename/copy record is followed by its original path
    }
  }
  if (upstream) r.upstream = { ref: upstream, ahead: ab?.[0] ?? 0, behind: ab?.[1] ?? 0 };
  return r;
}

/** Read the branch status of the work tree. @throws GitError when git status fails */
export async function branchStatus(ctx: RepoContext): Promise<BranchStatus> {
  const r = await gitTry(['status', '--porcelain=v2', '--branch', '-z'], { cwd: ctx.top });
  if (r.code !== 0) throw new Error(`git status failed in ${ctx.top}: ${r.stderr.trim()}`);
  return parseStatusV2(r.stdout);
}

/** Commits on local branches that exist only on this host. `oldest`: committer time (Unix seconds) of the oldest, null when none. */
export interface LocalOnly { count: number; oldest: number | null }

/**
 * Commits reachable from a local branch but from no remote-tracking ref and no landed WIP push
 * (`refs/dx/pushed/*`, see wip/ref.ts pushedRef): work that exists only on this host.
 */
export async function localOnlyCommits(ctx: RepoContext): Promise<LocalOnly> {
  const r = await gitTry(['log', '--format=%ct', '--branches', '--not', '--remotes', '--glob=refs/dx/pushed'], { cwd: ctx.top });
  if (r.code !== 0) return { count: 0, oldest: null }; // no commits yet
  const times = r.stdout.split('\n').filter(Boolean).map(Number);
  return { count: times.length, oldest: times.length ? Math.min(...times) : null };
}

const NewerWipRecordSchema = z.array(
  z.looseObject({
    host: z.string(),
    branch: z.string(),
    sha: z.string().regex(/^[0-9a-f]{40}$/),
    ts: z.number(),
    message: z.string(),
    dirty: z.boolean(),
    count: z.number().int().nullable(),
    restore: z.string(),
  }),
);

/** Another host's newer WIP of a branch, as the worker last recorded it (warn/<branch>.json). */
export type NewerElsewhere = z.infer<typeof NewerWipRecordSchema>[number];

/**
 * Other hosts' newer WIP of `branch` from the worker's last refresh, read through the store: a missing
 * file is none, an invalid one is reported (`error`: the store's words, what and where).
 * @throws DxError STORE_UNREADABLE when the file exists but cannot be read (a directory, no permission)
 */
export function newerElsewhere(ctx: RepoContext, branch: string): { records: NewerElsewhere[]; error: string | null } {
  const r = readJson(`${dxPaths(ctx).warnDir}/${branch}.json`, NewerWipRecordSchema, 'newer-WIP record');
  if (r.kind === 'ok') return { records: r.value, error: null };
  return { records: [], error: r.kind === 'corrupt' ? describeProblem(r.problem) : null };
}

/** Whether any remote is configured (one git call). */
export async function hasRemote(ctx: RepoContext): Promise<boolean> {
  const r = await gitTry(['config', '--get-regexp', '^remote\\..*\\.url$'], { cwd: ctx.top });
  return r.code === 0 && r.stdout.trim().length > 0;
}
