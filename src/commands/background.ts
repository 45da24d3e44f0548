/**
 * Starting dx-hooks' own background worker from a command (the hooks start it from sh: runtime.sh
 * dx_background): `dx-hooks hook-worker`, detached in its own session, its output appended to
 * `<git-common-dir>/dx/worker.log` (never through a link), so the command returns at once and the work
 * (a checkpoint's WIP index update) goes on after it. The one module besides the runner that starts
 * this CLI again.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dxPaths, type RepoContext } from '../core/context.js';
import { appendLedger } from '../core/ledger.js';
import { ledgerHost } from '../core/host.js';
import { openAppendInside, writeInside } from '../core/nofollow.js';
import { describeError } from '../core/errors.js';
import { warn } from './common.js';

/**
 * Start `dx-hooks hook-worker` for `ctx` in the background; returns at once. A worker that cannot be
 * started is said on stderr and in the ledger; what it was to do stays pending for the next hook or command.
 */
export async function startWorker(ctx: RepoContext): Promise<void> {
  let log: number | null = null;
  try {
    const here = fileURLToPath(import.meta.url);
    const ext = path.extname(here); // .ts under tsx (tests), .js from dist
    const cli = path.resolve(path.dirname(here), '..', `cli${ext}`);
    log = openAppendInside(ctx.commonDir, dxPaths(ctx).workerLog);
    const child = spawn(process.execPath, [...(ext === '.ts' ? process.execArgv : []), cli, 'hook-worker'], { cwd: ctx.top, detached: true, stdio: ['ignore', log, log] });
    // spawn reports a missing executable asynchronously; the child's own failures go to the worker log and banner.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    // Named for the hooks and the next command until it holds the lock (then worker.pid): a commit or a
    // checkpoint meanwhile leaves the work to it instead of starting node again (runtime.sh dx_worker_live, wip/worker.ts liveWorker).
    if (child.pid) {
      try {
        writeInside(ctx.commonDir, dxPaths(ctx).workerStarting, `${child.pid}\n`, { fsync: false });
      } catch (err) {
        appendLedger(ctx, { host: await ledgerHost(), op: 'worker.start', ok: false, error: `could not name the started worker in ${dxPaths(ctx).workerStarting}: ${describeError(err)}` });
      }
    }
  } catch (err) {
    await failed(ctx, err);
  } finally {
    if (log !== null) fs.closeSync(log);
  }
}

async function failed(ctx: RepoContext, err: unknown): Promise<void> {
  const error = `could not start the background worker: ${describeError(err)} (the next hook or dx-hooks command retries what it was to do)`;
  warn(`dx-hooks: ${error}`);
  try {
    appendLedger(ctx, { host: await ledgerHost(), op: 'worker.start', ok: false, error });
  } catch {
    // the warning above stands
  }
}

/**
 * Start `dx-hooks agent drain` detached (agents/event/turns.ts drainInbox), its output appended to
 * `<git-common-dir>/dx/agent/drain.log`. One that cannot start leaves the turns in the inbox for the next.
 */
export function startDrain(ctx: RepoContext): void {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here); // .ts under tsx (tests), .js from dist
  const cli = path.resolve(path.dirname(here), '..', `cli${ext}`);
  const log = openAppendInside(ctx.commonDir, path.join(ctx.dxDir, 'agent', 'drain.log'));
  try {
    const child = spawn(process.execPath, [...(ext === '.ts' ? process.execArgv : []), cli, 'agent', 'drain', '--dx-dir', ctx.dxDir], { cwd: ctx.top, detached: true, stdio: ['ignore', log, log] });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    fs.closeSync(log);
  }
}
