/**
 * What dx-hooks can schedule (the JOBS table: a new job such as `guard` is one more entry), with
 * which schedulers, how often, and where each scheduler keeps a job's entry.
 */
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import { cronExpression, CRON_INTERVALS } from './cron.js';

/** The schedulers dx-hooks can write for. */
export const SCHEDULERS = ['systemd', 'launchd', 'cron'] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

/** What a scheduled job runs (after `<node> <cli>`), says about itself, how often by default, and how to remove it. A new job is one more entry. */
export interface JobSpec { args: readonly string[]; description: string; defaultEvery: string; uninstall: string }
export const JOBS = {
  checkpoint: { args: ['checkpoint', '--all'], description: 'checkpoint the active repositories', defaultEvery: '15m', uninstall: 'dx-hooks schedule uninstall' },
  guard: { args: ['guard', '--all'], description: 'check the critical files of every repository', defaultEvery: '5m', uninstall: 'dx-hooks schedule uninstall --guard' },
} as const satisfies Record<string, JobSpec>;
export type JobKind = keyof typeof JOBS;

/** Variables the job gets from the installing shell: schedulers start jobs with a bare PATH and no XDG dirs, and DX_HOST names this host. */
export const CARRIED_ENV = ['PATH', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'DX_HOST'] as const;
export type CarriedEnv = Partial<Record<(typeof CARRIED_ENV)[number], string>>;

/** Where the user's files live: `home` (absolute), the carried variables, and the uid (launchd's `gui/<uid>` domain). */
export interface Where { home: string; env: CarriedEnv; uid: number }

/** Where a job's entry lives: its files (systemd, launchd), the unit or label name, the crontab markers. */
export interface Location { files: string[]; name: string; begin: string; end: string }

/** `15m`, `2h`, `1d`, `90s`: the largest unit that divides `seconds`. */
export function formatInterval(seconds: number): string {
  for (const [unit, n] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (seconds % n === 0) return `${seconds / n}${unit}`;
  return `${seconds}s`;
}

/**
 * Check that `kind` can run a job every `everySeconds`: at least one minute, and for cron an interval
 * a cron expression can hold. @throws DxError BAD_INTERVAL (exit 2) saying which values work
 */
export function checkInterval(kind: SchedulerKind, everySeconds: number): void {
  if (!Number.isInteger(everySeconds) || everySeconds < 60) {
    throw new DxError('BAD_INTERVAL', `--every ${formatInterval(everySeconds)} is shorter than the minimum, 1 minute`, 'Use 1m or more, e.g. --every 15m.', EXIT.USAGE);
  }
  if (kind === 'cron' && cronExpression(everySeconds) === null) {
    throw new DxError('BAD_INTERVAL', `cron cannot run a job every ${formatInterval(everySeconds)}`, `With cron, use --every with ${CRON_INTERVALS}; systemd and launchd take any interval of 1m or more.`, EXIT.USAGE);
  }
}

/** The entry's location for `kind` and `job`: systemd units in `$XDG_CONFIG_HOME/systemd/user` (default ~/.config), the plist in ~/Library/LaunchAgents. */
export function locate(kind: SchedulerKind, job: JobKind, where: Where): Location {
  const markers = { begin: `# BEGIN dx-hooks ${job}`, end: `# END dx-hooks ${job}` };
  if (kind === 'systemd') {
    const config = where.env.XDG_CONFIG_HOME && path.isAbsolute(where.env.XDG_CONFIG_HOME) ? where.env.XDG_CONFIG_HOME : path.join(where.home, '.config');
    const name = `dx-hooks-${job}`;
    const dir = path.join(config, 'systemd', 'user');
    return { files: [path.join(dir, `${name}.service`), path.join(dir, `${name}.timer`)], name, ...markers };
  }
  if (kind === 'launchd') {
    const name = `dev.dx-hooks.${job}`;
    return { files: [path.join(where.home, 'Library', 'LaunchAgents', `${name}.plist`)], name, ...markers };
  }
  return { files: [], name: `dx-hooks ${job}`, ...markers };
}
