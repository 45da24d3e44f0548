/**
 * The ref names of agent sessions (DESIGN §9), with no imports: the push path (remote-refs.ts) and the
 * hooks' worker name them without loading the session store.
 */

/** Where session refs live: `refs/dx/sessions/<host>/<agent>/<id>` (never under refs/heads: no collaborator fetches them by default). */
export const SESSIONS_PREFIX = 'refs/dx/sessions';

/** Where each host pushes the summary of its sessions (sessions/summary.ts): `refs/dx/session-summary/<host>`. */
export const SUMMARY_PREFIX = 'refs/dx/session-summary';

/** Where other hosts' summaries are fetched to: `refs/dx/fetched/session-summary/<host>` (never over the name this host pushes). */
export const FETCHED_SUMMARY_PREFIX = 'refs/dx/fetched/session-summary';

/** The ref of one session. Names are checked first (agents/names.ts): none can climb out of its place. */
export function sessionRef(host: string, agent: string, id: string): string {
  return `${SESSIONS_PREFIX}/${host}/${agent}/${id}`;
}

/** The ref a host pushes its session summary to. */
export function summaryRef(host: string): string {
  return `${SUMMARY_PREFIX}/${host}`;
}

/** The host of a session ref (`refs/dx/sessions/<host>/<agent>/<id>`), or null for any other ref. */
export function sessionRefHost(ref: string): string | null {
  const parts = ref.split('/');
  return parts.length === 6 && ref.startsWith(`${SESSIONS_PREFIX}/`) ? parts[3]! : null;
}
