/** Printing for every command: stdout for results, stderr for warnings. Light on purpose (picocolors only), so fast commands such as diagnose load nothing else. */
import pc from 'picocolors';

/** Print a result line to stdout. */
export function out(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Print a warning line to stderr. */
export function warn(line: string): void {
  process.stderr.write(pc.yellow(line) + '\n');
}

/** Print a JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
