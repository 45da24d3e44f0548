/**
 * One way to say "this file is corrupt: what and where" (issue 11, one store). Every reader of
 * dx-hooks' own JSON and JSONL files reports a bad file as a StoreProblem, and one function words it.
 */
import type { z } from 'zod';

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

/** `a.b.0.c`, or "" for the top level. */
const keyPath = (p: readonly PropertyKey[]) => p.map((k) => String(k)).join('.');

/** Every zod issue as `path: message` (`(top level)` for the value itself). */
export function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${keyPath(i.path) || '(top level)'}: ${i.message}`);
}

/** The problem of a value that parsed as JSON but does not match its schema. */
export function schemaProblem(file: string, what: string, error: z.ZodError): StoreProblem {
  const first = error.issues[0];
  const key = first ? keyPath(first.path) : '';
  return { file, what, where: key ? `key ${key}` : 'top level', message: first?.message ?? 'invalid', issues: zodIssues(error) };
}

/**
 * The problem of `text` that JSON.parse refused with `err`. Node 20 says "at position N"; the
 * position is turned into a 1-based line and column. No position: the end of the file.
 */
export function syntaxProblem(file: string, what: string, text: string, err: unknown): StoreProblem {
  const raw = err instanceof Error ? err.message : String(err);
  const m = /\s+in JSON at position (\d+)(?: \(line \d+ column \d+\))?/.exec(raw);
  const message = raw.replace(/\s+in JSON at position \d+( \(line \d+ column \d+\))?/, '').replace(/^Unexpected end of JSON input$/, 'the JSON ends too soon (cut short?)');
  if (!m) return { file, what, where: text.trim() ? 'end of file' : 'line 1 (the file is empty)', message, issues: [] };
  const pos = Number(m[1]);
  if (pos >= text.length) return { file, what, where: 'end of file', message: 'the JSON ends too soon (cut short?)', issues: [] };
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
