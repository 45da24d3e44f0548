/**
 * The git reads diagnose can start before anything else is loaded: the history walk (by far the
 * longest), the path's state and the ref list need only the repository, not the session or the
 * ledger. Started first, git works on one core while node loads the rest (zod, the config) on
 * the other — what keeps the whole command close to a bare `git log --follow`.
 */
import type { RepoContext } from '../context.js';
import { walkHistory, type HistoryEntry } from './history.js';
import type { NamedPath } from './paths.js';
import { readPathState, type PathState } from './state.js';
import { readRefs } from './tips.js';

/** Reads in flight, keyed by repository-relative path. Every promise already has a handler: an early failure is reported where it is awaited. */
export interface Prefetch {
  walks: Map<string, Promise<HistoryEntry[]>>;
  states: Map<string, Promise<PathState>>;
  refs: Promise<{ ref: string; sha: string; time: number }[]>;
}

const quiet = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

/** How many paths get their reads started up front (the rest start as these finish: see run.ts). */
export const PREFETCH_PATHS = 4;

/** Start the walk and the state read of the first PREFETCH_PATHS paths, and the ref list. Nothing is awaited here. */
export function prefetch(ctx: RepoContext, all: readonly NamedPath[]): Prefetch {
  const named = all.slice(0, PREFETCH_PATHS);
  return {
    walks: new Map(named.map((n) => [n.path, quiet(walkHistory(ctx, n.path, { follow: true }))])),
    states: new Map(named.map((n) => [n.path, quiet(readPathState(ctx, n.path))])),
    refs: quiet(readRefs(ctx)),
  };
}
