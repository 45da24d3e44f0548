/**
 * Sending an alert never blocks: the POST and the desktop notification run in a detached child
 * (src/commands/alert-child.ts) that gets the job through its environment (never argv, which `ps`
 * shows to everyone: a webhook URL is a secret) and records the outcome in the ledger. The URL comes
 * only from the machine config; a repository's .dxrc has no key for it (its schema is strict).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoContext } from '../context.js';
import { describeError } from '../errors.js';
import { packageRoot } from '../install/assets.js';
import { appendLedger } from '../ledger.js';
import type { MachineConfig } from '../machine.js';
import { closeEpisode, openEpisode, type EpisodeKind } from './episode.js';
import { alertFor, type Alert } from './payload.js';

/** What the child does: POST `alert.payload` to `url` (when set) within `timeoutMs`, and show a desktop notification (when `desktop`). */
export interface AlertJob { url: string | null; desktop: boolean; alert: Alert; timeoutMs: number; top: string; commonDir: string; host: string }

/** The environment variable carrying the job (JSON) to the child. */
export const JOB_ENV = 'DX_ALERT_JOB';
/** How long the POST may take (ms). */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** The machine config's webhook when it is an http(s) URL, else null (anything else is never called). */
export function webhookOf(machine: MachineConfig): string | null {
  if (!machine.webhook) return null;
  try {
    const u = new URL(machine.webhook);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The first executable `name` on PATH, or null. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const f = path.join(dir, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return null;
}

/** The desktop notifier this platform has — osascript on macOS, notify-send on Linux when installed — or null. */
export function desktopNotifier(): string | null {
  if (process.platform === 'darwin') return fs.existsSync('/usr/bin/osascript') ? '/usr/bin/osascript' : null;
  return process.platform === 'linux' ? onPath('notify-send') : null;
}

/** Start the detached child for `job`; returns at once. */
export function spawnAlert(job: AlertJob): void {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here); // .ts under tsx (tests), .js from dist
  // From the sources (tsx) next to this file; else tsc's dist/commands/alert-child.js (the CLI runs bundled: install/assets.ts).
  const child = ext === '.ts' ? path.resolve(path.dirname(here), '..', '..', 'commands', 'alert-child.ts') : path.join(packageRoot, 'dist', 'commands', 'alert-child.js');
  const env = { ...process.env, [JOB_ENV]: JSON.stringify(job) };
  const p = spawn(process.execPath, [...(ext === '.ts' ? process.execArgv : []), child], { detached: true, stdio: 'ignore', env, cwd: job.top });
  p.on('error', () => undefined);
  p.unref();
}

/**
 * Bring `kind`'s episode of `ctx` in line with `text` (the banner or hooks alert now; null: healthy)
 * and send what that calls for: one "failing" alert when an episode opens, one "recovered" when it
 * closes, nothing in between. Never throws: a failure is a ledger line.
 */
export function alertEpisode(ctx: RepoContext, machine: MachineConfig, host: string, kind: EpisodeKind, text: string | null): void {
  try {
    const opened = text ? openEpisode(ctx, kind, text) : null;
    const closed = text ? null : closeEpisode(ctx, kind);
    const ep = opened ?? closed;
    if (!ep) return;
    const url = webhookOf(machine);
    // Nothing to send with (no webhook, no notifier): the episode is still tracked, no child starts.
    const desktop = machine.desktopNotify !== false && desktopNotifier() !== null;
    if (!url && !desktop) return;
    spawnAlert({ url, desktop, alert: alertFor(ep, opened ? 'failing' : 'recovered', host, ctx.top), timeoutMs: WEBHOOK_TIMEOUT_MS, top: ctx.top, commonDir: ctx.commonDir, host });
  } catch (err) {
    try {
      appendLedger(ctx, { host, op: 'alert', ok: false, error: describeError(err), detail: { kind } });
    } catch {
      /* nowhere to record it */
    }
  }
}
