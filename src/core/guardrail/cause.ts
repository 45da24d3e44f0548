/**
 * What last touched a critical path, for its telemetry line: the last commit on HEAD's history that
 * changed it, and the last dx-hooks operation (ledger) that named it. Bounded: a mass deletion of
 * thousands of paths looks up the first few and leaves the rest unknown (null).
 */
import type { LedgerEvent } from '../ledger.js';
import { readLedger } from '../ledger.js';
import { gitTry } from '../git.js';
import type { Session } from '../session.js';

/** How many paths get a `git log` lookup per guard run. */
export const CAUSE_LOOKUPS = 20;

/** The last commit (40 hex) and dx operation (`<op> <ledger id>`) that touched a path; null when unknown. */
export interface Cause { commit: string | null; operation: string | null }

/** Whether a ledger event names `p`: in `paths`, or in `detail.removed` (what a work-tree operation removed). */
export function eventNames(e: LedgerEvent, p: string): boolean {
  if (e.paths?.includes(p)) return true;
  const removed = e.detail?.removed;
  return Array.isArray(removed) && removed.includes(p);
}

/** Causes for `paths` (repo-relative). Never throws for an unreadable ledger or history: that cause is null. */
export async function lastTouch(s: Session, paths: readonly string[]): Promise<Map<string, Cause>> {
  const out = new Map<string, Cause>();
  if (!paths.length) return out;
  const ledger = await readLedger(s.ctx).catch(() => ({ events: [] as LedgerEvent[] }));
  const newestFirst = [...ledger.events].reverse();
  const commits = await Promise.all(
    paths.map(async (p, i) => {
      if (i >= CAUSE_LOOKUPS) return null;
      const r = await gitTry(['--literal-pathspecs', 'log', '-1', '--format=%H', 'HEAD', '--', p], { cwd: s.ctx.top });
      const sha = r.stdout.trim();
      return r.code === 0 && /^[0-9a-f]{40}$/.test(sha) ? sha : null;
    }),
  );
  paths.forEach((p, i) => {
    // A guard.repair only ever brings a path back: it is never what removed it or cleared its exec bit.
    const e = newestFirst.find((ev) => ev.ok && ev.op !== 'guard.repair' && eventNames(ev, p));
    out.set(p, { commit: commits[i] ?? null, operation: e ? `${e.op} ${e.id}` : null });
  });
  return out;
}
