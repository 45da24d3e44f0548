/**
 * A failure dx-hooks cannot fix on the spot is LOUD (DESIGN §3): a ledger line and the banner every
 * hook and command prints until the next successful run rewrites it. The caller writes stderr.
 */
import { dxPaths, openRepo } from './context.js';
import { describeError, DxError } from './errors.js';
import { writeInside } from './nofollow.js';
import { ledgerHost } from './host.js';
import { appendLedger } from './ledger.js';
import { alertEpisode } from './alert/send.js';
import { loadMachineConfig } from './machine.js';
import { safeText } from './text/safe.js';

/**
 * Record `err` for the repository at `cwd` under `op` (ledger line, banner `dx-hooks: <headline> — <error>`).
 * Never throws: outside a repository there is nowhere to record it, and stderr is all the caller has.
 */
export async function recordFailure(cwd: string, op: string, headline: string, err: unknown): Promise<void> {
  const msg = describeError(err).split('\n').join(' ');
  const hint = err instanceof DxError && err.hint ? ` (${err.hint})` : '';
  try {
    const ctx = await openRepo(cwd);
    const host = await ledgerHost();
    appendLedger(ctx, { host, op, ok: false, error: msg });
    // The hooks print the banner raw: one safe line (core/text/safe.ts), whatever the error text held.
    const text = safeText(`dx-hooks: ${headline} — ${msg}${hint}`);
    writeInside(ctx.commonDir, dxPaths(ctx).banner, `${text}\n`);
    const machine = await loadMachineConfig().catch((err: unknown) => {
      appendLedger(ctx, { host, op: 'alert', ok: false, error: `the machine config cannot be read, so no alert was sent: ${describeError(err)}` });
      return {};
    });
    alertEpisode(ctx, machine, host, 'backup', text);
  } catch {
    /* not in a repository: nothing to record into */
  }
}
