/**
 * Reading dx-hooks' own JSON Lines files (issue 11, one store): one parse loop, zod-validated or not,
 * where a torn line never hides the next record; "missing" reads as empty, any other read error is loud.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { readStoreText, unreadable } from './read.js';

/** A JSONL read: valid records oldest first, the 1-based line of each, and the lines that were not. */
export interface JsonlRead<T> { records: T[]; lines: number[]; invalid: { line: number; error: string }[] }

/** One line: the record, or why not. */
function parseLine<S extends z.ZodType>(line: string, schema: S): LineParse<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const i = r.error.issues[0];
  return { ok: false, error: `${i?.path.map(String).join('.') || '(top level)'}: ${i?.message ?? 'invalid'}` };
}

/** A line's parse: the record, or why not. */
type LineParse<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The one JSONL parse loop. Blank lines are skipped. A torn line (a writer killed mid-line) is counted
 * invalid and never swallows the next record: when an older writer glued the next record onto it
 * (`{"a":1,"b{"id":…}`), that record is found at the first `{` from which the rest of the line
 * parses, and kept (with the torn line's number).
 */
function readLines<T>(file: string, parse: (line: string) => LineParse<T>): JsonlRead<T> {
  return parseLines(readStoreText(file) ?? '', parse);
}

/** The loop itself, over `text`. */
function parseLines<T>(text: string, parse: (line: string) => LineParse<T>): JsonlRead<T> {
  const out: JsonlRead<T> = { records: [], lines: [], invalid: [] };
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const r = parse(line);
    if (r.ok) {
      out.records.push(r.value);
      out.lines.push(i + 1);
      return;
    }
    out.invalid.push({ line: i + 1, error: r.error });
    for (let at = line.indexOf('{', 1); at > 0; at = line.indexOf('{', at + 1)) {
      const tail = parse(line.slice(at));
      if (tail.ok) {
        out.records.push(tail.value);
        out.lines.push(i + 1);
        return;
      }
    }
  });
  return out;
}

/**
 * Read and validate every line of a JSON Lines file (zod); a missing file reads as empty. Torn lines
 * as in the one parse loop: counted invalid, and the record after them kept.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read
 */
export function readJsonl<S extends z.ZodType>(file: string, schema: S): JsonlRead<z.output<S>> {
  return readLines(file, (line) => parseLine(line, schema));
}

/**
 * Every line of a JSON Lines file that is a JSON object, unvalidated — for readers that validate only
 * the few lines they use and must not load zod (diagnose). Same loop, same torn-line rule as readJsonl.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read
 */
export function readJsonlObjects(file: string): JsonlRead<Record<string, unknown>> {
  return readLines(file, objectLine);
}

/** Parse a line as a JSON object, unvalidated. */
function objectLine(line: string): LineParse<Record<string, unknown>> {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? { ok: true, value: v as Record<string, unknown> } : { ok: false, error: '(top level): not a JSON object' };
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
}

/**
 * The JSON objects of the last `maxBytes` bytes of a JSON Lines file, unvalidated (for a hook that
 * needs only the newest records and must stay fast). The first line read is dropped when the read
 * starts inside the file (it is a line's end); `lines` count from the first whole line read. Same loop
 * and torn-line rule as readJsonl. A missing file reads as empty.
 * @throws DxError STORE_UNREADABLE when it exists but cannot be read
 */
export function readJsonlTailObjects(file: string, maxBytes: number): JsonlRead<Record<string, unknown>> {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, maxBytes);
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = fs.readSync(fd, buf, got, len - got, size - len + got);
        if (n === 0) break;
        got += n;
      }
      text = buf.subarray(0, got).toString('utf8');
      if (size > len) text = text.slice(text.indexOf('\n') + 1 || text.length);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], lines: [], invalid: [] };
    throw unreadable(file, err as NodeJS.ErrnoException);
  }
  return parseLines(text, objectLine);
}
