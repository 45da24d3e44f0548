/**
 * The critical-path lines the hooks check in sh after checkout, merge and rewrite (the `c` lines of
 * the hook state, hookstate/format.ts): `x <path>` (must be executable), `- <path>` (must exist),
 * `g <glob>` (a glob: only node can count it).
 */
import type { DxConfig } from '../config/schema.js';
import type { CriticalLine } from '../hookstate/format.js';
import { criticalEntries } from './entries.js';

/** The lines for `config.guard.critical`, in order. */
export function criticalLines(config: DxConfig): CriticalLine[] {
  return criticalEntries(config).map((e) => ({ kind: e.glob ? 'g' : e.executable ? 'x' : '-', path: e.entry }));
}
