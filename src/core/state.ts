/**
 * This host's WIP push state, `<git-common-dir>/dx/state.json`: what was last pushed to each WIP
 * ref (the force-with-lease expectation), and what is pending after a failure (the retry list and
 * the banner's source). Written atomically, read through zod; a corrupt file is reported and
 * replaced by an empty state (the leases then fall back to checking the remote).
 */
import { z } from 'zod';
import type { RepoContext } from './context.js';
import { dxPaths } from './context.js';
import { readIfExists } from './fsx.js';
import { writeInside } from './nofollow.js';

const Sha = z.string().regex(/^[0-9a-f]{40}$/);

const PendingSchema = z.object({
  sha: Sha,
  branch: z.string().nullable(),
  since: z.number().int(),
  attempts: z.number().int().nonnegative(),
  error: z.string(),
  dirty: z.boolean().default(false),
  /** earlier snapshots this pending push superseded, still to be kept on the remote */
  keep: z.array(Sha).default([]),
});

const WipStateSchema = z.object({
  lastPushed: Sha.optional(),
  lastPushedAt: z.number().int().optional(),
  /** the last pushed value was a snapshot (uncommitted work): it is kept aside before being replaced */
  lastDirty: z.boolean().optional(),
  lastAttemptAt: z.number().int().optional(),
  lastResult: z.enum(['ok', 'error']).optional(),
  lastError: z.string().optional(),
  pending: PendingSchema.optional(),
});

const IndexPendingSchema = z.object({
  since: z.number().int(),
  attempts: z.number().int().nonnegative(),
  error: z.string(),
  keys: z.array(z.string()),
});

const RefPushSchema = z.object({
  remote: z.string(),
  refs: z.array(z.string()),
  force: z.boolean(),
  since: z.number().int(),
  attempts: z.number().int().nonnegative(),
  error: z.string(),
});
export type PendingRefPush = z.infer<typeof RefPushSchema>;

/**
 * A WIP ref of this host found holding a commit this host never pushed (wip/collision.ts): another
 * machine writes under the same host id. `host` is the id it was seen under; `theirs` the foreign
 * value, `ours` what this host last landed there (null: unknown); `seen` Unix seconds; `by` who saw it.
 */
const CollisionSchema = z.object({
  ref: z.string(),
  host: z.string(),
  remote: z.string(),
  theirs: Sha,
  ours: Sha.nullable(),
  seen: z.number().int(),
  by: z.enum(['push', 'status', 'doctor']),
});
export type Collision = z.infer<typeof CollisionSchema>;

/** state.json (schema_version 1). Keys of `wip` are full WIP ref names; times are Unix seconds. */
export const StateSchema = z.object({
  schema_version: z.literal(1),
  wip: z.record(z.string(), WipStateSchema).default({}),
  index: z
    .object({ lastOkAt: z.number().int().optional(), pending: IndexPendingSchema.optional() })
    .default({}),
  /** other ref pushes that failed (checkpoint tags, refs undo mirrors): retried like WIP pushes */
  refPushes: z.array(RefPushSchema).default([]),
  /** this host's WIP refs another machine wrote (one per ref, the latest sighting); older versions drop the key, which only forgets them */
  collisions: z.array(CollisionSchema).optional(),
});
export type DxState = z.infer<typeof StateSchema>;
export type WipState = z.infer<typeof WipStateSchema>;
export type PendingPush = z.infer<typeof PendingSchema>;

/** Result of reading state: the state, and a description of what was wrong when the file was corrupt. */
export interface StateRead { state: DxState; corrupt: string | null }

/** Read state.json; a missing file is an empty state, a corrupt one is reported in `corrupt`. */
export function readState(ctx: RepoContext): StateRead {
  const empty: DxState = { schema_version: 1, wip: {}, index: {}, refPushes: [] };
  const text = readIfExists(dxPaths(ctx).state);
  if (text === null) return { state: empty, corrupt: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { state: empty, corrupt: `${dxPaths(ctx).state} is not JSON (${(err as Error).message})` };
  }
  const r = StateSchema.safeParse(raw);
  if (!r.success) return { state: empty, corrupt: `${dxPaths(ctx).state} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { state: r.data, corrupt: null };
}

/** Write state.json atomically (call under the worker lock). */
export function writeState(ctx: RepoContext, state: DxState): void {
  writeInside(ctx.commonDir, dxPaths(ctx).state, JSON.stringify(state, null, 2) + '\n');
}
