/**
 * The detached alert sender (core/alert/send.ts starts it; not a CLI command): reads its job from
 * DX_ALERT_JOB, POSTs the JSON within the job's timeout (no redirects followed), shows a desktop
 * notification where the platform has one — notify-send on Linux when installed, osascript on macOS,
 * each with argv and fixed script text, never a shell string — and records each outcome in the ledger.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describeError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { desktopNotifier, JOB_ENV, type AlertJob } from '../core/alert/send.js';

async function post(job: AlertJob): Promise<{ ok: boolean; status?: number; error?: string }> {
  if (!job.url) return { ok: true };
  try {
    const r = await fetch(job.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.alert.payload), signal: AbortSignal.timeout(job.timeoutMs), redirect: 'error' });
    await r.arrayBuffer().catch(() => undefined);
    return r.ok ? { ok: true, status: r.status } : { ok: false, status: r.status, error: `HTTP ${r.status}` };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

function desktop(job: AlertJob): Promise<string | null> {
  if (!job.desktop) return Promise.resolve(null);
  const c = desktopNotifier();
  if (!c) return Promise.resolve(null);
  const args = process.platform === 'darwin'
    ? ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', job.alert.title, job.alert.body]
    : ['--app-name=dx-hooks', '--', job.alert.title, job.alert.body];
  return new Promise((resolve) => execFile(c, args, { timeout: job.timeoutMs }, (err) => resolve(err ? `${path.basename(c)}: ${describeError(err)}` : path.basename(c))));
}

async function main(): Promise<void> {
  const raw = process.env[JOB_ENV];
  delete process.env[JOB_ENV];
  if (!raw) return;
  const job = JSON.parse(raw) as AlertJob;
  const [sent, shown] = await Promise.all([post(job), desktop(job)]);
  const ctx = { top: job.top, gitDir: job.commonDir, commonDir: job.commonDir, dxDir: path.join(job.commonDir, 'dx') };
  const detail = { event: job.alert.payload.dx_hooks.event, episode: job.alert.payload.dx_hooks.episode, webhook: job.url ? (sent.status ?? null) : 'none', desktop: shown };
  appendLedger(ctx, { host: job.host, op: 'alert', ok: sent.ok, ...(sent.error ? { error: sent.error } : {}), detail });
}

main().catch(() => undefined);
