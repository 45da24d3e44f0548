/**
 * Carrying out a schedule plan: files written atomically, scheduler commands run as argv, and the
 * user's crontab read with `crontab -l` and written back through `crontab -` with only our block changed.
 */
import fs from 'node:fs';
import { DxError, EXIT } from '../errors.js';
import { writeAtomic } from '../store/user.js';
import { spliceBlock } from './cron.js';
import { runArgv, type ExecResult, type Runner } from './exec.js';
import { SCHEDULERS } from './jobs.js';
import type { ScheduleAction } from './plan.js';
import { displayArgv } from './render.js';

/** What applying did: the actions carried out, and the warnings of `onFail: 'warn'` steps. */
export interface ApplyResult { done: ScheduleAction[]; warnings: string[] }

const lastLines = (text: string) => text.trim().split('\n').filter(Boolean).slice(-3).join(' / ');

/** Why a finished command failed, in one line. */
function failure(argv: readonly string[], r: ExecResult): string {
  if (r.missing) return `${argv[0]} is not installed or not on PATH`;
  if (r.timedOut) return `${displayArgv(argv)} did not finish in time`;
  return `${displayArgv(argv)} failed (exit ${r.code})${r.stderr.trim() ? `: ${lastLines(r.stderr)}` : ''}`;
}

/** @throws DxError SCHEDULER_MISSING when the program is not on PATH, SCHEDULER_COMMAND_FAILED otherwise (exit 1) */
function fail(argv: readonly string[], r: ExecResult): never {
  const hint = `Run it yourself to see why, or use another scheduler: --scheduler ${SCHEDULERS.join('|')}. dx-hooks schedule uninstall removes what was written.`;
  throw new DxError(r.missing ? 'SCHEDULER_MISSING' : 'SCHEDULER_COMMAND_FAILED', failure(argv, r), hint, EXIT.FAILED);
}

/**
 * The user's crontab (`crontab -l`): '' when they have none, null when there is no `crontab` program.
 * @throws DxError CRONTAB_FAILED (exit 1) when it cannot be read (e.g. cron.deny)
 */
export async function readCrontab(run: Runner = runArgv): Promise<string | null> {
  const r = await run(['crontab', '-l'], { timeoutMs: 10_000 });
  if (r.missing) return null;
  if (r.code === 0) return r.stdout;
  // "no crontab for <user>" (vixie, cronie, macOS); busybox: "can't open '<user>': No such file or directory".
  if (!r.timedOut && /no crontab|no such file/i.test(r.stderr)) return '';
  throw new DxError('CRONTAB_FAILED', failure(['crontab', '-l'], r), 'Check that you may use cron (crontab -l), or use another scheduler: --scheduler systemd|launchd.', EXIT.FAILED);
}

/** Replace the user's crontab with `table` (`crontab -` on stdin), or remove it (`crontab -r`) when `table` is ''. @throws DxError as fail() */
async function writeCrontab(table: string, run: Runner): Promise<void> {
  const argv = table === '' ? ['crontab', '-r'] : ['crontab', '-'];
  const r = await run(argv, { input: table, timeoutMs: 10_000 });
  if (r.code !== 0) fail(argv, r);
}

/** The user's crontab for changing it. @throws DxError SCHEDULER_MISSING when there is no `crontab`, CRONTAB_FAILED */
async function crontabToChange(run: Runner): Promise<string> {
  const table = await readCrontab(run);
  if (table === null) fail(['crontab', '-l'], { code: -1, stdout: '', stderr: '', missing: true, timedOut: false });
  return table;
}

/**
 * Carry out `actions` in order. A `run` step with `onFail: 'error'` that fails stops here (the
 * steps before it stay done; running the same plan again completes it).
 * @throws DxError SCHEDULER_MISSING, SCHEDULER_COMMAND_FAILED, CRONTAB_FAILED, CRONTAB_BLOCK_BROKEN (exit 1); fs errors
 */
export async function applySchedule(actions: readonly ScheduleAction[], run: Runner = runArgv): Promise<ApplyResult> {
  const done: ScheduleAction[] = [];
  const warnings: string[] = [];
  for (const a of actions) {
    switch (a.do) {
      case 'mkdir':
        fs.mkdirSync(a.path, { recursive: true });
        break;
      case 'write':
        writeAtomic(a.path, a.content);
        fs.chmodSync(a.path, a.mode);
        break;
      case 'remove':
        fs.rmSync(a.path, { force: true });
        break;
      case 'run': {
        const r = await run(a.argv);
        if (r.code !== 0 && a.onFail === 'error') fail(a.argv, r);
        if (r.code !== 0 && a.onFail === 'warn') warnings.push(failure(a.argv, r));
        break;
      }
      case 'crontab-set':
      case 'crontab-remove': {
        const table = await crontabToChange(run);
        const next = spliceBlock(table, a.begin, a.end, a.do === 'crontab-set' ? a.block : null);
        if (next !== table) await writeCrontab(next, run);
        break;
      }
    }
    done.push(a);
  }
  return { done, warnings };
}
