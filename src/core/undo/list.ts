/**
 * Which ledger events can be undone, newest first, and which of them already were: an `undo`
 * event names the event it undid (`detail.undid`); undoing that undo puts the first one back in
 * effect. An event whose operation failed part-way (a later line `{op, ok: false, detail.event: id}`)
 * stays undoable — undo puts back the state before it — and is marked `failed`.
 */
import type { RepoContext } from '../context.js';
import { readLedger, type LedgerEvent } from '../ledger.js';
import { undoInfoOf, type UndoInfo } from './info.js';

/** One undoable event. `undoneBy` is the id of the undo event that reversed it (null: in effect). */
export interface UndoEntry {
  id: string;
  ts: number;
  host: string;
  op: string;
  /** what the event did, in words */
  summary: string;
  undoneBy: string | null;
  failed: boolean;
  undo: UndoInfo;
  event: LedgerEvent;
  /** 1-based line of the ledger the event is on */
  line: number;
}

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '∅');
const shortRef = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');

/** The event's own summary (`detail.summary`), else its refs as `ref old→new`. */
export function describeEvent(e: LedgerEvent): string {
  if (typeof e.detail?.summary === 'string') return e.detail.summary;
  const refs = Object.entries(e.refs ?? {}).map(([ref, v]) => `${shortRef(ref)} ${short(v.old)}→${short(v.new)}`);
  const what = refs.length ? refs.join(', ') : (e.paths?.length ? `${e.paths.length} path(s)` : '');
  return `${e.op}${what ? ` ${what}` : ''}`;
}

/** True when `e` is the failure record of an earlier event (`detail.event` names it). */
function failureOf(e: LedgerEvent): string | null {
  return !e.ok && typeof e.detail?.event === 'string' ? e.detail.event : null;
}

/** Every undoable event of the ledger, newest first, with its undone/failed marks; `invalidLines`: 1-based lines that could not be read (torn or foreign). */
export async function listUndoable(ctx: RepoContext): Promise<{ entries: UndoEntry[]; invalid: number; invalidLines: number[] }> {
  const { events, invalid, lines, invalidLines } = await readLedger(ctx);
  const failed = new Set(events.map(failureOf).filter((x): x is string => x !== null));
  const byId = new Map(events.map((e) => [e.id, e]));
  const undoneBy = new Map<string, string>();
  for (const e of events) {
    if (e.op !== 'undo' || !e.ok || failed.has(e.id) || typeof e.detail?.undid !== 'string') continue;
    const target = e.detail.undid;
    undoneBy.set(target, e.id);
    // Undoing an undo puts what that undo had reversed back in effect.
    const inner = byId.get(target)?.detail?.undid;
    if (typeof inner === 'string' && undoneBy.get(inner) === target) undoneBy.delete(inner);
  }
  const entries: UndoEntry[] = [];
  events.forEach((e, i) => {
    if (!e.ok) return;
    const undo = undoInfoOf(e);
    if (!undo) return;
    entries.push({ id: e.id, ts: e.ts, host: e.host, op: e.op, summary: describeEvent(e), undoneBy: undoneBy.get(e.id) ?? null, failed: failed.has(e.id), undo, event: e, line: lines[i] ?? 0 });
  });
  return { entries: entries.reverse(), invalid, invalidLines };
}
