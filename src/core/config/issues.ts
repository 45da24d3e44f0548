/** Turns zod issues into `key: what is wrong (got <value>)` lines a user can act on. */
import type { z } from 'zod';

function valueAt(raw: unknown, keyPath: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of keyPath) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** One line per issue: `  - wip.push: Invalid option: expected one of "background"|"sync"|"off" (got "later")`. */
export function formatZodIssues(error: z.ZodError, raw: unknown): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      const got = valueAt(raw, issue.path);
      const shown = issue.code === 'unrecognized_keys' ? '' : got === undefined ? ' (missing)' : ` (got ${JSON.stringify(got)})`;
      return `  - ${key}: ${issue.message}${shown}`;
    })
    .join('\n');
}
