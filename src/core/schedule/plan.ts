/**
 * Scheduled jobs as data (antfu/ni's planners): for a scheduler (systemd, launchd, cron) and a job,
 * which files to write where and which commands to run, as argv. apply.ts carries a plan out,
 * `--dry-run` prints it, and the unit tests compare it with literal text. Nothing here touches the system.
 */
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import { asset } from '../install/assets.js';
import { cronExpression } from './cron.js';
import { CARRIED_ENV, checkInterval, formatInterval, JOBS, locate, type CarriedEnv, type JobKind, type JobSpec, type SchedulerKind, type Where } from './jobs.js';
import { cronWord, fill, SYSTEMD_EXEC_REFUSED, systemdEnv, systemdWord, xmlComment, xmlEscape } from './render.js';

/** Everything a plan depends on. Paths absolute; `everySeconds` from parseDuration. */
export interface PlanInput extends Where {
  kind: SchedulerKind;
  job: JobKind;
  everySeconds: number;
  /** The node binary (process.execPath). */
  node: string;
  /** dx-hooks' `dist/cli.js`. */
  cli: string;
  /** dx-hooks' state directory (userDirs().state): job logs go there. */
  stateDir: string;
  /** dx-hooks' version, written into each file. */
  version: string;
  /** Reads a template under the package root (default: the shipped `templates/`). */
  template?: (rel: string) => string;
}

/** One step. `onFail`: `error` stops with a DxError, `warn` reports and goes on, `ignore` goes on quietly (e.g. unloading what is not loaded). */
export type ScheduleAction =
  | { do: 'mkdir'; path: string }
  | { do: 'write'; path: string; content: string; mode: number }
  | { do: 'remove'; path: string }
  | { do: 'run'; argv: string[]; onFail: 'error' | 'warn' | 'ignore' }
  | { do: 'crontab-set'; begin: string; end: string; block: string }
  | { do: 'crontab-remove'; begin: string; end: string };

/** A plan: the interval (seconds and as text), what the job runs (argv), its log (null: the journal), the steps, and warnings. */
export interface SchedulePlan {
  kind: SchedulerKind;
  job: JobKind;
  everySeconds: number | null;
  every: string | null;
  runs: string[];
  log: string | null;
  actions: ScheduleAction[];
  warnings: string[];
}

/** The carried variables that are set, in CARRIED_ENV order. */
const carried = (env: CarriedEnv): Array<[string, string]> => CARRIED_ENV.flatMap((k) => (env[k] ? [[k, env[k]] as [string, string]] : []));

/** @throws DxError UNSCHEDULABLE_VALUE (exit 2) for a value with a line break or control character: no scheduler file can hold it on one line */
function checkValues(values: Array<[string, string]>): void {
  for (const [name, value] of values) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new DxError('UNSCHEDULABLE_VALUE', `${name} contains a line break or control character: ${JSON.stringify(value)}`, 'A scheduler entry cannot hold it; run dx-hooks from a path without one.', EXIT.USAGE);
    }
  }
}

/**
 * Plan writing and enabling the scheduler entry that runs `<node> <cli> <job args>` every
 * `everySeconds`. Idempotent: the same input gives the same files, and applying it again replaces them.
 * @throws DxError BAD_INTERVAL, UNSCHEDULABLE_VALUE (exit 2)
 */
