/**
 * WIP retention, the pure half: which remote refs prune may consider (WIP refs and the refs kept
 * aside for them — never the index branch, ordinary branches or checkpoint tags), and what it
 * would do with each one. Data in, data out, so dry runs and table tests come free.
 */
import { INDEX_REF } from '../wipindex/store.js';
import { parseWipRef } from '../wip/ref.js';

/** What kind of dx-hooks ref a candidate is: a WIP ref, a kept-aside snapshot, or a displaced foreign value. */
export type PruneKind = 'wip' | 'snapshot' | 'displaced';

/** Namespaces on the remote holding the refs a WIP push keeps aside (README "The refs it writes"). */
export const KEPT_ASIDE = { snapshot: 'refs/dx/snapshots', displaced: 'refs/dx/displaced' } as const;

/** A remote ref prune may delete, with what it is about (host and branch null when the name does not say). */
export interface RefClass { kind: PruneKind; host: string | null; branch: string | null }

/**
 * Classify a remote ref name: a WIP ref `<prefix>/<host>/<branch>`, or a kept-aside
 * `refs/dx/{snapshots,displaced}/<host>/<sha12>/<branch>`; null for everything prune must never
 * touch (branches, `dx/index`, tags, a name under the prefix that is not `<host>/<branch>`).
 */
export function classifyRemoteRef(prefix: string, ref: string): RefClass | null {
  if (ref === INDEX_REF) return null;
  const who = parseWipRef(prefix, ref);
  if (who) return { kind: 'wip', host: who.host, branch: who.branch };
  for (const kind of ['snapshot', 'displaced'] as const) {
    const ns = KEPT_ASIDE[kind] + '/';
    if (!ref.startsWith(ns)) continue;
    const [host, sha12, ...branch] = ref.slice(ns.length).split('/');
    if (!host || !sha12) return { kind, host: host || null, branch: null };
    return { kind, host, branch: branch.length ? branch.join('/') : null };
  }
  return null;
}

/**
 * True for an ordinary branch on the remote — a place where commits "already exist elsewhere":
 * any `refs/heads/*` that is neither a prune candidate nor the index branch.
 */
export function isOrdinaryBranch(prefix: string, ref: string): boolean {
  return ref.startsWith('refs/heads/') && ref !== INDEX_REF && classifyRemoteRef(prefix, ref) === null;
}

/**
 * The remote namespaces prune fetches (each as `<ns>/*`): branches, the WIP prefix when it is not
 * under `refs/heads`, and the kept-aside namespaces.
 */
export function remoteNamespaces(prefix: string): string[] {
  const all = ['refs/heads', prefix, KEPT_ASIDE.snapshot, KEPT_ASIDE.displaced];
  const out: string[] = [];
  for (const ns of all) {
    if (out.some((o) => ns === o || ns.startsWith(o + '/'))) continue;
    out.push(ns);
  }
  return out;
}

/** A candidate as read from the remote. `committed` is the tip's committer time (Unix s); `onlyHere` counts commits no ordinary branch has. */
export interface PruneCandidate extends RefClass { ref: string; sha: string; committed: number; onlyHere: number }

/** Why a row is kept or deleted. */
export type PruneReason = 'too-new' | 'unmerged' | 'merged' | 'include-unmerged';

/** One row of the plan. `ageSeconds` may be negative (a committer clock ahead of ours: too new). */
export interface PruneRow extends PruneCandidate {
  ageSeconds: number;
  /** every commit of the ref is on an ordinary remote branch */
  merged: boolean;
  action: 'delete' | 'keep';
  reason: PruneReason;
}

/** The plan: the cutoff (Unix s: refs committed before it are old) and one row per candidate, sorted by ref. */
export interface PrunePlan { now: number; olderThan: number; cutoff: number; rows: PruneRow[] }

/**
 * Decide, per candidate: too new (committed at or after `now - olderThan`) → keep; old and merged
 * → delete; old and unmerged → keep, unless `includeUnmerged`.
 * @param input.now        Unix seconds
 * @param input.olderThan  seconds (> 0; parseDuration guarantees it)
 */
export function planPrune(input: { candidates: PruneCandidate[]; now: number; olderThan: number; includeUnmerged: boolean }): PrunePlan {
  const cutoff = input.now - input.olderThan;
  const rows = input.candidates.map((c): PruneRow => {
    const merged = c.onlyHere === 0;
    const base = { ...c, ageSeconds: input.now - c.committed, merged };
    if (c.committed >= cutoff) return { ...base, action: 'keep', reason: 'too-new' };
    if (merged) return { ...base, action: 'delete', reason: 'merged' };
    if (input.includeUnmerged) return { ...base, action: 'delete', reason: 'include-unmerged' };
    return { ...base, action: 'keep', reason: 'unmerged' };
  });
  rows.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  return { now: input.now, olderThan: input.olderThan, cutoff, rows };
}
