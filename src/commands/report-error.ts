/**
 * How the CLI boundary reports a thrown error (DESIGN §6): `✖ message` + hint on stderr and an exit
 * code — and, when the command was asked for `--json`, the same error as JSON on stdout, so a script
 * reading stdout always gets JSON: `{"error": {"code", "message", "hint"}}`.
 */
import { CommanderError } from 'commander';
import pc from 'picocolors';
import { DxError, EXIT } from '../core/errors.js';
import { printJson, terminalLine } from './print.js';

/** The JSON shape of an error on stdout (`--json`). `code` is DxError's code, `USAGE` for a command line commander refused, `INTERNAL` for a bug. */
export interface JsonError { error: { code: string; message: string; hint: string | null } }

/** Internal commands whose arguments are another program's (git's, a hook's): a `--json` there is not ours. */
const PASS_THROUGH = new Set(['guard-git', 'hook', 'hook-worker']);

/**
 * Whether the command line asks for JSON: `--json` before any `--`, on a command of ours. Used when
 * the error came before commander parsed the options (an unknown option, a missing argument).
 */
export function wantsJson(argv: readonly string[]): boolean {
  if (PASS_THROUGH.has(argv[0] ?? '')) return false;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Report `err` and return the exit code: a DxError's own, 2 for a command line commander refused
 * (commander has already said why on stderr), 0 for help and version, 1 for anything unexpected
 * ("internal error"; the stack under DX_DEBUG=1).
 */
export function reportError(err: unknown, json: boolean): number {
  const debug = process.env.DX_DEBUG === '1';
  const emit = (code: string, message: string, hint: string | null) => {
    if (json) printJson({ error: { code, message, hint } } satisfies JsonError);
  };
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return 0;
    emit('USAGE', err.message.replace(/^error: /, ''), 'dx-hooks <command> --help shows the options');
    return EXIT.USAGE;
  }
  if (err instanceof DxError) {
    // The message may carry a remote's or git's text: printed through the same filter as every command's output.
    process.stderr.write(terminalLine(pc.red(`✖ ${err.message}`) + '\n' + (err.hint ? `  ${err.hint}\n` : '')));
    if (debug && err.stack) process.stderr.write(terminalLine(err.stack) + '\n');
    emit(err.code, err.message, err.hint ?? null);
    return err.exitCode;
  }
  if ((err as Error)?.name === 'ExitPromptError') {
    process.stderr.write('cancelled\n');
    emit('CANCELLED', 'cancelled at the prompt', null);
    return EXIT.FAILED;
  }
  const message = `internal error: ${(err as Error)?.message ?? String(err)}`;
  const hint = 'Run again with DX_DEBUG=1 for the stack, and report it.';
  process.stderr.write(terminalLine(pc.red(`✖ ${message}`)) + '\n');
  process.stderr.write(debug ? `${terminalLine(String((err as Error)?.stack))}\n` : `  ${hint}\n`);
  emit('INTERNAL', message, hint);
  return EXIT.FAILED;
}
