/**
 * WIP ref names (DESIGN §1): `<wip.refPrefix>/<host>/<branch>` — one moving ref per (host,
 * branch); a detached HEAD mirrors to `<prefix>/<host>/detached`.
 */

/** The WIP ref of `host`'s `branch` (null = detached HEAD). */
export function wipRef(prefix: string, host: string, branch: string | null): string {
  return `${prefix}/${host}/${branch ?? 'detached'}`;
}

/** Split a WIP ref back into host and branch; null when `ref` is not under `prefix`. */
export function parseWipRef(prefix: string, ref: string): { host: string; branch: string } | null {
  if (!ref.startsWith(prefix + '/')) return null;
  const rest = ref.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return null;
  return { host: rest.slice(0, slash), branch: rest.slice(slash + 1) };
}

/** Where a foreign value of this host's WIP ref is kept when a lease shows someone else wrote it. */
export function displacedRef(host: string, branch: string | null, sha: string): string {
  return `refs/dx/displaced/${host}/${sha.slice(0, 12)}/${branch ?? 'detached'}`;
}

/** Where a snapshot (uncommitted work) that a later push replaces is kept on the remote. */
export function keptSnapshotRef(host: string, branch: string | null, sha: string): string {
  return `refs/dx/snapshots/${host}/${sha.slice(0, 12)}/${branch ?? 'detached'}`;
}

/**
 * Local ref holding what `host`'s WIP ref of `branch` on the remote is known to hold: after this
 * host's last successful push of it, or another host's WIP this host restored. Commits reachable
 * from it are on the remote. The divergence check (hooks and triage) counts
 * a commit as "only on this host" when neither a remote-tracking ref nor one of these reaches it.
 */
export function pushedRef(host: string, branch: string | null): string {
  return `refs/dx/pushed/${host}/${branch ?? 'detached'}`;
}
