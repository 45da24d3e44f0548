/** The shape every doctor check returns (DESIGN §6 doctor): one diagnostic per problem, each saying whether `--fix` can repair it. */

/** One problem. `fix` repairs it and returns what it did (in words); absent when not fixable. */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning';
  /** what is wrong, naming the file, ref or value */
  message: string;
  fixable: boolean;
  /** how to fix it by hand (shown when not fixable, or before --fix) */
  hint?: string;
  /**
   * Stable identity of the problem across the check before and after `--fix` (a code can occur
   * several times, e.g. one LOCK_STALE per lock): `<code>:<subject>`. Defaults to the code.
   */
  id?: string;
  /** @throws when the repair failed (reported as not fixed, with the error) */
  fix?: () => Promise<string>;
}

/** A diagnostic as reported (`--json`): without the fix function, with what `--fix` did (`fixResult` null when no fix ran). */
export interface DiagnosticReport {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  fixable: boolean;
  hint: string | null;
  fixed: boolean;
  fixResult: string | null;
}
