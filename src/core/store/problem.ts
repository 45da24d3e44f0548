/**
 * One way to say "this file is corrupt: what and where" (issue 11, one store). Every reader of
 * dx-hooks' own JSON and JSONL files reports a bad file as a StoreProblem, and one function words it.
 */
import type { z } from 'zod';
import { safeText } from '../text/safe.js';

/**
 * A file of dx-hooks' own that could be read but not understood.
 * - `file`: the absolute path read.
 * - `what`: what the file should be, e.g. "guard state" or "batch progress file".
 * - `where`: where it goes wrong: "line 3 column 5" (JSON syntax), "key drifts.0.path" (schema),
 *   "top level" (the whole value is of the wrong shape), "end of file" (cut short).
 * - `message`: what is wrong there, one short sentence.
 * - `issues`: every schema issue as `path: message` (empty for a syntax error).
 */
export interface StoreProblem { file: string; what: string; where: string; message: string; issues: string[] }

/** Control and direction characters escaped (safeText: keys and zod's words may carry a hostile file's text), at most 200 characters. */
const clean = (t: string) => {
  const c = safeText(t);
  return c.length > 200 ? `${c.slice(0, 200)}…` : c;
};

/** `a.b.0.c`, or "" for the top level. */
const keyPath = (p: readonly PropertyKey[]) => clean(p.map((k) => String(k)).join('.'));

/** Every zod issue as `path: message` (`(top level)` for the value itself). */
export function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${keyPath(i.path) || '(top level)'}: ${clean(i.message)}`);
}

/** The problem of a value that parsed as JSON but does not match its schema. */
export function schemaProblem(file: string, what: string, error: z.ZodError): StoreProblem {
  const first = error.issues[0];
  const key = first ? keyPath(first.path) : '';
  return { file, what, where: key ? `key ${key}` : 'top level', message: clean(first?.message ?? 'invalid'), issues: zodIssues(error) };
}

/** JSON.parse's words, and the offset they name ("at position N"), or null. */
function parseError(text: string): { message: string; pos: number | null } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /at position (\d+)/.exec(message);
    return { message, pos: m ? Number(m[1]) : null };
  }
}

/** Whether `prefix` already holds the error (it fails before its own end, not merely for ending too soon). */
function failsInside(prefix: string): boolean {
  const e = parseError(prefix);
  if (!e) return false;
  if (e.pos !== null) return e.pos < prefix.length;
  return !/Unexpected end of JSON input/.test(e.message);
}

/**
 * The 0-based offset of the first character JSON.parse refuses in `text`, or null when the text is
 * only cut short. Node 20 names the offset for some errors only ("Unexpected token 'g', …" has none),
 * so it is found as the shortest prefix that already fails inside (a binary search: log n parses).
 */
function errorOffset(text: string): number | null {
  if (!failsInside(text)) return null;
  let lo = 0; // failsInside(text.slice(0, lo)) is false
  let hi = text.length; // failsInside(text.slice(0, hi)) is true
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (failsInside(text.slice(0, mid))) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/**
 * The problem of `text`, which JSON.parse refuses. `where` is a 1-based "line L column C", or "end of
 * file" when the JSON is cut short (a torn write). The message never quotes the file's text beyond
 * the one character refused (the file may be hostile).
 */
export function syntaxProblem(file: string, what: string, text: string): StoreProblem {
  if (!text.trim()) return { file, what, where: 'line 1 (the file is empty)', message: 'there is no JSON at all', issues: [] };
  const pos = errorOffset(text);
  if (pos === null) return { file, what, where: 'end of file', message: 'the JSON ends too soon (cut short?)', issues: [] };
  const raw = parseError(text)?.message ?? '';
  const message = /at position \d+/.test(raw)
    ? raw.replace(/ after JSON at position \d+.*$/, ' after the JSON').replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '')
    : `Unexpected character "${safeText(text[pos] ?? '')}"`;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return { file, what, where: `line ${line} column ${column}`, message, issues: [] };
}

/**
 * The words for a problem, one sentence:
 * `<file> is not a valid <what>: at <where>, <message>` plus up to two further schema issues.
 */
export function describeProblem(p: StoreProblem): string {
  const more = p.issues.slice(1, 3);
  const rest = p.issues.length > 3 ? ` (and ${p.issues.length - 3} more)` : '';
  return `${p.file} is not a valid ${p.what}: at ${p.where}, ${p.message}${more.length ? `; also ${more.join('; ')}${rest}` : ''}`;
}
