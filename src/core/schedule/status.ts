/**
 * Is a job scheduled, and how? Read back from what install wrote (unit files, the plist, the
 * crontab block) and, when asked, from the scheduler itself (is the timer active, the agent loaded).
 */
import { readStoreText } from '../store/read.js';
import { readCrontab } from './apply.js';
import { readAttempt, type InstallAttempt } from './attempt.js';
import { cronSeconds, findBlock } from './cron.js';
import { runArgv, type Runner } from './exec.js';
import { formatInterval, locate, type JobKind, type SchedulerKind, type Where } from './jobs.js';
import type { SchedulePlan } from './plan.js';

/**
 * One scheduler's entry for one job. `files`: its files that exist (none for cron: the entry is the
 * crontab block, in `block`). `loaded`: what the scheduler says (null: not asked, or no answer).
 * `current`: the entry is exactly what an install with the same interval would write now (null: unknown).
 * `failedInstall`: the last `schedule install` with this scheduler did not finish (attempt.ts): whatever
 * is there is not a working schedule. `problems` make `schedule status` exit 1; `notes` do not.
 */
export interface ScheduleEntry {
  kind: SchedulerKind;
  job: JobKind;
  installed: boolean;
  everySeconds: number | null;
  every: string | null;
  files: string[];
  block: string | null;
  log: string | null;
  loaded: boolean | null;
  current: boolean | null;
  failedInstall: InstallAttempt | null;
  problems: string[];
  notes: string[];
}

/** An entry saying "not installed", to fill in. */
export function emptyEntry(kind: SchedulerKind, job: JobKind): ScheduleEntry {
  return { kind, job, installed: false, everySeconds: null, every: null, files: [], block: null, log: null, loaded: null, current: null, failedInstall: null, problems: [], notes: [] };
}

/**
 * Options: `probe` asks the scheduler (systemctl is-active, launchctl print); `expected` plans an install
 * for an interval, to compare; `stateDir` (dx-hooks' state directory) is where install records an
 * attempt that did not finish (attempt.ts) — read only when given.
 */
export interface InspectOptions { probe?: boolean; expected?: (everySeconds: number) => SchedulePlan; run?: Runner; stateDir?: string }

/** The problem an unfinished install is, in words. */
function failedText(a: InstallAttempt): string {
  const when = a.started ? ` (${new Date(a.started * 1000).toISOString().replace(/\.\d+Z$/, 'Z')})` : '';
  return `the last schedule install${when} ${a.error ? `failed: ${a.error}` : 'did not finish'} — it is NOT scheduled: run dx-hooks schedule install again, or uninstall`;
}

/** The interval written in an entry's text: OnUnitActiveSec (systemd), StartInterval (launchd), the cron expression. */
function intervalOf(kind: SchedulerKind, text: string): number | null {
  if (kind === 'systemd') return Number(/^OnUnitActiveSec=(\d+)s\s*$/m.exec(text)?.[1] ?? NaN) || null;
  if (kind === 'launchd') return Number(/<key>StartInterval<\/key>\s*<integer>(\d+)<\/integer>/.exec(text)?.[1] ?? NaN) || null;
  const line = text.split('\n').find((l) => l.trim() && !l.trimStart().startsWith('#'));
  return line ? cronSeconds(line) : null;
}

/** Whether the scheduler has the entry loaded: true, false, or null when it cannot tell. */
async function probeLoaded(kind: SchedulerKind, name: string, where: Where, run: Runner): Promise<boolean | null> {
  if (kind === 'systemd') {
    const r = await run(['systemctl', '--user', 'is-active', `${name}.timer`], { timeoutMs: 5000 });
    if (r.code === 0) return true;
    return r.missing || !r.stdout.trim() ? null : false; // no answer on stdout: no user instance to ask
  }
  if (kind === 'launchd') {
    const r = await run(['launchctl', 'print', `gui/${where.uid}/${name}`], { timeoutMs: 5000 });
    if (r.code === 0) return true;
    return r.code === 113 || /could not find/i.test(r.stderr + r.stdout) ? false : null;
  }
  return null;
}

/**
 * Inspect the `kind` entry of `job`. Reads files, and for cron `crontab -l` (no `crontab` program:
 * not installed, with a note).
 * @throws DxError CRONTAB_FAILED, CRONTAB_BLOCK_BROKEN (exit 1) for an unreadable crontab
 */
export async function inspectSchedule(kind: SchedulerKind, job: JobKind, where: Where, opts: InspectOptions = {}): Promise<ScheduleEntry> {
  const run = opts.run ?? runArgv;
  const loc = locate(kind, job, where);
  const entry = emptyEntry(kind, job);
  entry.failedInstall = opts.stateDir ? readAttempt(opts.stateDir, kind, job) : null;
  if (entry.failedInstall) entry.problems.push(failedText(entry.failedInstall));
  const texts = new Map<string, string>();
  if (kind === 'cron') {
    const table = await readCrontab(run);
    if (table === null) entry.notes.push('there is no crontab program on PATH');
    entry.block = table === null ? null : findBlock(table, loc.begin, loc.end);
    entry.installed = entry.block !== null;
  } else {
    for (const f of loc.files) {
      const text = readStoreText(f);
      if (text !== null) texts.set(f, text);
    }
    entry.files = [...texts.keys()];
    entry.installed = texts.size > 0;
    const missing = loc.files.filter((f) => !texts.has(f));
    if (entry.installed && missing.length) entry.problems.push(`${missing.join(', ')} is missing: run dx-hooks schedule install again, or uninstall`);
  }
  if (!entry.installed) return entry;

  const main = kind === 'cron' ? entry.block : texts.get(loc.files[loc.files.length - 1] as string);
  entry.everySeconds = main ? intervalOf(kind, main) : null;
  entry.every = entry.everySeconds === null ? null : formatInterval(entry.everySeconds);
  if (entry.everySeconds === null && !entry.problems.length) entry.problems.push('its interval cannot be read (edited by hand?): run dx-hooks schedule install again');
  if (entry.everySeconds !== null && opts.expected) {
    try {
      const plan = opts.expected(entry.everySeconds);
      entry.log = plan.log;
      entry.current = plan.actions.every((a) => (a.do === 'write' ? texts.get(a.path) === a.content : a.do === 'crontab-set' ? a.block === entry.block : true));
      if (!entry.current) entry.notes.push(`it differs from what this dx-hooks would write now (another node or dx-hooks path, or version): refresh it with dx-hooks schedule install --every ${entry.every}`);
    } catch {
      entry.current = null; // an interval this scheduler cannot take any more: status still reports the rest
    }
  }
  if (opts.probe) {
    entry.loaded = await probeLoaded(kind, loc.name, where, run);
    if (entry.loaded === false) entry.problems.push(`the files are there but ${kind === 'systemd' ? `the timer ${loc.name}.timer is not active` : `launchd has not loaded ${loc.name}`}: run dx-hooks schedule install again`);
  }
  return entry;
}
