/**
 * The batch runner (DESIGN §7): runs one piece of work per repository, `parallel` at a time
 * (p-limit), writes `batch-progress.json` after every repository, and when its AbortSignal fires
 * (the command layer aborts it on the first Ctrl-C or SIGTERM) stops starting new ones, lets the
 * running ones finish and records where it stopped. A crash or SIGKILL leaves the last write: the
 * next run resumes (plan.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { DxError, EXIT, describeError } from '../errors.js';
import { acquireLock, type Release } from '../lock.js';
import { planBatch, type BatchPlan } from './plan.js';
import { pidAlive, progressFile, readProgress, writeProgress, type BatchProgress } from './progress.js';

/** What the work did for one repository. `result` is stored in the progress file (keep it small and JSON). */
export type RepoOutcome<R> = { status: 'ok'; result: R } | { status: 'failed'; error: string; result?: R } | { status: 'skipped'; reason: string; result?: R };

/** One repository's outcome in the batch result (carried over from an earlier run when `carried`). */
export type BatchItem<R> = { repo: string; carried: boolean } & ({ status: 'ok' | 'failed' | 'skipped' | 'not-run'; result?: R; error?: string; reason?: string });

/** Progress callbacks for the terminal layer (progress bar or plain lines). The core never prints. */
export interface BatchEvents<R> {
  start?(info: { total: number; todo: number; plan: BatchPlan; file: string }): void;
  repoDone?(item: BatchItem<R>, counts: { done: number; total: number }): void;
}

/** Options of `runBatch`. `parallel` ≥ 1. */
export interface BatchOptions<R> {
  command: string;
  repos: string[];
  parallel: number;
  resume: boolean;
  retryFailed: boolean;
  work: (repo: string) => Promise<RepoOutcome<R>>;
  events?: BatchEvents<R>;
  /** aborted to stop the batch; its `reason` (a signal name such as "SIGINT") is reported as `interrupted` */
  signal?: AbortSignal;
}

/** What the batch did: every repository of the batch in queue order, and whether a signal stopped it. */
export interface BatchResult<R> { items: BatchItem<R>[]; plan: BatchPlan; interrupted: string | null; file: string }

const now = () => Math.floor(Date.now() / 1000);
/** The least time between two writes of the progress file while repositories finish (ms). */
const SAVE_EVERY_MS = 100;

/**
 * The run lock of one command's batches (proper-lockfile on `<dir>/run`, which holds the owner's
 * pid). A lock left by a killed run (SIGKILL skips the release) would look held for 30 s; when the
 * pid written in it is gone, it is taken over at once. Null: a live run holds it.
 */
