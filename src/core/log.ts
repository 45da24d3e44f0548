/**
 * `dx-hooks log` as data: the ledger newest first, filtered by age (`--since`) and by path
 * (`--path`: the event's `paths`, or a mention of the path anywhere in its `detail`).
 */
import type { RepoContext } from './context.js';
import { readLedger, type LedgerEvent } from './ledger.js';

/** Filters of a log query; `since` in seconds before `now` (Unix seconds). */
export interface LogQuery { since?: number; path?: string; now?: number }

/** The events that passed the filters (newest first) and how many ledger lines were unreadable. */
export interface LogResult { events: LedgerEvent[]; invalid: number }

/** Repository-relative form of a path typed by a user: forward slashes, no `./`, no trailing `/`. */
export function normalizeLogPath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** True when `event` concerns `p`: one of its paths is `p` or lies under `p/`, or its detail mentions `p`. */
export function eventMentionsPath(event: LedgerEvent, p: string): boolean {
  const want = normalizeLogPath(p);
  if (!want) return true;
  if ((event.paths ?? []).some((x) => x === want || x.startsWith(want + '/'))) return true;
  if (event.detail === undefined) return false;
  // A mention counts only as a whole path or a folder of one: `deploy` matches "deploy/run.sh", not "deployment.md".
  const text = JSON.stringify(event.detail);
  const needle = JSON.stringify(want).slice(1, -1);
  const pathChar = /[A-Za-z0-9._-]/;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    const before = text[i - 1] ?? '';
    const after = text[i + needle.length] ?? '';
    if (!pathChar.test(before) && before !== '/' && (after === '/' || !pathChar.test(after))) return true;
  }
  return false;
}

/** Read the ledger and apply the query. */
export async function queryLog(ctx: RepoContext, q: LogQuery = {}): Promise<LogResult> {
  const { events, invalid } = await readLedger(ctx);
  const now = q.now ?? Math.floor(Date.now() / 1000);
  const from = q.since === undefined ? -Infinity : now - q.since;
  const kept = events.filter((e) => e.ts >= from && (q.path === undefined || eventMentionsPath(e, q.path)));
  // The file is in append order; a stable sort by time keeps same-second events newest first too.
  return { events: kept.map((e, i) => ({ e, i })).sort((a, b) => b.e.ts - a.e.ts || b.i - a.i).map((x) => x.e), invalid };
}
