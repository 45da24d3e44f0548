/**
 * Printing for every command: stdout for results, stderr for warnings. Light on purpose (picocolors only), so fast commands such as diagnose load nothing else.
 * Every line passes safeLine on its way out (issue 10, class 7): whatever a command interpolated — a commit
 * subject, another host's index entry, a remote's error — no control or escape character reaches the
 * terminal; only our own colours survive (and only when colours are on). Foreign fields are also run through
 * `safe` where they are interpolated, so they cannot start a fake line either.
 */
import pc from 'picocolors';
import { safeJson, safeLine, safeText } from '../core/text/safe.js';

export { shellCommand, shellOperand, shellQuote } from '../core/text/shell.js';

/** One field of foreign data for a printed line: controls, newlines and direction marks made visible (see core/text/safe.ts). */
export const safe = safeText;

/** `line` as it may reach a terminal: controls escaped, our own colour codes kept when colours are on. */
export function terminalLine(line: string): string {
  return safeLine(line, pc.isColorSupported);
}

/** Print a result line to stdout. */
export function out(line = ''): void {
  process.stdout.write(terminalLine(line) + '\n');
}

/** Print a warning line to stderr. */
export function warn(line: string): void {
  process.stderr.write(terminalLine(pc.yellow(line)) + '\n');
}

/** Print a line to stderr as it is (no colour): hook messages, worker logs, errors. */
export function errLine(line: string): void {
  process.stderr.write(terminalLine(line) + '\n');
}

/** Print a JSON document to stdout: exact (it parses back to `value`), with terminal-active characters written as \u escapes. */
export function printJson(value: unknown): void {
  process.stdout.write(safeJson(value, 2) + '\n');
}
