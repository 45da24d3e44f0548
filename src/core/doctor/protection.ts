/**
 * Doctor's `PROTECTION_WEAKENED_IN_WORKTREE` (issue 10, class 3): the work tree's `.dxrc` (or
 * package.json's `dx` key …) leaves out protection that the `.dxrc` committed at HEAD gives. The
 * hooks ignore such a weakening (protection in force is the union: protect/inforce.ts); doctor says
 * so, because it is either an unfinished change (commit it with DX_ALLOW_PROTECTED=1) or an attempt
 * to switch protection off without a trace.
 */
import { committedSource, protectionRemoved, workTreeSource } from '../protect/inforce.js';
import type { Session } from '../session.js';
import type { Diagnostic } from './types.js';

/** Check the work tree's config against HEAD's committed one. `configOk` false: the work tree's config is invalid (reported elsewhere), nothing to compare. */
export async function checkProtectionWeakened(s: Session, configOk: boolean): Promise<Diagnostic[]> {
  if (!configOk) return [];
  const head = await committedSource(s, 'HEAD');
  const removed = await protectionRemoved(s, head, workTreeSource(s.config));
  if (!removed.length) return [];
  return [{
    code: 'PROTECTION_WEAKENED_IN_WORKTREE', severity: 'warning', fixable: false,
    message: `${s.configFile ?? 'the work tree (no .dxrc)'} leaves out protection that ${head?.from ?? 'HEAD'} gives: ${removed.join(', ')} — the hooks keep enforcing it (protection comes from history)`,
    hint: 'Put the protection back in the work tree\'s config, or, if removing it is really intended, commit the change with the override: DX_ALLOW_PROTECTED=1 git commit … (logged).',
  }];
}
