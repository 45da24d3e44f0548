/** What every command shares: printing (print.ts, re-exported), and the retry-pending preflight. */
import type { Session } from '../core/session.js';
import { warn } from './print.js';

export { errLine, out, printJson, safe, shellCommand, shellOperand, shellQuote, warn } from './print.js';

/**
 * Before a command: retry any pending WIP, index or ref push, push commits queued while no worker
 * could run, and mirror a HEAD commit the hook never queued (core/wip/retry.ts; DESIGN §3 "a failure
 * is loud … retried by the next hook or command"), then show the banner if it is still failing.
 */
export async function retryPending(s: Session, quiet = false): Promise<void> {
  // Loaded here, not at the top: every command imports this module, and the worker costs ~50 ms to load.
  const { retryPendingWork } = await import('../core/wip/retry.js');
  const r = await retryPendingWork(s);
  if (!quiet && r.banner) warn(r.banner);
}
