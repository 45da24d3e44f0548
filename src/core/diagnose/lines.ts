/**
 * The ledger and telemetry lines diagnose needs for some paths — read cheaply. Every line is
 * JSON-parsed (microseconds), but only the lines that can matter (naming a path, or a work-tree
 * operation whose removals must be checked) are validated with zod, and zod (~90 ms to load) is
 * loaded only when there is such a line. Lines that are not used are not trusted either: they are
 * never looked at beyond the selection.
 */
import { dxPaths } from '../context.js';
import { describeError } from '../errors.js';
import type { TelemetryEvent } from '../guardrail/telemetry.js';
import type { LedgerEvent } from '../ledger.js';
import type { Session } from '../session.js';
import { readJsonlObjects } from '../store/jsonl.js';
import { whereNamed } from './evidence.js';
import { under } from './paths.js';

/** Valid lines (file order) and how many lines were unreadable: torn or foreign JSON, or failing the schema when checked. */
export interface Lines<T> { events: T[]; invalid: number }

/** Work-tree operations whose older lines (without `detail.removed`) need a removal check. */
const WORKTREE_OPS = new Set(['checkpoint.restore', 'sync.reset', 'undo']);

/**
 * Every line of `file` that parses as a JSON object (the store's one JSONL loop: a torn line never
 * hides the next record); `invalid` counts the others. A missing file is empty.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read
 */
function parseLines(file: string): { rows: Record<string, unknown>[]; invalid: number } {
  const r = readJsonlObjects(file);
  return { rows: r.records, invalid: r.invalid.length };
}

/**
 * The ledger lines that can matter for `paths`: lines naming one of them, older work-tree lines
 * without `detail.removed`, and — when any of those exist — the `undo` lines (which may reverse
 * them). Validated with the ledger's zod schema. @throws DxError STORE_UNREADABLE when the ledger cannot be read
 */
export async function relevantLedger(s: Session, paths: readonly string[]): Promise<Lines<LedgerEvent>> {
  const { rows, invalid } = parseLines(dxPaths(s.ctx).ledger);
  const asEvent = (r: Record<string, unknown>) => r as unknown as LedgerEvent;
  const picked = rows.map((r) => {
    const e = asEvent(r);
    const detail = e.detail && typeof e.detail === 'object' ? e.detail : undefined;
    return paths.some((p) => whereNamed({ ...e, paths: Array.isArray(e.paths) ? e.paths.filter((x): x is string => typeof x === 'string') : undefined, detail }, p).length > 0) || (WORKTREE_OPS.has(String(e.op)) && !Array.isArray(detail?.removed));
  });
  if (!picked.some(Boolean)) return { events: [], invalid };
  const { LedgerEventSchema } = await import('../ledger-schema.js');
  const events: LedgerEvent[] = [];
  let bad = invalid;
  rows.forEach((r, i) => {
    if (!picked[i] && r.op !== 'undo') return;
    const v = LedgerEventSchema.safeParse(r);
    if (v.success) events.push(v.data as LedgerEvent);
    else bad++;
  });
  return { events, invalid: bad };
}

/**
 * Telemetry lines for `paths` (their `path` or `entry`). The telemetry module (and zod) is loaded only
 * when a line names one of them or `guard.telemetry` is configured; otherwise `invalid` counts the
 * lines that are not JSON. Unreadable files or settings are a warning, never fatal.
 */
export async function relevantTelemetry(s: Session, paths: readonly string[] | null, warnings: string[]): Promise<Lines<TelemetryEvent>> {
  try {
    if (!s.config.guard.telemetry) {
      const { rows, invalid } = parseLines(dxPaths(s.ctx).telemetry);
      if (!rows.length) return { events: [], invalid };
      if (paths && !rows.some((r) => paths.some((p) => under(String(r.path), p) || under(String(r.entry), p)))) return { events: [], invalid };
    }
    const { readTelemetry, telemetryFile } = await import('../guardrail/telemetry.js');
    const all = readTelemetry(telemetryFile(s));
    return paths ? { events: all.events.filter((t) => paths.some((p) => under(t.path, p) || under(t.entry, p))), invalid: all.invalid } : all;
  } catch (err) {
    warnings.push(`guard telemetry not read: ${describeError(err)}`);
    return { events: [], invalid: 0 };
  }
}
