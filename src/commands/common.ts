/** What every command shares: printing (print.ts, re-exported), and the retry-pending preflight. */
import type { Session } from '../core/session.js';
import { warn } from './print.js';

export { errLine, out, printJson, safe, shellCommand, shellOperand, shellQuote, warn } from './print.js';

/**
 * Before a command: retry any pending WIP or index push, and mirror a HEAD commit the hook never
 * queued (DESIGN §3 "a failure is loud … retried by the next hook or command"), then show the
 * banner if it is still failing.
 */
export async function retryPending(s: Session, quiet = false): Promise<void> {
  // Loaded here, not at the top: every command imports this module, and the worker costs ~50 ms to load.
  const [{ readState }, { runWorker }] = await Promise.all([import('../core/state.js'), import('../core/wip/worker.js')]);
  const { state } = readState(s.ctx);
  let pending = Object.values(state.wip).some((w) => w.pending) || !!state.index.pending || state.refPushes.length > 0;
  // A commit the hook could not even queue (the dx dir was not writable) is retried the same way.
  if (!pending) pending = !!(await (await import('../core/wip/unmirrored.js')).unmirroredHead(s));
  if (!pending || !s.config.wip.enabled) return;
  await runWorker(s, { waitLockMs: 5000, refreshWarnings: false });
  const after = readState(s.ctx).state;
  const still = Object.values(after.wip).find((w) => w.pending);
  if (!quiet && (still || after.index.pending || after.refPushes.length)) {
    const { bannerText } = await import('../core/wip/banner.js');
    const text = await bannerText(s, after);
    if (text) warn(text);
  }
}
