/**
 * `dx-hooks schedule install|uninstall|status [--guard]`: run `dx-hooks checkpoint --all` (or with
 * `--guard`, `dx-hooks guard --all`) every N minutes with this machine's scheduler — a systemd user timer, a launchd agent, or a crontab entry.
 */
import os from 'node:os';
import pc from 'picocolors';
import { parseDuration } from '../core/duration.js';
import { DxError } from '../core/errors.js';
import { cliPath, packageVersion } from '../core/install/assets.js';
import { machineConfigPath, userDirs } from '../core/machine.js';
import { applySchedule } from '../core/schedule/apply.js';
import { clearAttempt, installSchedule } from '../core/schedule/attempt.js';
import { detectScheduler, parseScheduler } from '../core/schedule/detect.js';
import { CARRIED_ENV, JOBS, locate, SCHEDULERS, type CarriedEnv, type JobKind, type SchedulerKind, type Where } from '../core/schedule/jobs.js';
import { planInstall, planUninstall, type PlanInput, type ScheduleAction, type SchedulePlan } from '../core/schedule/plan.js';
import { displayArgv } from '../core/schedule/render.js';
import { emptyEntry, inspectSchedule, type ScheduleEntry } from '../core/schedule/status.js';
import { out, printJson, warn } from './common.js';

/** The job a command schedules: `--guard` picks the guard, else the checkpoint job. */
const jobOf = (opts: { guard?: boolean }): JobKind => (opts.guard ? 'guard' : 'checkpoint');

const LABEL: Record<SchedulerKind, string> = { systemd: 'a systemd user timer', launchd: 'a launchd agent', cron: 'a crontab entry' };

/** This user's home, the variables the job inherits, and the uid. */
function here(): Where {
  const env: CarriedEnv = {};
  for (const k of CARRIED_ENV) if (process.env[k]) env[k] = process.env[k];
  return { home: os.homedir(), env, uid: process.getuid?.() ?? 0 };
}

/** The planner's input for this process: its node, this package's CLI, the state directory and version. */
function planInput(kind: SchedulerKind, everySeconds: number, JOB: JobKind): PlanInput {
  return { ...here(), kind, job: JOB, everySeconds, node: process.execPath, cli: cliPath, stateDir: userDirs().state, version: packageVersion() };
}

/** One action as a line of text. */
function describe(a: ScheduleAction): string {
  switch (a.do) {
    case 'mkdir':
      return `create ${a.path}`;
    case 'write':
      return `write ${a.path}`;
    case 'remove':
      return `remove ${a.path}`;
    case 'run':
      return `run ${displayArgv(a.argv)}`;
    case 'crontab-set':
      return `put the "${a.begin}" … "${a.end}" lines in your crontab (other lines stay as they are)`;
    case 'crontab-remove':
      return `take the "${a.begin}" … "${a.end}" lines out of your crontab (other lines stay as they are)`;
  }
}

const indent = (text: string, by: string) => text.trimEnd().split('\n').map((l) => by + l).join('\n');

/** Where the job's output goes, as text. */
const outputOf = (plan: SchedulePlan) => plan.log ?? `journalctl --user -u ${locate(plan.kind, plan.job, here()).name}.service`;

/** Warnings about the job being scheduled with another scheduler too (it would run twice). Never throws: this is a courtesy check. */
async function alsoScheduled(kind: SchedulerKind, JOB: JobKind): Promise<string[]> {
  const found: string[] = [];
  for (const other of SCHEDULERS.filter((k) => k !== kind)) {
    const e = await inspectSchedule(other, JOB, here()).catch(() => null);
    if (e?.installed) found.push(`${JOB} is also scheduled with ${LABEL[other]}: remove that one with ${JOBS[JOB].uninstall} --scheduler ${other}`);
  }
  return found;
}

/**
 * `schedule install [--guard] [--every 15m|5m] [--scheduler K] [--dry-run] [--json]`: write and enable the entry
 * (replacing one already there). Returns 0.
 * @throws DxError BAD_SCHEDULER, BAD_DURATION, BAD_INTERVAL, UNSCHEDULABLE_VALUE (exit 2); SCHEDULER_MISSING, SCHEDULER_COMMAND_FAILED, CRONTAB_* (exit 1)
 */