export function planInstall(input: PlanInput): SchedulePlan {
  const { kind, job, everySeconds } = input;
  checkInterval(kind, everySeconds);
  const env = carried(input.env);
  checkValues([['node', input.node], ['the dx-hooks CLI path', input.cli], ['the state directory', input.stateDir], ['the version', input.version], ...env]);
  const spec: JobSpec = JOBS[job];
  const runs = [input.node, input.cli, ...spec.args];
  const loc = locate(kind, job, input);
  const read = input.template ?? ((rel: string) => asset(path.join('templates', rel)));
  const every = formatInterval(everySeconds);
  const common = { JOB: job, EVERY: every, INTERVAL_SECONDS: String(everySeconds), UNINSTALL: spec.uninstall };
  const warnings = input.cli.split(/[\\/]/).includes('_npx')
    ? [`dx-hooks runs from npx's cache (${input.cli}), which npm may clean: install it for good (npm install -g dx-hooks) and run schedule install again`]
    : [];
  const plan = { kind, job, everySeconds, every, runs, warnings };
  const log = path.join(input.stateDir, `schedule-${job}.log`);

  if (kind === 'systemd') {
    if (SYSTEMD_EXEC_REFUSED.test(input.node)) {
      throw new DxError('UNSCHEDULABLE_VALUE', `systemd cannot run ${input.node}: it refuses an executable path with a quote or a backslash`, 'Use --scheduler cron, or a node installed at a plainer path.', EXIT.USAGE);
    }
    const vars = {
      ...common,
      VERSION: input.version,
      DESCRIPTION: spec.description.replace(/%/g, '%%'),
      UNIT: loc.name,
      ENVIRONMENT: env.map(([k, v]) => `Environment=${systemdEnv(k, v)}`).join('\n'),
      EXEC_START: runs.map((w, i) => systemdWord(w, i === 0)).join(' '),
    };
    const [service, timer] = loc.files as [string, string];
    const systemctl = (...args: string[]) => ({ do: 'run' as const, argv: ['systemctl', '--user', ...args], onFail: 'error' as const });
    return {
      ...plan,
      log: null,
      actions: [
        { do: 'write', path: service, content: fill(read('systemd/dx-hooks-JOB.service'), vars), mode: 0o644 },
        { do: 'write', path: timer, content: fill(read('systemd/dx-hooks-JOB.timer'), vars), mode: 0o644 },
        systemctl('daemon-reload'),
        systemctl('enable', `${loc.name}.timer`),
        // restart, not start: a re-install with a new interval must take effect now.
        systemctl('restart', `${loc.name}.timer`),
      ],
    };
  }

  if (kind === 'launchd') {
    const vars = {
      ...common,
      VERSION: xmlComment(input.version),
      UNINSTALL: xmlComment(spec.uninstall),
      DESCRIPTION: xmlEscape(spec.description),
      LABEL: xmlEscape(loc.name),
      PROGRAM_ARGUMENTS: runs.map((a) => `    <string>${xmlEscape(a)}</string>`).join('\n'),
      ENVIRONMENT_VARIABLES: env.map(([k, v]) => `    <key>${k}</key>\n    <string>${xmlEscape(v)}</string>`).join('\n'),
      LOG: xmlEscape(log),
    };
    const [plist] = loc.files as [string];
    const domain = `gui/${input.uid}`;
    return {
      ...plan,
      log,
      actions: [
        { do: 'mkdir', path: input.stateDir },
        { do: 'write', path: plist, content: fill(read('launchd/dev.dx-hooks.JOB.plist'), vars), mode: 0o644 },
        // A loaded agent keeps its old plist until it is unloaded; not being loaded is no error.
        { do: 'run', argv: ['launchctl', 'bootout', domain, plist], onFail: 'ignore' },
        { do: 'run', argv: ['launchctl', 'bootstrap', domain, plist], onFail: 'error' },
      ],
    };
  }

  const command = [...env.map(([k, v]) => `${k}=${cronWord(v)}`), ...runs.map(cronWord), '>>', cronWord(log), '2>&1'].join(' ');
  const block = fill(read('cron/dx-hooks.cron'), { ...common, VERSION: input.version, DESCRIPTION: spec.description, SCHEDULE: cronExpression(everySeconds) as string, COMMAND: command });
  const lines = block.trimEnd().split('\n');
  if (lines[0] !== loc.begin || lines[lines.length - 1] !== loc.end) throw new Error(`templates/cron/dx-hooks.cron must start with "${loc.begin}" and end with "${loc.end}"`);
  return { ...plan, log, actions: [{ do: 'mkdir', path: input.stateDir }, { do: 'crontab-set', begin: loc.begin, end: loc.end, block }] };
}

/**
 * Plan stopping and removing the entry of `job` for `kind`: systemd disables the timer, removes both
 * units and reloads; launchd unloads the agent and removes the plist; cron removes the marked block.
 */
export function planUninstall(kind: SchedulerKind, job: JobKind, where: Where): SchedulePlan {
  const loc = locate(kind, job, where);
  const base = { kind, job, everySeconds: null, every: null, runs: [], log: null, warnings: [] };
  const removeFiles = [...loc.files].reverse().map((p) => ({ do: 'remove' as const, path: p }));
  if (kind === 'systemd') {
    return {
      ...base,
      actions: [
        { do: 'run', argv: ['systemctl', '--user', 'disable', '--now', `${loc.name}.timer`], onFail: 'warn' },
        ...removeFiles,
        { do: 'run', argv: ['systemctl', '--user', 'daemon-reload'], onFail: 'warn' },
      ],
    };
  }
  if (kind === 'launchd') {
    return { ...base, actions: [{ do: 'run', argv: ['launchctl', 'bootout', `gui/${where.uid}`, loc.files[0] as string], onFail: 'ignore' }, ...removeFiles] };
  }
  return { ...base, actions: [{ do: 'crontab-remove', begin: loc.begin, end: loc.end }] };
}
