/**
 * Doctor's `GIT_OLD`: git before 2.28 has no reference-transaction hook (DESIGN §3), so branch
 * rewinds and deletions are not recorded and protected branches can be deleted locally.
 */
import { gitTry } from '../git.js';
import { parseGitVersion } from '../install/plan.js';
import type { Diagnostic } from './types.js';

/** The oldest git with everything dx-hooks uses: [major, minor]. */
export const MIN_GIT: readonly [number, number] = [2, 28];

/** Whether `version` ([major, minor]) is older than `min`. Pure. */
export function gitOlderThan(version: readonly [number, number], min: readonly [number, number] = MIN_GIT): boolean {
  return version[0] < min[0] || (version[0] === min[0] && version[1] < min[1]);
}

/** Check the git on PATH (run in `cwd`). An unreadable version is reported too, as a warning. */
export async function checkGitVersion(cwd: string): Promise<Diagnostic[]> {
  const r = await gitTry(['--version'], { cwd });
  const v = parseGitVersion(r.stdout);
  if (v[0] === 0) return [{ code: 'GIT_OLD', severity: 'warning', fixable: false, message: `cannot read git's version from "${r.stdout.trim() || r.stderr.trim()}"`, hint: `dx-hooks needs git ${MIN_GIT.join('.')} or newer.` }];
  if (!gitOlderThan(v)) return [];
  return [{
    code: 'GIT_OLD', severity: 'error', fixable: false,
    message: `git ${v.join('.')} is older than ${MIN_GIT.join('.')}: it has no reference-transaction hook, so branch rewinds and deletions are not recorded (dx-hooks undo cannot bring them back) and protected branches can be deleted locally`,
    hint: `Upgrade git to ${MIN_GIT.join('.')} or newer, then run: npx dx-hooks install (adds the reference-transaction hook).`,
  }];
}
