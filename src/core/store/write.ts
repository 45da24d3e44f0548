/**
 * Writing dx-hooks' own JSON and JSONL files inside a repository (issue 11, one store): a JSON file
 * is replaced atomically (temp + rename), JSONL records are appended in one write(2) after ending a
 * torn last line, and neither ever goes through a symbolic link (nofollow.ts).
 */
import { appendLinesInside, createInside, writeInside } from '../nofollow.js';

/**
 * Replace `file` (absolute, or relative to the trusted `root`: the work tree top or the git common
 * dir) with `value` as JSON and a final newline. `indent`: JSON.stringify's (default 1; 0 compact).
 * `fsync: false` keeps the atomic rename but skips the flush (files rewritten very often).
 * @throws SymlinkRefused (PATH_THROUGH_SYMLINK) when any component below `root` is a link; fs errors
 */
export function writeJson(root: string, file: string, value: unknown, opts: { indent?: number; fsync?: boolean } = {}): void {
  const indent = opts.indent ?? 1;
  writeInside(root, file, JSON.stringify(value, null, indent || undefined) + '\n', { fsync: opts.fsync });
}

/**
 * Create `file` under `root` holding `value` as compact JSON and a newline, failing when anything is
 * already there (O_EXCL: for a file whose existence is the lock, such as an open alert episode).
 * @throws SymlinkRefused; EEXIST and other fs errors
 */
export function createJson(root: string, file: string, value: unknown): void {
  createInside(root, file, JSON.stringify(value) + '\n');
}

/**
 * Append `records` to the JSON Lines `file` under `root`, one line each, in one write(2). A torn last
 * line is ended with a newline first, so it never swallows these records. Nothing to append: no-op.
 * @throws SymlinkRefused (PATH_THROUGH_SYMLINK); DxError PATH_NOT_A_FILE; fs errors
 */
export function appendJsonl(root: string, file: string, records: readonly unknown[]): void {
  appendLinesInside(root, file, records.map((r) => JSON.stringify(r)));
}
