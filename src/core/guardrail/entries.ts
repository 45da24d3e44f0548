/**
 * `guard.critical` entries (DESIGN §5) in one shape: a path or glob string, or `{ path, executable,
 * minCount }`. Plain paths and globs are told apart by their glob syntax.
 */
import type { DxConfig } from '../config/schema.js';

/**
 * Glob syntax that tinyglobby/picomatch expand: `*`, `?`, `[…]`, `{…}`, and extglobs `!(…)`, `@(…)`,
 * `+(…)`. Checked here rather than with tinyglobby's isDynamicPattern, whose import (~20 ms) would
 * be paid by every guard run, and every guarded hook, for plain paths that never need it.
 */
const GLOB_SYNTAX = /[*?[\]{}]|[!@+]\(/;

/** One critical entry. `entry` is how the user wrote the path; `glob` is true for a pattern; `minCount` applies to globs (default 1). */
export interface CriticalEntry { entry: string; glob: boolean; executable: boolean; minCount: number }

/** The entries of `config.guard.critical`, in order, without duplicates (the first spelling wins). */
export function criticalEntries(config: DxConfig): CriticalEntry[] {
  const seen = new Set<string>();
  const out: CriticalEntry[] = [];
  for (const c of config.guard.critical) {
    const raw = typeof c === 'string' ? c : c.path;
    const entry = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    if (seen.has(entry)) continue;
    seen.add(entry);
    out.push({
      entry,
      glob: GLOB_SYNTAX.test(entry),
      executable: typeof c !== 'string' && c.executable === true,
      minCount: typeof c !== 'string' && c.minCount ? c.minCount : 1,
    });
  }
  return out;
}
