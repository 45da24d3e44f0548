/**
 * Redaction (DESIGN §9, issue 13 point 5): before an agent's transcript or session state becomes a git
 * object, every secret the content scanner (scan.ts: secretlint's recommended preset) finds is replaced
 * by `[REDACTED:<rule>]`. Fails closed: a scanner that cannot load or run throws SECRET_SCAN_FAILED, and
 * the caller writes nothing.
 *
 * Three shapes, so a redaction never breaks what it redacts:
 * - plain text: each finding's characters are replaced;
 * - JSON Lines (a transcript): only the lines holding a finding change; each is parsed and its strings
 *   redacted one by one, then written back as compact JSON (a line that is not JSON is redacted as text);
 *   every other line is kept byte for byte;
 * - a JSON value (a state object): every string in it, keys included, is redacted as text.
 */
import { DxError } from '../errors.js';
import { scanText, type ContentFinding } from './scan.js';

/** What a redaction did: the new content and the distinct rules that matched (never the secrets). */
export interface Redacted<T> { value: T; rules: string[] }

/** The replacement for one finding. */
export function redactionMark(rule: string): string {
  return `[REDACTED:${rule}]`;
}

/** Characters a secret never holds: where a widened finding stops. */
const DELIMITER = /[\s"'`,;<>()[\]{}]/;

/**
 * `text` with `findings` replaced (overlapping ones merged, named by the first rule). Each finding is
 * widened to the whole words it touches: a rule's range can be off (secretlint's AWS rule reports the
 * start of the line for `aws_secret_access_key = …`), and half a secret must never stay behind.
 */
function apply(text: string, findings: readonly ContentFinding[]): string {
  const widened = findings.map((f) => {
    let start = Math.max(0, Math.min(f.start, text.length));
    let end = Math.max(start, Math.min(f.end, text.length));
    while (start > 0 && !DELIMITER.test(text[start - 1]!)) start--;
    while (end < text.length && !DELIMITER.test(text[end]!)) end++;
    return { rule: f.rule, start, end };
  });
  const sorted = widened.filter((f) => f.end > f.start).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const f of sorted) {
    if (f.end <= at) continue; // inside the previous one
    const start = Math.max(f.start, at);
    out += text.slice(at, start) + redactionMark(f.rule);
    at = f.end;
  }
  return out + text.slice(at);
}

/**
 * Redact plain text: each finding replaced, then the result scanned again until it is clean.
 * @param name a file name for the rules that look at extensions (`state.json`, `transcript.jsonl`)
 * @throws DxError SECRET_SCAN_FAILED; SECRET_REDACTION_FAILED when three rounds leave a finding
 */
export async function redactText(text: string, name = 'text.txt'): Promise<Redacted<string>> {
  let found = await scanText(text, name);
  if (!found.length) return { value: text, rules: [] };
  const rules = new Set<string>();
  let value = text;
  for (let round = 0; round < 3 && found.length; round++) {
    found.forEach((f) => rules.add(f.rule));
    value = apply(value, found);
    found = await scanText(value, name);
  }
  if (found.length) throw new DxError('SECRET_REDACTION_FAILED', `a secret in ${name} (${found.map((f) => f.rule).join(', ')}) is still found after redaction`, 'Nothing was written. Remove the secret and save again.');
  return { value, rules: [...rules] };
}

/**
 * Redact every string of a JSON value (keys too); numbers, booleans and null are left as they are.
 * The whole value is scanned once as JSON text first: a value with no finding is returned as it is.
 * @throws DxError SECRET_SCAN_FAILED
 */
export async function redactValue<T>(value: T, name = 'state.json'): Promise<Redacted<T>> {
  const text = JSON.stringify(value);
  if (text === undefined || !(await scanText(text, name)).length) return { value, rules: [] };
  const rules = new Set<string>();
  const walk = async (v: unknown): Promise<unknown> => {
    if (typeof v === 'string') {
      const r = await redactText(v, name);
      r.rules.forEach((x) => rules.add(x));
      return r.value;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) out.push(await walk(x));
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[(await walk(k)) as string] = await walk(x);
      return out;
    }
    return v;
  };
  const out = (await walk(value)) as T;
  // A secret the scan saw only across two strings is still there after the walk: the JSON text is
  // redacted as text, and must still parse — else nothing is written (fail closed).
  const again = JSON.stringify(out);
  if (!(await scanText(again, name)).length) return { value: out, rules: [...rules] };
  const r = await redactText(again, name);
  r.rules.forEach((x) => rules.add(x));
  try {
    return { value: JSON.parse(r.value) as T, rules: [...rules] };
  } catch {
    throw new DxError('SECRET_REDACTION_FAILED', `a secret in ${name} (${[...rules].join(', ')}) spans its JSON structure and cannot be redacted in place`, 'Nothing was written. Remove the secret from the session state and save again.');
  }
}

/**
 * Redact JSON Lines (an agent's transcript): only lines holding a finding change (see the header).
 * A trailing newline, and a last line without one, are kept.
 * @throws DxError SECRET_SCAN_FAILED
 */
export async function redactJsonl(text: string, name = 'transcript.jsonl'): Promise<Redacted<string>> {
  const found = await scanText(text, name);
  if (!found.length) return { value: text, rules: [] };
  const rules = new Set<string>();
  // Line starts, to find the lines the findings fall in.
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const hit = new Map<number, ContentFinding[]>();
  for (const f of found) {
    for (let l = lineOf(f.start); l <= lineOf(Math.max(f.start, f.end - 1)); l++) hit.set(l, [...(hit.get(l) ?? []), f]);
  }
  const lines = text.split('\n');
  for (const [l, hits] of hit) {
    const line = lines[l] ?? '';
    let parsed: unknown;
    let json = false;
    try {
      parsed = JSON.parse(line);
      json = true;
    } catch {
      json = false;
    }
    if (json) {
      try {
        const r = await redactValue(parsed, name);
        r.rules.forEach((x) => rules.add(x));
        lines[l] = JSON.stringify(r.value);
        continue;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SECRET_REDACTION_FAILED') throw err;
        // The line's JSON cannot hold the redaction: the whole line is replaced by a record saying so.
        hits.forEach((f) => rules.add(f.rule));
        lines[l] = JSON.stringify({ dx_redacted: true, rules: [...new Set(hits.map((f) => f.rule))] });
        continue;
      }
    } else {
      // Not JSON (or a finding spanning lines): the findings' parts in this line are replaced as text.
      const from = starts[l]!;
      const local = hits.map((f) => ({ rule: f.rule, start: Math.max(0, f.start - from), end: Math.min(line.length, f.end - from) }));
      lines[l] = apply(line, local);
      hits.forEach((f) => rules.add(f.rule));
    }
  }
  return { value: lines.join('\n'), rules: [...rules] };
}
