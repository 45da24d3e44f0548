/** What every command shares: printing (stdout for results, stderr for warnings), and the retry-pending preflight. */
import pc from 'picocolors';
import type { Session } from '../core/session.js';
import { readState } from '../core/state.js';
import { runWorker } from '../core/wip/worker.js';

/** Print a result line to stdout. */
export function out(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Print a warning line to stderr. */
export function warn(line: string): void {
  process.stderr.write(pc.yellow(line) + '\n');
}

/** Print a JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Before a command: retry any pending WIP or index push (DESIGN §3 "a failure is loud … retried
 * by the next hook or command"), then show the banner if it is still failing.
 */
export async function retryPending(s: Session, quiet = false): Promise<void> {
  const { state } = readState(s.ctx);
  const pending = Object.values(state.wip).some((w) => w.pending) || !!state.index.pending || state.refPushes.length > 0;
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
