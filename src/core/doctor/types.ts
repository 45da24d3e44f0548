/** The shape every doctor check returns (DESIGN §6 doctor): one diagnostic per problem, each saying whether `--fix` can repair it. */

/** One problem. `fix` repairs it and returns what it did (in words); absent when not fixable. */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  fixable: boolean;
  /** how to fix it by hand (shown when not fixable, or before --fix) */
  hint?: string;
  fix?: () => Promise<string>;
}

/** A diagnostic as reported (`--json`): without the fix function, with what `--fix` did. */
export interface DiagnosticReport { code: string; severity: 'error' | 'warning'; message: string; fixable: boolean; hint?: string; fixed?: boolean; fixResult?: string }
