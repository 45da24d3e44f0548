/**
 * The remote refs that hold other hosts' work and dx-hooks' own records (DESIGN §1): the index
 * branch, every host's WIP ref, everything under refs/dx/ (kept snapshots, displaced values,
 * sessions) and checkpoint tags. No user push may delete them (pre-push refuses; a deletion it
 * could not see is restored by the next hook or command: wip/vanished.ts).
 */
import { parseWipRef } from '../wip/ref.js';

/** The index branch on the remote. */
export const REMOTE_INDEX_REF = 'refs/heads/dx/index';

/**
 * Why `ref` on the remote belongs to dx-hooks (words for a refusal), or null when it is an
 * ordinary ref. `prefix` is `wip.refPrefix`.
 */
export function dxRefKind(prefix: string, ref: string): string | null {
  if (ref === REMOTE_INDEX_REF) return "the index branch dx/index (every host's map of its WIP)";
  const wip = parseWipRef(prefix, ref);
  if (wip) return `host "${wip.host}"'s WIP ref of ${wip.branch}`;
  if (ref.startsWith('refs/dx/snapshots/')) return 'a kept snapshot of uncommitted work (refs/dx/snapshots/)';
  if (ref.startsWith('refs/dx/displaced/')) return 'a displaced WIP value kept aside (refs/dx/displaced/)';
  if (ref.startsWith('refs/dx/')) return 'a dx-hooks record (refs/dx/)';
  if (ref.startsWith('refs/tags/checkpoint/')) return `the checkpoint ${ref.slice('refs/tags/'.length)}`;
  return null;
}


/**
 * Why `ref` is one of dx-hooks' private LOCAL refs that must never be published (a mirror push
 * would copy them): undo records and local mirrors hold snapshots of uncommitted work. Null otherwise.
 */
export function privateRefKind(ref: string): string | null {
  if (ref === 'refs/dx/index') return "this host's cached copy of the index (refs/dx/index)";
  for (const [p, what] of [
    ['refs/dx/undo/', 'this host\'s undo records (snapshots of uncommitted work)'],
    ['refs/dx/local/', 'this host\'s local WIP mirror'],
    ['refs/dx/pushed/', 'this host\'s record of what landed'],
    ['refs/dx/tmp/', 'a dx-hooks scratch ref'],
  ] as const) if (ref.startsWith(p)) return what;
  return null;
}
