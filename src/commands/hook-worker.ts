/** `dx-hooks hook-worker` (internal): what the hook shims start — mirror the queue, retry pending, refresh warnings. */
import fs from 'node:fs';
import { dxPaths } from '../core/context.js';
import { describeError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { openSession } from '../core/session.js';
import { runWorker } from '../core/wip/worker.js';

const LOG_LIMIT = 1024 * 1024;

export async function run(opts: { foreground?: boolean; refresh?: boolean; waitLock?: string; cwd: string }): Promise<number> {
  // A detached worker must outlive the terminal that started it.
  if (!opts.foreground) process.on('SIGHUP', () => undefined);
  const s = await openSession(opts.cwd);
  const log = dxPaths(s.ctx).workerLog;
  try {
    if (fs.statSync(log).size > LOG_LIMIT) fs.truncateSync(log, 0);
  } catch {
    /* no log yet */
  }
  try {
    const r = await runWorker(s, { waitLockMs: Number(opts.waitLock ?? (opts.foreground ? 15000 : 3000)), debounceMs: opts.foreground ? 0 : 300, refreshWarnings: opts.refresh !== false });
    if (r.busy) return 0;
    const failed = r.reports.flatMap((x) => x.failed);
    const stamp = new Date().toISOString();
    for (const f of failed) process.stderr.write(`${opts.foreground ? '' : stamp + ' '}dx-hooks: WIP push of ${f.ref} failed — ${f.error} (kept locally; retried on the next hook or command)\n`);
    for (const i of r.reports.flatMap((x) => x.index).filter((i) => !i.ok)) process.stderr.write(`${opts.foreground ? '' : stamp + ' '}dx-hooks: index update on ${i.remote} failed — ${i.error}\n`);
    if (!opts.foreground) for (const p of r.reports.flatMap((x) => x.pushed)) process.stderr.write(`${stamp} pushed ${p.ref} ${p.sha}\n`);
    if (r.refreshError && !opts.foreground) process.stderr.write(`${stamp} dx-hooks: could not refresh other hosts' WIP: ${r.refreshError}\n`);
    return 0;
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'hook-worker', ok: false, error: describeError(err) });
    process.stderr.write(`dx-hooks: worker failed: ${describeError(err)}\n`);
    return 0; // hooks never fail git
  }
}
