/**
 * What a batch run does with the progress a previous run left (DESIGN §7), as a pure planner:
 * resume an interrupted batch over the same repositories, redo failures only when asked
 * (`--retry-failed`), start fresh with `--no-resume`, over other repositories, or when the
 * progress is stale (older than 24 h) or corrupt; refuse while another run holds it.
 */
import { isStale, remaining, type BatchProgress, type ProgressRead } from './progress.js';

/** The decision: which repositories to run, and what is carried over from the previous run. */
export interface BatchPlan {
  mode: 'fresh' | 'resume' | 'retry-failed' | 'running';
  /** repositories to run now, in order */
  todo: string[];
  /** outcomes kept from the previous run (resume) */
  carried: Pick<BatchProgress, 'completed' | 'failed' | 'skipped' | 'results'> | null;
  /** why the plan is what it is (shown to the user) */
  note: string | null;
}

/** Inputs of `planBatch`. `now` is Unix seconds; `running(p)` tells whether p's run is still going (its lock held). */
export interface BatchPlanInput {
  repos: string[];
  previous: ProgressRead;
  resume: boolean;
  retryFailed: boolean;
  now: number;
  running: boolean;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');

/** Decide what this run does. Pure: no file system, no clock. */
export function planBatch(i: BatchPlanInput): BatchPlan {
  const fresh = (note: string | null): BatchPlan => ({ mode: 'fresh', todo: [...i.repos], carried: null, note });
  if (i.previous.kind === 'none') return fresh(null);
  if (i.previous.kind === 'corrupt') return fresh(`the previous progress could not be read (${i.previous.error}); starting fresh`);
  const p = i.previous.progress;
  if (i.running && !isStale(p, i.now)) return { mode: 'running', todo: [], carried: null, note: `another run of this batch (pid ${p.pid}) is still going` };
  if (!i.resume) return fresh(null);
  if (isStale(p, i.now)) return fresh(`the previous batch was last updated more than 24 h ago; starting fresh`);
  if (!sameSet(p.queued, i.repos)) return fresh(p.finished_at === null ? 'the interrupted batch was over other repositories; starting fresh' : null);
  const failed = p.failed.map((f) => f.repo);
  const left = remaining(p);
  if (p.finished_at !== null || !left.length) {
    if (i.retryFailed && failed.length) {
      return { mode: 'retry-failed', todo: p.queued.filter((r) => failed.includes(r)), carried: { completed: p.completed, failed: [], skipped: p.skipped, results: p.results }, note: `retrying the ${failed.length} that failed last time` };
    }
    return fresh(null);
  }
  const todo = i.retryFailed ? p.queued.filter((r) => left.includes(r) || failed.includes(r)) : left;
  const done = p.completed.length + p.skipped.length;
  return {
    mode: 'resume',
    todo,
    carried: { completed: p.completed, failed: i.retryFailed ? [] : p.failed, skipped: p.skipped, results: p.results },
    note: `resuming the interrupted batch (pid ${p.pid}): ${done} done, ${todo.length} to go${!i.retryFailed && failed.length ? `; ${failed.length} failed (redo them with --retry-failed)` : ''}`,
  };
}
