/**
 * The index file `.dx/wip-index.json` on `refs/heads/dx/index` (DESIGN §4): which host has
 * which WIP. `entries` is keyed `<host>/<branch>`; `hosts` keeps the seed format (each host's
 * newest entry) for older readers. Pure functions: parse, merge (newest `ts` wins per key, no
 * key ever dropped), and summarise.
 */
import { z } from 'zod';
import { believedTs, boundIndex, INDEX_LIMITS, preBoundRaw, type Truncation } from './bounds.js';

const Sha = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex commit id');

/** One (host, branch) WIP entry. `ts` is Unix seconds; `base` is the HEAD under a snapshot (= sha for a plain commit). */
export const IndexEntrySchema = z.looseObject({
  host: z.string().min(1),
  branch: z.string().min(1),
  ref: z.string().startsWith('refs/'),
  sha: Sha,
  base: Sha.nullable(),
  ts: z.number().int().nonnegative(),
  message: z.string(),
  dirty: z.boolean(),
});
export type IndexEntry = z.infer<typeof IndexEntrySchema>;

const HostSummarySchema = z.looseObject({
  sha: Sha,
  branch: z.string(),
  ts: z.number().int().nonnegative(),
  message: z.string(),
});

/** The whole index file, schema_version 1. */
// Loose objects: fields written by newer versions (or seed-format extras) survive our rewrites.
export const WipIndexSchema = z.looseObject({
  schema_version: z.literal(1),
  repo: z.string(),
  updated: z.number().int().nonnegative(),
  entries: z.record(z.string(), IndexEntrySchema),
  hosts: z.record(z.string(), HostSummarySchema),
});
export type WipIndex = z.infer<typeof WipIndexSchema>;

/** Key of an entry: `<host>/<branch>`. */
export function entryKey(e: Pick<IndexEntry, 'host' | 'branch'>): string {
  return `${e.host}/${e.branch}`;
}

/** An empty index for `repo`. */
export function emptyIndex(repo: string, now: number): WipIndex {
  return { schema_version: 1, repo, updated: now, entries: {}, hosts: {} };
}

/**
 * Parse index JSON text, bounded (bounds.ts: at most `INDEX_LIMITS.readBytes` of text is parsed;
 * entries beyond the limits are dropped before validation, `self`'s — this host's — last; future
 * times are not believed). Returns the index and what was cut, or a description of what is wrong.
 * `now`: Unix seconds (default: the clock).
 */
export function parseIndex(text: string, opts: { now?: number; self?: string } = {}): { index: WipIndex; cut: Truncation } | { error: string } {
  if (text.length > INDEX_LIMITS.readBytes) return { error: `too large: ${text.length} bytes (the limit is ${INDEX_LIMITS.readBytes})` };
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const pre = preBoundRaw(raw, now, opts.self);
  const r = WipIndexSchema.safeParse(pre.raw);
  if (!r.success) return { error: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ') };
  const { index, cut } = boundIndex(r.data, now, opts.self);
  cut.entriesDropped += pre.dropped;
  cut.hostsDropped += pre.hostsDropped;
  return { index, cut };
}

/**
 * Merge `incoming` entries into `base`: per key the newest `ts` wins (ties keep `incoming`; a time
 * in the future is not believed, see bounds.ts, so it never pins a key); an incoming entry of
 * `self` (the writing host, which has just pushed that WIP ref) always wins its key;
 * keys only in `base` are kept; `hosts` is recomputed from the newest entry of each host, and
 * host summaries of hosts without entries (seed-format writers) are kept.
 */
export function mergeEntries(base: WipIndex, incoming: Record<string, IndexEntry>, now: number, self?: string): WipIndex {
  const entries: Record<string, IndexEntry> = { ...base.entries };
  for (const [key, e] of Object.entries(incoming)) {
    const old = entries[key];
    if (!old || (self !== undefined && e.host === self) || believedTs(e.ts, now) >= believedTs(old.ts, now)) entries[key] = e;
  }
  const hosts: WipIndex['hosts'] = {};
  for (const [h, s] of Object.entries(base.hosts)) hosts[h] = s;
  for (const e of Object.values(entries)) {
    const cur = hosts[e.host];
    if (!cur || e.ts >= cur.ts) hosts[e.host] = { sha: e.sha, branch: e.branch, ts: e.ts, message: e.message };
  }
  return { ...base, updated: Math.max(now, base.updated), entries, hosts };
}

/** Whether two indexes hold the same entries and hosts (ignoring `updated`). */
export function sameContent(a: WipIndex, b: WipIndex): boolean {
  return stableJson({ ...a, updated: 0 }) === stableJson({ ...b, updated: 0 });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Serialise an index the way it is stored: keys of `entries` and `hosts` sorted, 2-space indent. */
export function serializeIndex(index: WipIndex): string {
  const sortObj = <T>(o: Record<string, T>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
  return JSON.stringify({ ...index, entries: sortObj(index.entries), hosts: sortObj(index.hosts) }, null, 2) + '\n';
}

/** Entries newest first. */
export function entriesNewestFirst(index: WipIndex): IndexEntry[] {
  return Object.values(index.entries).sort((a, b) => b.ts - a.ts || entryKey(a).localeCompare(entryKey(b)));
}

/**
 * Whether an entry is what its key says: keyed `<host>/<branch>` of its own fields, and naming that
 * host's own WIP ref (`<prefix>/<host>/<branch>`; any prefix when `prefix` is not given).
 */
export function consistentEntry(key: string, e: IndexEntry, prefix?: string): boolean {
  if (key !== entryKey(e) || e.host.includes('/')) return false;
  return prefix === undefined ? e.ref.endsWith(`/${key}`) : e.ref === `${prefix}/${key}`;
}

/**
 * What `index rebuild` writes on top of `base`: the entries rebuilt from the WIP refs (the truth),
 * except that a consistent entry written during the rebuild (`ts` from `since` to `now`, Unix
 * seconds: another host's update meanwhile) is kept as it is; everything else of the old index is
 * dropped — an old entry is never believed over the refs, nor one with a future time.
 */
export function rebuildOnto(base: WipIndex, fresh: Record<string, IndexEntry>, since: number, now: number): WipIndex {
  const entries: Record<string, IndexEntry> = {};
  for (const [key, e] of Object.entries(fresh)) entries[key] = e;
  for (const [key, e] of Object.entries(base.entries)) if (e.ts >= since && e.ts <= now + INDEX_LIMITS.futureSkew && consistentEntry(key, e)) entries[key] = e;
  const hosts: WipIndex['hosts'] = {};
  for (const e of Object.values(entries)) {
    const cur = hosts[e.host];
    if (!cur || e.ts >= cur.ts) hosts[e.host] = { sha: e.sha, branch: e.branch, ts: e.ts, message: e.message };
  }
  return { ...base, updated: Math.max(now, base.updated), entries, hosts };
}
