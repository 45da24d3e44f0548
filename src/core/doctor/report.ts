/**
 * Carrying out doctor's fixes in a safe order, and the report after them: each problem found,
 * whether its fix ran and worked, judged by checking again (a fix that "succeeded" while the
 * problem is still there is not fixed), plus anything the fixes left behind.
 */
import { describeError } from '../errors.js';
import type { Diagnostic, DiagnosticReport } from './types.js';

/**
 * The order fixes run in: stale locks first (they would make the worker and guard wait), then the
 * hooks, the critical files, the pending pushes (the worker also updates the index), the index,
 * and the user-level files. Codes not listed run last.
 */
export const FIX_ORDER = ['LOCK_STALE', 'HOOKS_MISSING', 'HOOKS_SHADOWED', 'HOOKS_OUTDATED', 'CRITICAL_MISSING', 'WIP_PENDING', 'INDEX_CORRUPT', 'INDEX_STALE', 'BATCH_PROGRESS_CORRUPT', 'STALE_BATCH_PROGRESS'];

/** What one fix did: `text` is its own account, or the error when `ok` is false. */
export interface FixResult { ok: boolean; text: string }

/** A diagnostic's identity across the two checks. */
export const idOf = (d: Diagnostic): string => d.id ?? d.code;

/** Fixable diagnostics sorted by FIX_ORDER (stable within a code). Pure. */
export function fixPlan(found: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => {
    const i = FIX_ORDER.indexOf(d.code);
    return i < 0 ? FIX_ORDER.length : i;
  };
  return found.filter((d) => d.fix).map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
}

/** Run every fix, one at a time in FIX_ORDER; a fix that throws is recorded, never rethrown. */
export async function runFixes(found: readonly Diagnostic[]): Promise<Map<Diagnostic, FixResult>> {
  const results = new Map<Diagnostic, FixResult>();
  for (const d of fixPlan(found)) {
    try {
      results.set(d, { ok: true, text: await (d.fix as () => Promise<string>)() });
    } catch (err) {
      results.set(d, { ok: false, text: describeError(err) });
    }
  }
  return results;
}

const base = (d: Diagnostic): Omit<DiagnosticReport, 'fixed' | 'fixResult'> => ({ code: d.code, severity: d.severity, message: d.message, fixable: d.fixable, hint: d.hint ?? null });

/**
 * The report: `found` with what each fix did. `after` is the second check (null when no fix ran):
 * a problem is fixed when it is gone from it, and problems only it has are appended. Pure.
 */
export function mergeAfterFix(found: readonly Diagnostic[], results: ReadonlyMap<Diagnostic, FixResult>, after: readonly Diagnostic[] | null): DiagnosticReport[] {
  if (!after) return found.map((d) => ({ ...base(d), fixed: false, fixResult: null }));
  const still = new Map(after.map((d) => [idOf(d), d]));
  const out: DiagnosticReport[] = found.map((d) => {
    const r = results.get(d);
    const now = still.get(idOf(d));
    if (!r) return { ...base(d), fixed: !now, fixResult: now ? null : 'gone after the other fixes' };
    if (!r.ok) return { ...base(d), fixed: false, fixResult: `fix failed: ${r.text}` };
    return { ...base(d), fixed: !now, fixResult: now ? `${r.text}; but the check still finds: ${now.message}` : r.text };
  });
  const seen = new Set(found.map(idOf));
  for (const d of after) if (!seen.has(idOf(d))) out.push({ ...base(d), fixed: false, fixResult: null });
  return out;
}
