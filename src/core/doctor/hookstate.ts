/**
 * Doctor's `HOOK_STATE_STALE`: this worktree's hook state (hookstate/format.ts) is missing,
 * unreadable, marked "config invalid", or written for another `.dxrc` or dx-hooks version. The hooks
 * are then careful rather than wrong (every check goes to node), but slower; `--fix` rewrites it.
 */
import fs from 'node:fs';
import { dxPaths } from '../context.js';
import { hookStateProblem, writeHookState } from '../hookstate/write.js';
import type { Session } from '../session.js';
import type { Diagnostic } from './types.js';

/** One warning when the hook state does not match the session's config; none before install or with an invalid .dxrc (CONFIG_INVALID says why). */
export async function checkHookState(s: Session, configOk: boolean): Promise<Diagnostic[]> {
  if (!configOk || !fs.existsSync(dxPaths(s.ctx).install)) return [];
  const problem = await hookStateProblem(s);
  if (!problem) return [];
  return [{
    code: 'HOOK_STATE_STALE', severity: 'warning', fixable: true,
    message: `${problem} (${dxPaths(s.ctx).hookState})`,
    hint: 'dx-hooks doctor --fix (any dx-hooks status rewrites it too)',
    fix: async () => {
      await writeHookState(s);
      return `rewrote ${dxPaths(s.ctx).hookState} from the current .dxrc`;
    },
  }];
}
