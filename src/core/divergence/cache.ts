/**
 * The divergence settings the sh hooks read (`<git-common-dir>/dx/divergence`, one line
 * `<on|off> <stale seconds> <remote|->`), so post-checkout, post-merge and pre-push can warn
 * without starting node or parsing `.dxrc`. Written with the other hook caches by the worker and install.
 */
import { dxPaths } from '../context.js';
import { writeInside } from '../nofollow.js';
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { resolveRemote } from '../wip/remote.js';

/** The cache line for a session: `divergence.warn`, `divergence.staleHours` in seconds, and the remote ("-" when none resolves: no staleness warnings then). */
export async function divergenceCacheLine(s: Session): Promise<string> {
  let remote = '-';
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    // No remote: nothing can be "only on this host" in a way dx-hooks could fix; the stale check is skipped.
  }
  const d = s.config.divergence;
  return `${d.warn ? 'on' : 'off'} ${Math.max(1, Math.round(d.staleHours * 3600))} ${remote}`;
}

/** Write `dx/divergence` for the shims. */
export async function writeDivergenceCache(s: Session): Promise<void> {
  writeInside(s.ctx.commonDir, dxPaths(s.ctx).divergence, (await divergenceCacheLine(s)) + '\n');
}
