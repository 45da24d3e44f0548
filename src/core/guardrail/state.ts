/**
 * The drifts the guard has already logged (`<git-common-dir>/dx/guard-state.json`), so each drift
 * reaches telemetry ONCE however often the guard runs (hooks, --watch, the scheduler), and a drift
 * that goes away is logged as restored. No drift: no file — the shims test only its existence.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { dxPaths, type RepoContext } from '../context.js';
import { rmInside, writeInside } from '../nofollow.js';
import type { Drift } from './check.js';

const GuardStateSchema = z.object({
  schema_version: z.literal(1),
  drifts: z.array(z.object({ path: z.string().min(1), entry: z.string().min(1), event: z.enum(['critical_missing', 'critical_not_executable']), since: z.number().int().nonnegative() })),
});

/** A logged drift: the drift and when it was first seen (Unix seconds). */
export type LoggedDrift = Pick<Drift, 'path' | 'entry' | 'event'> & { since: number };

/** The key that makes two drifts the same drift: what happened to which path. */
export const driftKey = (d: Pick<Drift, 'path' | 'event'>) => `${d.event}\t${d.path}`;

/** Read the logged drifts. A corrupt file reads as empty with `corrupt` set (its drifts are then logged again, once). */
export function readGuardState(ctx: RepoContext): { drifts: LoggedDrift[]; corrupt: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(dxPaths(ctx).guardState, 'utf8');
  } catch {
    return { drifts: [], corrupt: null };
  }
  try {
    const r = GuardStateSchema.safeParse(JSON.parse(text));
    if (r.success) return { drifts: r.data.drifts, corrupt: null };
    return { drifts: [], corrupt: r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ') };
  } catch (err) {
    return { drifts: [], corrupt: (err as Error).message };
  }
}

/** Record `drifts` as logged (removing the file when there are none). @throws fs errors */
export function writeGuardState(ctx: RepoContext, drifts: LoggedDrift[]): void {
  const file = dxPaths(ctx).guardState;
  if (!drifts.length) rmInside(ctx.commonDir, file);
  else writeInside(ctx.commonDir, file, JSON.stringify({ schema_version: 1, drifts }, null, 1) + '\n', { fsync: false });
}
