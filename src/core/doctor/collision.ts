/**
 * Doctor's `HOST_COLLISION`: another machine writes this host's WIP refs under the same host id
 * (wip/collision.ts) — seen now in the remote's refs (the probe doctor already made) or recorded by
 * an earlier push or status. Reads only. Not fixable here: the fix is a distinct host id on one of the machines.
 */
import { readState } from '../state.js';
import type { Session } from '../session.js';
import { collisionFix, collisionMessage, collisionsOf, liveCollisions } from '../wip/collision.js';
import type { RemoteProbe } from './remote.js';
import type { Diagnostic } from './types.js';

/** One error per WIP ref of this host that another machine wrote. `probe` null: the records only (no remote answer). */
export async function checkHostCollisions(s: Session, probe: RemoteProbe | null): Promise<Diagnostic[]> {
  const live = probe ? (await liveCollisions(s, probe.remote, probe.refs)).map((c) => ({ ...c, by: 'doctor' as const })) : [];
  return collisionsOf(s.host, readState(s.ctx).state.collisions, live).map((c) => ({
    code: 'HOST_COLLISION',
    id: `HOST_COLLISION:${c.ref}`,
    severity: 'error',
    message: collisionMessage(c),
    fixable: false,
    hint: collisionFix(),
  }));
}
