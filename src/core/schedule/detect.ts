/**
 * Which scheduler this machine has: launchd on macOS, a systemd user instance on Linux when
 * `systemctl --user` answers (containers and WSL often have none), and cron everywhere else.
 */
import { DxError, EXIT } from '../errors.js';
import { runArgv, type Runner } from './exec.js';
import { SCHEDULERS, type SchedulerKind } from './jobs.js';

/**
 * Check a `--scheduler` value. Undefined stays undefined (detect it).
 * @throws DxError BAD_SCHEDULER (exit 2) naming the value and the allowed ones
 */
export function parseScheduler(value: unknown): SchedulerKind | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (SCHEDULERS as readonly string[]).includes(value)) return value as SchedulerKind;
  throw new DxError('BAD_SCHEDULER', `"${String(value)}" is not a scheduler`, `Use --scheduler ${SCHEDULERS.join(', --scheduler ')}, or leave it out to use what this machine has.`, EXIT.USAGE);
}

/** True when `systemctl --user show-environment` succeeds within 3 s: a systemd user instance is running for this user. */
export async function systemdUserAvailable(run: Runner = runArgv): Promise<boolean> {
  const r = await run(['systemctl', '--user', 'show-environment'], { timeoutMs: 3000 });
  return r.code === 0;
}

/**
 * The scheduler to use on `platform` (default: this one): darwin → launchd; linux with a systemd
 * user instance → systemd; otherwise cron.
 * @throws DxError NO_SCHEDULER (exit 1) on Windows
 */
export async function detectScheduler(platform: NodeJS.Platform = process.platform, run: Runner = runArgv): Promise<SchedulerKind> {
  if (platform === 'win32') {
    throw new DxError('NO_SCHEDULER', 'dx-hooks cannot schedule checkpoints on Windows', 'Use the Task Scheduler to run: dx-hooks checkpoint --all', EXIT.FAILED);
  }
  if (platform === 'darwin') return 'launchd';
  if (platform === 'linux' && (await systemdUserAvailable(run))) return 'systemd';
  return 'cron';
}