async function takeRunLock(target: string): Promise<Release | null> {
  let release = await acquireLock(target, 0);
  if (!release) {
    const owner = Number(fs.readFileSync(target, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !pidAlive(owner)) {
      fs.rmSync(`${target}.lock`, { recursive: true, force: true });
      release = await acquireLock(target, 0);
    }
  }
  if (release) fs.writeFileSync(target, `${process.pid}\n`);
  return release;
}

/**
 * Run the batch.
 * @throws DxError BATCH_RUNNING (exit 1) while another run of the same command holds the progress; BAD_PARALLEL (exit 2)
 */
export async function runBatch<R>(o: BatchOptions<R>): Promise<BatchResult<R>> {
  if (!Number.isInteger(o.parallel) || o.parallel < 1 || o.parallel > 64) {
    throw new DxError('BAD_PARALLEL', `--parallel must be a whole number from 1 to 64, not "${o.parallel}"`, 'For example: --parallel 4', EXIT.USAGE);
  }
  const file = progressFile(o.command);
  const release = await takeRunLock(path.join(path.dirname(file), 'run'));
  const previous = readProgress(file);
  const plan = planBatch({ repos: o.repos, previous, resume: o.resume, retryFailed: o.retryFailed, now: now(), running: !release });
  if (!release || plan.mode === 'running') {
    const pid = previous.kind === 'ok' ? previous.progress.pid : '?';
    throw new DxError('BATCH_RUNNING', `another dx-hooks ${o.command} batch (pid ${pid}) is running`, `Wait for it to finish, or stop it (kill ${pid}); its progress is in ${file}.`, EXIT.FAILED);
  }
  const prev = previous.kind === 'ok' && plan.mode !== 'fresh' ? previous.progress : null;
  const p: BatchProgress = {
    schema_version: 1,
    command: o.command,
    session_id: prev?.session_id ?? crypto.randomUUID(),
    pid: process.pid,
    started_at: prev?.started_at ?? now(),
    updated_at: now(),
    queued: [...o.repos],
    current: [],
    completed: [...(plan.carried?.completed ?? [])],
    failed: [...(plan.carried?.failed ?? [])],
    skipped: [...(plan.carried?.skipped ?? [])],
    finished_at: null,
    results: { ...(plan.carried?.results ?? {}) },
  };
  let lastSave = 0;
  const save = () => {
    if (soon) clearTimeout(soon);
    soon = null;
    p.updated_at = now();
    writeProgress(file, p);
    lastSave = Date.now();
  };
  // At most one write per SAVE_EVERY_MS while repositories finish, and always one right after the
  // last: the file holds every result so far, so a write per repository made 200 repositories cost
  // O(n²) bytes. A kill loses at most that long of progress, and those repositories are simply done
  // again on resume (every batch operation is safe to repeat).
  let soon: NodeJS.Timeout | null = null;
  let saveError: unknown = null;
  const saveSoon = () => {
    soon ??= setTimeout(() => {
      try {
        save();
      } catch (err) {
        saveError ??= err;
      }
    }, Math.max(0, lastSave + SAVE_EVERY_MS - Date.now()));
  };
  let interrupted: string | null = o.signal?.aborted ? String(o.signal.reason ?? 'aborted') : null;
  const onAbort = () => {
    interrupted = String(o.signal?.reason ?? 'aborted');
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const todo = new Set(plan.todo);
  const total = o.repos.length;
  let done = o.repos.length - plan.todo.length;
  try {
    save();
    o.events?.start?.({ total, todo: plan.todo.length, plan, file });
    const limit = pLimit(o.parallel);
    await Promise.all(
      plan.todo.map((repo) =>
        limit(async () => {
          if (interrupted) return;
          if (saveError) throw saveError;
          p.current.push(repo);
          saveSoon();
          let outcome: RepoOutcome<R>;
          try {
            outcome = await o.work(repo);
          } catch (err) {
            outcome = { status: 'failed', error: describeError(err) };
          }
          p.current = p.current.filter((r) => r !== repo);
          // Ctrl-C reaches git's children too: a repository that failed while stopping is redone on resume, not marked failed.
          if (interrupted && outcome.status === 'failed') {
            saveSoon();
            return;
          }
          p.completed = p.completed.filter((r) => r !== repo);
          p.failed = p.failed.filter((f) => f.repo !== repo);
          p.skipped = p.skipped.filter((x) => x.repo !== repo);
          if (outcome.status === 'ok') p.completed.push(repo);
          else if (outcome.status === 'failed') p.failed.push({ repo, error: outcome.error, at: now() });
          else p.skipped.push({ repo, reason: outcome.reason });
          if (outcome.result !== undefined) p.results[repo] = outcome.result;
          else delete p.results[repo];
          done++;
          saveSoon();
          o.events?.repoDone?.(itemOf(p, repo, false) as BatchItem<R>, { done, total });
        }),
      ),
    );
    if (saveError) throw saveError;
    if (!interrupted) p.finished_at = now();
    save();
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    // Thrown out of the loop with a write still due: it goes out now, before the run lock does (the error thrown is the one that matters).
    if (soon && !saveError) {
      try {
        save();
      } catch {
        /* the error already on its way out says what failed */
      }
    }
    if (soon) clearTimeout(soon);
    await release();
  }
  return { items: o.repos.map((r) => itemOf(p, r, !todo.has(r)) as BatchItem<R>), plan, interrupted, file };
}

function itemOf(p: BatchProgress, repo: string, carried: boolean): BatchItem<unknown> {
  const result = p.results[repo];
  const f = p.failed.find((x) => x.repo === repo);
  if (f) return { repo, carried, status: 'failed', error: f.error, result };
  const s = p.skipped.find((x) => x.repo === repo);
  if (s) return { repo, carried, status: 'skipped', reason: s.reason, result };
  if (p.completed.includes(repo)) return { repo, carried, status: 'ok', result };
  return { repo, carried, status: 'not-run' };
}
