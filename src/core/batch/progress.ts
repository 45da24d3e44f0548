/**
 * `batch-progress.json` (DESIGN §7): what a batch over many repositories has done so far, written
 * atomically after every repository so an interrupted run (Ctrl-C, SIGTERM, a crash, SIGKILL)
 * resumes where it stopped. One file per command, in the user's state directory:
 * `<state dir>/<command>/batch-progress.json`. Read as untrusted input and validated with zod.
 */
import path from 'node:path';
import { z } from 'zod';
import { DxError } from '../errors.js';
import { writeUserJson } from '../store/user.js';
import { describeProblem } from '../store/problem.js';
import { readJson, type JsonRead } from '../store/read.js';
import { userDirs } from '../machine.js';

/** Progress older than this (seconds since `updated_at`) is stale: not resumed, reported by doctor. */
export const STALE_AFTER_S = 24 * 3600;

const Repo = z.string().min(1);

/** zod schema of `batch-progress.json`. Times are Unix seconds; repositories are absolute work-tree paths. */
export const BatchProgressSchema = z
  .object({
    schema_version: z.literal(1),
    command: z.string().min(1),
    session_id: z.string().min(1),
    pid: z.number().int().positive(),
    started_at: z.number().int().nonnegative(),
    updated_at: z.number().int().nonnegative(),
    /** every repository of the batch, in run order */
    queued: z.array(Repo),
    /** repositories being worked on when the file was written (redone on resume) */
    current: z.array(Repo),
    completed: z.array(Repo),
    failed: z.array(z.object({ repo: Repo, error: z.string(), at: z.number().int().nonnegative() })),
    skipped: z.array(z.object({ repo: Repo, reason: z.string() })),
    /** set when every queued repository has an outcome */
    finished_at: z.number().int().nonnegative().nullable(),
    /** per-repository result, so a resumed run can report the whole batch */
    results: z.record(Repo, z.unknown()).default({}),
  })
  .strict();

/** A validated progress file. */
export type BatchProgress = z.infer<typeof BatchProgressSchema>;

/** Reading a progress file: absent, valid, or corrupt (with what is wrong). */
export type ProgressRead = { kind: 'none' } | { kind: 'ok'; progress: BatchProgress } | { kind: 'corrupt'; error: string };

/** The batch commands that keep progress. */
export const BATCH_COMMANDS = ['sync', 'checkpoint', 'status'] as const;

/** Path of the progress file of `command`. */
export function progressFile(command: string): string {
  return path.join(userDirs().state, command, 'batch-progress.json');
}

/**
 * Read and validate a progress file through the store; never throws for a bad file: one that is
 * invalid, or exists but cannot be read (a directory, no permission), is reported as corrupt with
 * the store's words, so doctor names it and a batch starts fresh saying why.
 */
export function readProgress(file: string): ProgressRead {
  let r: JsonRead<BatchProgress>;
  try {
    r = readJson(file, BatchProgressSchema, 'dx-hooks batch progress file');
  } catch (err) {
    if (err instanceof DxError && err.code === 'STORE_UNREADABLE') return { kind: 'corrupt', error: err.message };
    throw err;
  }
  if (r.kind === 'missing') return { kind: 'none' };
  if (r.kind === 'corrupt') return { kind: 'corrupt', error: describeProblem(r.problem) };
  return { kind: 'ok', progress: r.value };
}

/**
 * Write a progress file atomically (a kill mid-write leaves the previous version). Compact and not
 * fsync'd: it is rewritten twice per repository (bench/: ~100 ms over 50 repositories otherwise).
 * @throws the fs error
 */
export function writeProgress(file: string, progress: BatchProgress): void {
  writeUserJson(file, progress, { fsync: false });
}

/** Whether process `pid` is alive on this host. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether progress is stale: last written more than 24 h ago (`now` in Unix seconds). */
export function isStale(p: BatchProgress, now: number): boolean {
  return now - p.updated_at > STALE_AFTER_S;
}

/** Repositories of `p` with no outcome yet (neither completed, failed nor skipped), in queue order. */
export function remaining(p: BatchProgress): string[] {
  const done = new Set([...p.completed, ...p.failed.map((f) => f.repo), ...p.skipped.map((x) => x.repo)]);
  return p.queued.filter((r) => !done.has(r));
}
