/**
 * What dx-hooks itself recorded about a path: ledger lines (events.jsonl) that name it — in `paths`,
 * in `detail.removed`, or anywhere in `detail` (a rollback's `commits[].protected[].path`, a
 * refusal's `losses[].path` …) — and guard telemetry lines for it. Also which ledger lines may have
 * REMOVED it from the work tree, the fact REMOVED_BY_DX rests on. Pure functions over parsed lines.
 */
import type { LedgerEvent } from '../ledger.js';
import type { TelemetryEvent } from '../guardrail/telemetry.js';
import { under } from './paths.js';

/** A ledger line naming the path. `how`: where it is named (`paths`, `removed`, or a detail key path such as `commits.protected.path`). Times in Unix seconds. */
export interface LedgerMention { source: 'ledger'; ts: number; host: string; id: string; op: string; ok: boolean; summary: string | null; error?: string; how: string[]; snapshot: string | null }
/** A guard telemetry line for the path (its `path`, or the `entry` that asked for it). */
export interface TelemetryMention { source: 'telemetry'; ts: number; host: string; event: TelemetryEvent['event']; entry: string; commit: string | null; operation: string | null }
export type Mention = LedgerMention | TelemetryMention;

/** A dx-hooks operation that removed the path from the work tree. `snapshot`: the commit taken BEFORE it, which holds the path. */
export interface DxRemoval { id: string; op: string; ts: number; snapshot: string; summary: string | null; explicit: boolean }

/** An older ledger line without `detail.removed`: it removed the path when `snapshot:<path>` exists and `target:<path>` does not. */
export interface RemovalCheck { event: LedgerEvent; snapshot: string; target: string }

const SHA = /^[0-9a-f]{40}$/;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Key paths inside `detail` whose string value is `p` or a path below it (arrays are transparent: `commits.protected.path`). */
function detailHits(v: unknown, p: string, at: string, out: Set<string>, depth = 0): void {
  if (depth > 6) return;
  if (typeof v === 'string') {
    if (under(v, p)) out.add(at || 'detail');
  } else if (Array.isArray(v)) {
    for (const x of v) detailHits(x, p, at, out, depth + 1);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) detailHits(x, p, at ? `${at}.${k}` : k, out, depth + 1);
  }
}

/** Where ledger line `e` names `p` or a path below it (empty: it does not). */
export function whereNamed(e: LedgerEvent, p: string): string[] {
  const hits = new Set<string>();
  if (e.paths?.some((x) => under(x, p))) hits.add('paths');
  if (e.detail) detailHits(e.detail, p, '', hits);
  return [...hits];
}

/** Ledger and telemetry lines naming `p`, newest first (same-second lines: later in the file first). */
export function mentionsOf(ledger: readonly LedgerEvent[], telemetry: readonly TelemetryEvent[], p: string): Mention[] {
  const out: { m: Mention; i: number }[] = [];
  ledger.forEach((e, i) => {
    const how = whereNamed(e, p);
    if (!how.length) return;
    const snapshot = str(e.detail?.snapshot);
    out.push({ i, m: { source: 'ledger', ts: e.ts, host: e.host, id: e.id, op: e.op, ok: e.ok, summary: str(e.detail?.summary), ...(e.error ? { error: e.error } : {}), how, snapshot: snapshot && SHA.test(snapshot) ? snapshot : null } });
  });
  telemetry.forEach((t, i) => {
    if (!under(t.path, p) && !under(t.entry, p)) return;
    out.push({ i, m: { source: 'telemetry', ts: t.ts, host: t.host, event: t.event, entry: t.entry, commit: t.commit, operation: t.operation } });
  });
  return out.sort((a, b) => b.m.ts - a.m.ts || b.i - a.i).map((x) => x.m);
}

/** Ids of ledger lines a later successful `undo` reversed (their removals no longer stand). */
function undone(ledger: readonly LedgerEvent[]): Set<string> {
  return new Set(ledger.filter((e) => e.ok && e.op === 'undo').map((e) => str(e.detail?.undid)).filter((x): x is string => !!x));
}

/** The tree an older work-tree operation moved to, from what its line records; null when unknown. */
function targetOf(e: LedgerEvent, byId: Map<string, LedgerEvent>): string | null {
  const d = e.detail ?? {};
  if (e.op === 'checkpoint.restore') return str(d.checkpoint);
  if (e.op === 'sync.reset') return Object.values(e.refs ?? {})[0]?.new ?? null;
  if (e.op === 'undo') {
    const undid = byId.get(str(d.undid) ?? '');
    const wt = (undid?.detail?.undo as { worktree?: { snapshot?: unknown } } | undefined)?.worktree;
    return str(wt?.snapshot);
  }
  return null;
}

/**
 * The ledger lines that removed `p`: successful lines whose `detail.removed` lists it (explicit),
 * and, for older lines of `checkpoint.restore`, `sync.reset` and `undo` without `detail.removed`, the
 * checks to run (`snapshot` has it, `target` lacks it). Lines a later undo reversed are left out.
 */
export function removalCandidates(ledger: readonly LedgerEvent[], p: string): { explicit: DxRemoval[]; checks: RemovalCheck[] } {
  const reversed = undone(ledger);
  const byId = new Map(ledger.map((e) => [e.id, e]));
  const explicit: DxRemoval[] = [];
  const checks: RemovalCheck[] = [];
  for (const e of ledger) {
    const snapshot = str(e.detail?.snapshot);
    if (!e.ok || reversed.has(e.id) || !snapshot || !SHA.test(snapshot)) continue;
    const removed = e.detail?.removed;
    if (Array.isArray(removed)) {
      if (removed.some((r) => typeof r === 'string' && under(r, p))) explicit.push({ id: e.id, op: e.op, ts: e.ts, snapshot, summary: str(e.detail?.summary), explicit: true });
      continue;
    }
    const target = targetOf(e, byId);
    if (target && SHA.test(target)) checks.push({ event: e, snapshot, target });
  }
  return { explicit, checks };
}

/** A removal found by a check (the snapshot had it, the target did not). */
export function checkedRemoval(c: RemovalCheck): DxRemoval {
  return { id: c.event.id, op: c.event.op, ts: c.event.ts, snapshot: c.snapshot, summary: str(c.event.detail?.summary), explicit: false };
}
