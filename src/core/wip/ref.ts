/**
 * WIP ref names (DESIGN §1): `<wip.refPrefix>/<host>/<slot>` — one moving ref per (host, branch);
 * the slot is the branch name, and a detached HEAD's slot is `HEAD`, the one name git refuses for
 * a branch, so no branch's WIP can land on it (versions before issue 11 used `detached`).
 */

/**
 * The slot of a detached HEAD. `git branch HEAD`, `git checkout -b HEAD` and `git switch -c HEAD`
 * all refuse the name ("not a valid branch name"), so no branch made by git's porcelain shares it.
 */
export const DETACHED_SLOT = 'HEAD';

/** The slot that versions before issue 11 gave a detached HEAD; now an ordinary branch name. */
export const LEGACY_DETACHED_SLOT = 'detached';

/** The slot of `branch` (null = detached HEAD): the branch name itself, or DETACHED_SLOT. */
export function slotOf(branch: string | null): string {
  return branch ?? DETACHED_SLOT;
}

/** The branch a slot read back from a ref or an index entry stands for: null for a detached HEAD. */
export function branchOfSlot(slot: string): string | null {
  return slot === DETACHED_SLOT ? null : slot;
}

/**
 * Whether the slot of `branch` may hold unrelated lines of work one after the other, so a value it
 * replaces that the new one does not contain is kept aside instead of dropped: a detached HEAD (each
 * detached session starts anew), a branch literally named `HEAD` (made by plumbing, it shares that
 * slot) and `detached` (older versions mirrored detached HEADs there).
 */
export function slotKeepsReplaced(branch: string | null): boolean {
  return branch === null || branch === DETACHED_SLOT || branch === LEGACY_DETACHED_SLOT;
}

/** The WIP ref of `host`'s `branch` (null = detached HEAD). */
export function wipRef(prefix: string, host: string, branch: string | null): string {
  return `${prefix}/${host}/${slotOf(branch)}`;
}

/** Split a WIP ref back into host and slot (`branch`: a branch name, or DETACHED_SLOT); null when `ref` is not under `prefix`. */
export function parseWipRef(prefix: string, ref: string): { host: string; branch: string } | null {
  if (!ref.startsWith(prefix + '/')) return null;
  const rest = ref.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return null;
  return { host: rest.slice(0, slash), branch: rest.slice(slash + 1) };
}

/**
 * Where a value of this host's WIP ref is kept on the remote instead of being overwritten: a foreign
 * value found when a lease fails, or an earlier detached session's commit (slotKeepsReplaced).
 */
export function displacedRef(host: string, branch: string | null, sha: string): string {
  return `refs/dx/displaced/${host}/${sha.slice(0, 12)}/${slotOf(branch)}`;
}

/** Where a snapshot (uncommitted work) that a later push replaces is kept on the remote. */
export function keptSnapshotRef(host: string, branch: string | null, sha: string): string {
  return `refs/dx/snapshots/${host}/${sha.slice(0, 12)}/${slotOf(branch)}`;
}

/**
 * Local ref holding what `host`'s WIP ref of `branch` on the remote is known to hold: after this
 * host's last successful push of it, or another host's WIP this host restored. Commits reachable
 * from it are on the remote. The divergence check (hooks and triage) counts
 * a commit as "only on this host" when neither a remote-tracking ref nor one of these reaches it.
 */
export function pushedRef(host: string, branch: string | null): string {
  return `refs/dx/pushed/${host}/${slotOf(branch)}`;
}

/** Local ref that keeps every value mirrored to `host`'s WIP ref of `branch` reachable here, with a reflog, even while its push is pending. */
export function localMirrorRef(host: string, branch: string | null): string {
  return `refs/dx/local/${host}/${slotOf(branch)}`;
}
