/**
 * dx-hooks' own files OUTSIDE any repository (part of the store, issue 11): writes that a killed process
 * cannot leave half-done (write-file-atomic: temp file + fsync + rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * For files OUTSIDE any repository only (the user's machine config, batch progress, scheduler
 * units): it follows symbolic links, as a user's dotfiles expect. Inside a work tree or a git dir
 * use nofollow.ts (writeInside and friends), which refuses any link on the way.
 *
 * Write `data` to `file` atomically, creating parent directories. `fsync: false` keeps the atomic
 * rename but skips the flush to disk (for files rewritten many times a second, where a power cut
 * may lose the last write but never leaves a torn one). @throws the underlying fs error
 */
/** `value` as JSON (`indent`: JSON.stringify's, default compact) and a newline, through writeAtomic below. @throws the underlying fs error */
export function writeUserJson(file: string, value: unknown, opts: { indent?: number; fsync?: boolean } = {}): void {
  writeAtomic(file, JSON.stringify(value, null, opts.indent || undefined) + '\n', { fsync: opts.fsync });
}

/** Write `data` to `file` atomically (see above). @throws the underlying fs error */
export function writeAtomic(file: string, data: string | Buffer, opts: { fsync?: boolean } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic.sync(file, data, { fsync: opts.fsync !== false });
}
