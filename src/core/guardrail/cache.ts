/**
 * The critical-path list the shims check in sh after checkout, merge and rewrite
 * (`<git-common-dir>/dx/critical-list`): one line per entry, `x <path>` (must be executable),
 * `- <path>` (must exist), `g <glob>` (a glob: only node can count it). No entries: no file.
 */
import { dxPaths } from '../context.js';
import { rmInside, writeInside } from '../nofollow.js';
import type { Session } from '../session.js';
import { criticalEntries } from './entries.js';

/** Write (or remove) the list for `s.config`. Returns how many entries it holds. @throws fs errors */
export function writeCriticalCache(s: Session): number {
  const file = dxPaths(s.ctx).criticalList;
  const entries = criticalEntries(s.config);
  if (!entries.length) {
    rmInside(s.ctx.commonDir, file);
    return 0;
  }
  writeInside(s.ctx.commonDir, file, entries.map((e) => `${e.glob ? 'g' : e.executable ? 'x' : '-'} ${e.entry}`).join('\n') + '\n', { fsync: false });
  return entries.length;
}
