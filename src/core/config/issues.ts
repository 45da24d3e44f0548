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

/**
 * A union's "Invalid input" names no key. Report instead what went wrong in the arm the value was
 * meant for (the first arm whose top-level type matched), e.g. `guard.critical.0.minCount: expected
 * number, received string` rather than `guard.critical.0: Invalid input`.
 */
function expand(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
  const arm = issue.errors.find((errs) => !errs.some((e) => e.path.length === 0 && e.code === 'invalid_type')) ?? (issue.errors[0] as z.core.$ZodIssue[]);
  return arm.flatMap((e) => expand({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue));
}

/** One line per issue: `  - wip.push: Invalid option: expected one of "background"|"sync"|"off" (got "later")`. */
export function formatZodIssues(error: z.ZodError, raw: unknown): string {
  return error.issues
    .flatMap(expand)
    .map((issue) => {
      const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      const got = valueAt(raw, issue.path);
      const shown = issue.code === 'unrecognized_keys' ? '' : got === undefined ? ' (missing)' : ` (got ${JSON.stringify(got)})`;
      return `  - ${key}: ${issue.message}${shown}`;
    })
    .join('\n');
}
