/**
 * The ledger (DESIGN §1): `<git-common-dir>/dx/events.jsonl`, one JSON line per dx-hooks
 * operation — the audit trail `dx-hooks log` and `undo` read. Each line is written with ONE
 * append-mode write(2), so concurrent hooks and workers never interleave or tear lines.
 */
import crypto from 'node:crypto';
import type { RepoContext } from './context.js';
import { dxPaths } from './context.js';
import { appendJsonl } from './store/write.js';
import { readJsonl } from './store/jsonl.js';

/** One ledger line. `ts` is Unix seconds; shas are 40 hex; `ok: false` lines carry `error`. */
export interface LedgerEvent {
  id: string;
  ts: number;
  host: string;
  op: string;
  ok: boolean;
  refs?: Record<string, { old?: string | null; new?: string | null }>;
  paths?: string[];
  error?: string;
  detail?: Record<string, unknown>;
}

/** A new event id: `<unix seconds>-<6 hex>`, sortable by time. */
export function newEventId(ts = Math.floor(Date.now() / 1000)): string {
  return `${ts}-${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * Append one event (id and ts filled in when absent) and return it. When the file's last line is
 * torn (a killed writer left no final newline), a newline goes first, in the same write, so the
 * torn line never swallows this record (readers skip and count the torn one).
 * @throws the fs error when the ledger cannot be written (callers report it; it is never swallowed)
 */
export function appendLedger(ctx: RepoContext, event: Omit<LedgerEvent, 'id' | 'ts'> & Partial<Pick<LedgerEvent, 'id' | 'ts'>>): LedgerEvent {
  const ts = event.ts ?? Math.floor(Date.now() / 1000);
  const full: LedgerEvent = { ...event, id: event.id ?? newEventId(ts), ts };
  const file = dxPaths(ctx).ledger;
  appendJsonl(ctx.commonDir, file, [full]);
  return full;
}

/**
 * Result of reading the ledger: valid events oldest first, how many lines were unreadable (torn or
 * foreign), and where: `lines[i]` is the 1-based line number of `events[i]`, `invalidLines` those of
 * the unreadable ones (so `undo` can tell whether an unreadable line is newer than what it would reverse).
 */
export interface LedgerRead { events: LedgerEvent[]; invalid: number; lines: number[]; invalidLines: number[] }

/**
 * Read and validate every line of the ledger (zod, through the store); unreadable lines (torn or
 * foreign) are counted, never fatal, and a torn line never hides the record after it. A missing
 * ledger reads as empty.
 * @throws DxError STORE_UNREADABLE when the ledger exists but cannot be read (a directory, no permission)
 */
export async function readLedger(ctx: RepoContext): Promise<LedgerRead> {
  const { LedgerEventSchema } = await import('./ledger-schema.js');
  const r = readJsonl(dxPaths(ctx).ledger, LedgerEventSchema);
  const invalidLines = r.invalid.map((x) => x.line);
  return { events: r.records as LedgerEvent[], invalid: invalidLines.length, lines: r.lines, invalidLines };
}