export async function install(opts: { every?: string; scheduler?: string; guard?: boolean; dryRun?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const JOB = jobOf(opts);
  const explicit = parseScheduler(opts.scheduler);
  const everySeconds = parseDuration(opts.every ?? JOBS[JOB].defaultEvery);
  const kind = explicit ?? (await detectScheduler());
  const plan = planInstall(planInput(kind, everySeconds, JOB));
  const warnings = [...plan.warnings, ...(await alsoScheduled(kind, JOB))];
  const runs = displayArgv(plan.runs);
  if (opts.dryRun) {
    if (opts.json) printJson({ dryRun: true, ...plan, warnings });
    else {
      out(`dx-hooks schedule install would schedule ${JOB} every ${plan.every} with ${LABEL[kind]}:`);
      for (const a of plan.actions) {
        out(`  - ${describe(a)}${a.do === 'write' || a.do === 'crontab-set' ? ':' : ''}`);
        if (a.do === 'write') out(indent(a.content, '      '));
        if (a.do === 'crontab-set') out(indent(a.block, '      '));
      }
      out(`  runs: ${runs}`);
      warnings.forEach((w) => warn(`dx-hooks: ${w}`));
    }
    return 0;
  }
  // Recorded: an install that fails half-way is not a schedule, and status says so (attempt.ts).
  const result = await installSchedule(plan, userDirs().state);
  warnings.push(...result.warnings);
  if (opts.json) {
    printJson({ dryRun: false, ...plan, warnings });
    return 0;
  }
  out(pc.green(`✔ ${JOB} scheduled every ${plan.every} with ${LABEL[kind]}`));
  plan.actions.forEach((a) => out(`  - ${describe(a)}`));
  out(`  runs: ${runs}`);
  out(`        (every repository listed in ${machineConfigPath()}${JOB === 'checkpoint' ? ' whose role is active' : ''})`);
  out(`  output: ${outputOf(plan)}`);
  if (kind === 'systemd') out('  note: systemd runs user timers only while you are logged in; on a machine you log out of, keep them running with: loginctl enable-linger');
  out(`  remove it with: ${JOBS[JOB].uninstall}`);
  warnings.forEach((w) => warn(`dx-hooks: ${w}`));
  return 0;
}

/** The schedulers to look at: the one asked for, or all of them (an entry may have been written with --scheduler). */
const kindsOf = (explicit: SchedulerKind | undefined): readonly SchedulerKind[] => (explicit ? [explicit] : SCHEDULERS);

/**
 * `schedule uninstall [--scheduler K] [--json]`: stop and remove the entry wherever it is (or only
 * with K). Nothing scheduled is no error. Returns 0.
 * @throws DxError BAD_SCHEDULER (exit 2); CRONTAB_* (exit 1) when the crontab cannot be read or written
 */
export async function uninstall(opts: { scheduler?: string; guard?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const JOB = jobOf(opts);
  const explicit = parseScheduler(opts.scheduler);
  const removed: Array<{ kind: SchedulerKind; actions: ScheduleAction[] }> = [];
  const warnings: string[] = [];
  for (const kind of kindsOf(explicit)) {
    let entry: ScheduleEntry;
    try {
      entry = await inspectSchedule(kind, JOB, here());
    } catch (err) {
      if (explicit || !(err instanceof DxError)) throw err;
      warnings.push(`${kind}: ${err.message}`);
      continue;
    }
    if (!entry.installed) {
      clearAttempt(userDirs().state, kind, JOB); // a failed install that left nothing behind
      continue;
    }
    const plan = planUninstall(kind, JOB, here());
    const result = await applySchedule(plan.actions);
    clearAttempt(userDirs().state, kind, JOB);
    removed.push({ kind, actions: plan.actions });
    warnings.push(...result.warnings);
  }
  if (opts.json) printJson({ job: JOB, removed, warnings });
  else {
    if (!removed.length) out(`${JOB} is not scheduled (looked for ${kindsOf(explicit).map((k) => LABEL[k]).join(', ')}): nothing to remove`);
    for (const r of removed) {
      out(pc.green(`✔ ${JOB} unscheduled: removed ${LABEL[r.kind]}`));
      r.actions.forEach((a) => out(`  - ${describe(a)}`));
    }
    warnings.forEach((w) => warn(`dx-hooks: ${w}`));
  }
  return 0;
}

/** `active`/`not active` (systemd), `loaded`/`not loaded` (launchd), nothing when unknown. */
function loadedText(e: ScheduleEntry): string {
  if (e.loaded === null) return '';
  const word = e.kind === 'systemd' ? 'active' : 'loaded';
  return e.loaded ? ` (${word})` : pc.red(` (not ${word})`);
}

/**
 * `schedule status [--scheduler K] [--json]`: whether the job is scheduled, with what, how often,
 * and where its files and output are. Returns 1 when an entry is there but broken (not loaded, a
 * file missing, unreadable, or its last install did not finish), else 0.
 * @throws DxError BAD_SCHEDULER (exit 2)
 */
export async function status(opts: { scheduler?: string; guard?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const JOB = jobOf(opts);
  const explicit = parseScheduler(opts.scheduler);
  const detected = explicit ?? (await detectScheduler().catch(() => null));
  const entries: ScheduleEntry[] = [];
  for (const kind of kindsOf(explicit)) {
    const expected = (everySeconds: number) => planInstall(planInput(kind, everySeconds, JOB));
    try {
      entries.push(await inspectSchedule(kind, JOB, here(), { probe: true, expected, stateDir: userDirs().state }));
    } catch (err) {
      if (!(err instanceof DxError)) throw err;
      entries.push({ ...emptyEntry(kind, JOB), problems: [err.message] }); // e.g. a crontab that cannot be read
    }
  }
  // An entry whose install did not finish is no schedule, whatever files it left (attempt.ts).
  const installed = entries.filter((e) => e.installed && !e.failedInstall);
  const code = entries.some((e) => e.problems.length) ? 1 : 0;
  if (opts.json) {
    printJson({ job: JOB, scheduler: detected, scheduled: installed.length > 0, entries });
    return code;
  }
  for (const e of entries.filter((x) => x.installed && x.failedInstall)) {
    out(pc.red(`${JOB}: NOT scheduled with ${LABEL[e.kind]} — its install did not finish; left behind:`));
    e.files.forEach((f) => out(`  ${f}`));
    if (e.kind === 'cron') out(`  your crontab (crontab -l): the "# BEGIN dx-hooks ${JOB}" … "# END dx-hooks ${JOB}" lines`);
  }
  if (!installed.length) out(`${JOB}: not scheduled — dx-hooks schedule install${JOB === 'guard' ? ' --guard' : ''}${detected ? ` (would use ${LABEL[detected]})` : ''}`);
  for (const e of installed) {
    out(`${JOB}: scheduled ${e.every ? `every ${e.every} ` : ''}with ${LABEL[e.kind]}${loadedText(e)}`);
    e.files.forEach((f) => out(`  ${f}`));
    if (e.kind === 'cron') out(`  your crontab (crontab -l): the "# BEGIN dx-hooks ${JOB}" … "# END dx-hooks ${JOB}" lines`);
    out(`  output: ${e.log ?? (e.kind === 'systemd' ? `journalctl --user -u ${locate(e.kind, JOB, here()).name}.service` : 'unknown')}`);
  }
  if (installed.length > 1) out(`  note: ${JOB} is scheduled ${installed.length} times, so it runs with each; keep one: ${JOBS[JOB].uninstall} --scheduler <the other>`);
  for (const e of entries) {
    e.problems.forEach((p) => out(pc.red(`  ✖ ${e.kind}: ${p}`)));
    if (e.installed) e.notes.forEach((n) => out(`  note: ${n}`));
  }
  return code;
}
