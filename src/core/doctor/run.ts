/**
 * `dx-hooks doctor` as data: run every check, and with `fix` apply each fixable diagnostic's fix.
 * Checks that need a repository run only inside one; the user-level checks (batch progress) run anywhere.
 */
import { describeError } from '../errors.js';
import { checkBatchProgress } from './batch.js';
import type { Diagnostic, DiagnosticReport } from './types.js';

/** A doctor run: the diagnostics (after fixes), and whether an error remains. */
export interface DoctorReport { repo: string | null; diagnostics: DiagnosticReport[]; errors: number }

/** The checks that apply (inside a repository or not). */
async function collect(): Promise<Diagnostic[]> {
  return [...checkBatchProgress()];
}

/** Run the checks (and the fixes with `fix`). Never throws for a failing fix: it is reported as not fixed. */
export async function runDoctor(opts: { fix?: boolean; repo?: string | null } = {}): Promise<DoctorReport> {
  const found = await collect();
  const diagnostics: DiagnosticReport[] = [];
  for (const d of found) {
    const { fix, ...rest } = d;
    const r: DiagnosticReport = { ...rest };
    if (opts.fix && fix) {
      try {
        r.fixResult = await fix();
        r.fixed = true;
      } catch (err) {
        r.fixed = false;
        r.fixResult = `fix failed: ${describeError(err)}`;
      }
    }
    diagnostics.push(r);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error' && !d.fixed).length;
  return { repo: opts.repo ?? null, diagnostics, errors };
}
