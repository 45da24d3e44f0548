/** `dx-hooks hook-worker` (internal): what the hook shims start — mirror the queue, retry pending, refresh warnings. */
import fs from 'node:fs';
import { dxPaths } from '../core/context.js';
import { describeError, DxError } from '../core/errors.js';
import { recordFailure } from '../core/loud.js';
import { openSession, type Session } from '../core/session.js';
import { runWorker } from '../core/wip/worker.js';
import { errLine as say } from './print.js';

const LOG_LIMIT = 1024 * 1024;

/** A worker that cannot even load its config must still be loud: stderr, the ledger and the banner every hook prints. */
async function failLoudly(cwd: string, err: unknown): Promise<number> {
  say(`dx-hooks: WIP backup paused — ${describeError(err)}${err instanceof DxError && err.hint ? `\n  ${err.hint}` : ''}`);
  await recordFailure(cwd, 'hook-worker', 'WIP backup paused', err);
  return 0; // hooks never fail git
}

/** Run the worker for a hook. Always returns 0: hooks never fail git; failures go to stderr, the ledger and the banner. */
export async function run(opts: { foreground?: boolean; refresh?: boolean; waitLock?: string; deadline?: string; cwd: string }): Promise<number> {
  // A detached worker must outlive the terminal that started it.
  if (!opts.foreground) process.on('SIGHUP', () => undefined);
  if (opts.deadline) {
    // pre-push: the user's push waits for us. Past the deadline, leave the rest pending (the queue and
    // state are already on disk; the lock is released on exit) and let git go on.
    setTimeout(() => {
      say(`dx-hooks: WIP backup still running after ${Number(opts.deadline) / 1000} s — left pending, retried by the next hook or command`);
      process.exit(0);
    }, Number(opts.deadline)).unref();
  }
  let s: Session;
  try {
    s = await openSession(opts.cwd);
  } catch (err) {
    const { configError, markInvalid } = await import('./hook.js');
    if (configError(err)) await markInvalid(opts.cwd);
    return failLoudly(opts.cwd, err);
  }
  const log = dxPaths(s.ctx).workerLog;
  try {
    if (fs.statSync(log).size > LOG_LIMIT) fs.truncateSync(log, 0);
  } catch {
    /* no log yet */
  }
  try {
    const r = await runWorker(s, { waitLockMs: Number(opts.waitLock ?? (opts.foreground ? 15000 : 3000)), debounceMs: opts.foreground ? 0 : 300, refreshWarnings: opts.refresh === false ? false : 'due', outwaitDeadHolder: !opts.foreground });
    const stamp = opts.foreground ? '' : new Date().toISOString() + ' ';
    // Logged in the ledger already (hook.state); said here too (the worker log, or the terminal for pre-push). Retried by the next worker.
    if (r.hookStateError) say(`${stamp}dx-hooks: could not rewrite the hook state (the hooks send every check to node meanwhile) — ${r.hookStateError}`);
    if (r.busy) return 0;
    if (r.vanished) {
      const { vanishedMessage } = await import('../core/wip/vanished.js');
      const said = vanishedMessage(r.vanished);
      if (said) say(`${stamp}${said}`);
    }
    for (const w of r.reports.flatMap((x) => x.warnings)) say(`${stamp}${w}`);
    for (const f of r.reports.flatMap((x) => x.failed)) say(`${stamp}dx-hooks: WIP push of ${f.ref} failed — ${f.error} (kept locally; retried on the next hook or command)`);
    for (const i of r.reports.flatMap((x) => x.index).filter((i) => !i.ok)) say(`${stamp}dx-hooks: index update on ${i.remote} failed — ${i.error}`);
    if (!opts.foreground) for (const p of r.reports.flatMap((x) => x.pushed)) say(`${stamp}pushed ${p.ref} ${p.sha}`);
    if (r.refreshError && !opts.foreground) say(`${stamp}dx-hooks: could not refresh other hosts' WIP: ${r.refreshError}`);
    return 0;
  } catch (err) {
    return failLoudly(opts.cwd, err);
  }
}
