/**
 * Reading dx-hooks' own JSON files (issue 11, one store): zod-validated, "missing" is an answer, a
 * file that cannot be understood is a StoreProblem, and any other read error is loud (jsonl.ts: JSONL).
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { DxError, EXIT } from '../errors.js';
import { schemaProblem, syntaxProblem, type StoreProblem } from './problem.js';

/** A JSON read: absent, valid (`value` as the schema outputs it), or corrupt (what and where). */
export type JsonRead<T> = { kind: 'missing' } | { kind: 'ok'; value: T } | { kind: 'corrupt'; problem: StoreProblem };

/**
 * Read `file` as UTF-8, or null when it does not exist.
 * @throws DxError STORE_UNREADABLE (exit 1) naming the file and the errno for any other error
 *   (a directory, no permission, an I/O error): never read as "missing"
 */
export function readStoreText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return null;
    throw unreadable(file, e);
  }
}

/**
 * Read a cache file of dx-hooks' own (a copy of something git can tell again) as UTF-8: null when it is
 * missing, is not a regular file (a symlink is never followed) or cannot be read. Never throws: a
 * cache that cannot be read is asked of git again.
 */
export function readCacheText(file: string): string | null {
  try {
    if (!fs.lstatSync(file).isFile()) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The loud error (STORE_UNREADABLE) for a file that exists but cannot be read. */
export function unreadable(file: string, e: NodeJS.ErrnoException): DxError {
  return new DxError(
    'STORE_UNREADABLE',
    `cannot read ${file} (${e.code ?? 'error'}: ${e.message.replace(/^\w+: /, '')})`,
    `dx-hooks keeps its own data there; check the file's type and permissions (ls -ld ${JSON.stringify(file)}), move it away if it is not a file, then run the command again.`,
    EXIT.FAILED,
  );
}

/**
 * Read and validate one JSON file of dx-hooks'. `what` names what it should be, for the problem.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read
 */
export function readJson<S extends z.ZodType>(file: string, schema: S, what: string): JsonRead<z.output<S>> {
  return parseJson(file, readStoreText(file), schema, what);
}

/** `text` (null: missing) of `file` parsed and validated: missing, ok, or corrupt with what and where. */
function parseJson<S extends z.ZodType>(file: string, text: string | null, schema: S, what: string): JsonRead<z.output<S>> {
  if (text === null) return { kind: 'missing' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', problem: syntaxProblem(file, what, text) };
  }
  const r = schema.safeParse(raw);
  return r.success ? { kind: 'ok', value: r.data } : { kind: 'corrupt', problem: schemaProblem(file, what, r.error) };
}

/**
 * Read and validate a cache file of dx-hooks' own (readCacheText: never through a link, never throws):
 * missing (or not a regular file), ok, or corrupt (not JSON, or not what `schema` says) — the caller asks
 * git again, and says a corrupt one where it matters. `what` names it for the problem.
 */
export function readCacheJson<S extends z.ZodType>(file: string, schema: S, what: string): JsonRead<z.output<S>> {
  return parseJson(file, readCacheText(file), schema, what);
}
