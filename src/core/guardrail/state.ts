/**
 * The drifts the guard has already logged (`<git-dir>/dx/guard-state.json`, one per worktree), so each drift
 * reaches telemetry ONCE however often the guard runs (hooks, --watch, the scheduler), and a drift
 * that goes away is logged as restored. No drift: no file — the shims test only its existence.
 */
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { rmInside } from '../nofollow.js';
import { describeProblem } from '../store/problem.js';
import { readJson } from '../store/read.js';
import { writeJson } from '../store/write.js';
import type { Drift } from './check.js';

const GuardStateSchema = z.object({
  schema_version: z.literal(1),
  drifts: z.array(z.object({ path: z.string().min(1), entry: z.string().min(1), event: z.enum(['critical_missing', 'critical_not_executable']), since: z.number().int().nonnegative() })),
});

/** A logged drift: the drift and when it was first seen (Unix seconds). */
export type LoggedDrift = Pick<Drift, 'path' | 'entry' | 'event'> & { since: number };

/** The key that makes two drifts the same drift: what happened to which path. */
export const driftKey = (d: Pick<Drift, 'path' | 'event'>) => `${d.event}\t${d.path}`;

/**
 * Read the logged drifts (through the store). A corrupt file reads as empty with `corrupt` set to the
 * store's words for it (its drifts are then logged again, once); a missing one is empty.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read (a directory, no permission)
 */
export function readGuardState(ctx: RepoContext): { drifts: LoggedDrift[]; corrupt: string | null } {
  const r = readJson(dxPaths(ctx).guardState, GuardStateSchema, 'guard state');
  if (r.kind === 'missing') return { drifts: [], corrupt: null };
  if (r.kind === 'corrupt') return { drifts: [], corrupt: describeProblem(r.problem) };
  return { drifts: r.value.drifts, corrupt: null };
}

/** Record `drifts` as logged (removing the file when there are none). @throws fs errors */
export function writeGuardState(ctx: RepoContext, drifts: LoggedDrift[]): void {
  const file = dxPaths(ctx).guardState;
  if (!drifts.length) rmInside(ctx.commonDir, file);
  else writeJson(ctx.commonDir, file, { schema_version: 1, drifts }, { fsync: false });
}
