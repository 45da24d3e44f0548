/**
 * This host's WIP push state, `<git-common-dir>/dx/state.json`: what was last pushed to each WIP
 * ref (the force-with-lease expectation), and what is pending after a failure (the retry list and
 * the banner's source). Written atomically, read through zod. A file in another format (another
 * dx-hooks version's schema_version, a field this one does not know) is reread entry by entry:
 * what validates is kept, what does not is named in `corrupt` (the leases of a lost entry fall
 * back to checking the remote).
 */
import { z } from 'zod';
import type { RepoContext } from './context.js';
import { dxPaths } from './context.js';
import { debugNote } from './debug.js';
import { describeProblem, readStoreText, syntaxProblem, writeJson } from './store/index.js';

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
  const text = readStoreText(dxPaths(ctx).state);
  if (text === null) return { state: empty, corrupt: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: empty, corrupt: describeProblem(syntaxProblem(dxPaths(ctx).state, 'dx-hooks state file', text)) };
  }
  const r = StateSchema.safeParse(raw);
  if (r.success) return { state: r.data, corrupt: null };
  const { state, dropped } = salvageState(raw);
  const why = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
  if (!dropped.length) {
    debugNote(`${dxPaths(ctx).state} is in another format (${why}); reread entry by entry, nothing lost`);
    return { state, corrupt: null };
  }
  return { state, corrupt: `${dxPaths(ctx).state} is invalid (${why}); kept what validates, dropped ${dropped.join(', ')}` };
}

/** Keep each field of `value` that validates against its own schema; name the ones that do not. */
function keepValid(shape: Record<string, z.ZodType>, value: unknown, where: string, dropped: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    if (value !== undefined) dropped.push(where);
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = shape[k];
    if (!field) continue; // a key another version added: not ours to read
    const r = field.safeParse(v);
    if (r.success) out[k] = r.data;
    else dropped.push(`${where}.${k}`);
  }
  return out;
}

/**
 * Reread a state.json that does not validate as a whole (another version's schema_version, a
 * changed field): every WIP entry, index field and pending ref push that validates on its own is
 * kept. Returns the state and the dotted names of what was dropped (empty: nothing lost).
 */
export function salvageState(raw: unknown): { state: DxState; dropped: string[] } {
  const dropped: string[] = [];
  const state: DxState = { schema_version: 1, wip: {}, index: {}, refPushes: [] };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { state, dropped: ['(the whole file: not an object)'] };
  const o = raw as Record<string, unknown>;
  if (o.wip && typeof o.wip === 'object' && !Array.isArray(o.wip)) {
    for (const [ref, v] of Object.entries(o.wip as Record<string, unknown>)) state.wip[ref] = WipStateSchema.parse(keepValid(WipStateSchema.shape, v, `wip.${ref}`, dropped));
  } else if (o.wip !== undefined) dropped.push('wip');
  const index = keepValid(StateSchema.shape.index.unwrap().shape, o.index, 'index', dropped);
  state.index = index as DxState['index'];
  if (Array.isArray(o.refPushes)) {
    o.refPushes.forEach((p, i) => {
      const r = RefPushSchema.safeParse(p);
      if (r.success) state.refPushes.push(r.data);
      else dropped.push(`refPushes.${i}`);
    });
  } else if (o.refPushes !== undefined) dropped.push('refPushes');
  return { state, dropped };
}

/** Write state.json atomically (call under the worker lock). */
export function writeState(ctx: RepoContext, state: DxState): void {
  writeJson(ctx.commonDir, dxPaths(ctx).state, state, { indent: 2 });
}
