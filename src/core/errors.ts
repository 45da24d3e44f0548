/**
 * One error type for the whole tool (changesets' ExitError, git-branchless' typed failures):
 * core code throws DxError, the CLI boundary prints `✖ message` + hint and exits with its code.
 */

/** Exit codes (DESIGN §6): 0 ok, 1 a check failed or was refused, 2 usage or config error. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure dx-hooks understands and can explain.
 * @param code     stable machine-readable id, e.g. `CONFIG_INVALID`, `PUSH_REJECTED`
 * @param message  what went wrong, one sentence naming the offending value
 * @param hint     how to fix it (a command, a key to change), or undefined
 * @param exitCode process exit code the CLI uses (EXIT.FAILED by default)
 */
export class DxError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, hint?: string, exitCode: ExitCode = EXIT.FAILED) {
    super(message);
    this.name = 'DxError';
    this.code = code;
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/**
 * A git process that exited non-zero (or could not start, or timed out).
 * `exitCode` is git's exit status (-1 when it never ran or was killed), `stderr` git's own words.
 */
export class GitError extends DxError {
  readonly args: readonly string[];
  readonly gitExitCode: number;
  readonly stderr: string;
  constructor(args: readonly string[], gitExitCode: number, stderr: string) {
    const first = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
    super('GIT_FAILED', `git ${args.slice(0, 3).join(' ')} failed (exit ${gitExitCode}): ${first || 'no output'}`);
    this.name = 'GitError';
    this.args = args;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}

/** Short human text for any thrown value (used by hooks and the ledger). */
export function describeError(err: unknown): string {
  if (err instanceof GitError) return err.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ') || err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
