/**
 * `batch-progress.json` (DESIGN §7): what a batch over many repositories has done so far, written
 * atomically after every repository so an interrupted run (Ctrl-C, SIGTERM, a crash, SIGKILL)
 * resumes where it stopped. One file per command, in the user's state directory:
 * `<state dir>/<command>/batch-progress.json`. Read as untrusted input and validated with zod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../fsx.js';
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

/** Read and validate a progress file; never throws for a bad file (it is reported as corrupt). */
export function readProgress(file: string): ProgressRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'corrupt', error: `cannot read ${file}: ${(err as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'corrupt', error: `${file} is not valid JSON: ${(err as Error).message}` };
  }
  const r = BatchProgressSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    return { kind: 'corrupt', error: `${file} is not a dx-hooks batch progress file: ${issues}` };
  }
  return { kind: 'ok', progress: r.data };
}

/**
 * Write a progress file atomically (a kill mid-write leaves the previous version). Compact and not
 * fsync'd: it is rewritten twice per repository (bench/: ~100 ms over 50 repositories otherwise).
 * @throws the fs error
 */
export function writeProgress(file: string, progress: BatchProgress): void {
  writeAtomic(file, JSON.stringify(progress) + '\n', { fsync: false });
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
