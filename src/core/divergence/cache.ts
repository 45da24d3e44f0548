/**
 * The divergence settings the sh hooks read (the `divergence` line of the hook state,
 * hookstate/format.ts), so post-checkout, post-merge and pre-push can warn without starting node.
 */
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { resolveRemote } from '../wip/remote.js';

/** `divergence.warn`, `divergence.staleHours` in seconds, and the remote of this worktree's HEAD (null when none resolves: no staleness warnings then). */
export async function divergenceSettings(s: Session): Promise<{ warn: boolean; staleSeconds: number; remote: string | null }> {
  let remote: string | null = null;
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    // No remote: nothing can be "only on this host" in a way dx-hooks could fix; the stale check is skipped.
  }
  const d = s.config.divergence;
  return { warn: d.warn, staleSeconds: Math.max(1, Math.round(d.staleHours * 3600)), remote };
}
