/**
 * The ledger (DESIGN §1): `<git-common-dir>/dx/events.jsonl`, one JSON line per dx-hooks
 * operation — the audit trail `dx-hooks log` and `undo` read. Each line is written with ONE
 * append-mode write(2), so concurrent hooks and workers never interleave or tear lines.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { RepoContext } from './context.js';
import { dxPaths } from './context.js';
import { appendLinesInside } from './nofollow.js';

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
  appendLinesInside(ctx.commonDir, file, [JSON.stringify(full)]);
  return full;
}

/**
 * Result of reading the ledger: valid events oldest first, how many lines were unreadable (torn or
 * foreign), and where: `lines[i]` is the 1-based line number of `events[i]`, `invalidLines` those of
 * the unreadable ones (so `undo` can tell whether an unreadable line is newer than what it would reverse).
 */
export interface LedgerRead { events: LedgerEvent[]; invalid: number; lines: number[]; invalidLines: number[] }

/** Read and validate every line of the ledger (zod); unreadable lines are counted, never fatal. */
export async function readLedger(ctx: RepoContext): Promise<LedgerRead> {
  const { LedgerEventSchema } = await import('./ledger-schema.js');
  let text = '';
  try {
    text = fs.readFileSync(dxPaths(ctx).ledger, 'utf8');
  } catch {
    return { events: [], invalid: 0, lines: [], invalidLines: [] };
  }
  const events: LedgerEvent[] = [];
  const lines: number[] = [];
  const invalidLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = LedgerEventSchema.safeParse(JSON.parse(line));
      if (r.success) {
        events.push(r.data as LedgerEvent);
        lines.push(i + 1);
        return;
      }
    } catch {
      /* counted below */
    }
    invalidLines.push(i + 1);
  });
  return { events, invalid: invalidLines.length, lines, invalidLines };
}
