/**
 * An install that did not finish must not read as a schedule. `schedule install` writes files first
 * and asks the scheduler last (systemctl enable, launchctl bootstrap); when that step fails — or the
 * process is killed — the files stay, and the scheduler may not even be asked by `status` (no user
 * instance to answer). So install records its attempt in the state directory before it starts, the
 * error when it fails, and removes the record only when every step succeeded; `status` reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeError } from '../errors.js';
import { writeUserJson } from '../store/user.js';
import { applySchedule, type ApplyResult } from './apply.js';
import { runArgv, type Runner } from './exec.js';
import type { JobKind, SchedulerKind } from './jobs.js';
import type { SchedulePlan } from './plan.js';

/** The record (`schedule-<job>-<kind>.attempt.json`): when the install started (Unix seconds), its interval, and its error (null: it never finished). */
const AttemptSchema = z.object({ v: z.literal(1), started: z.number().int(), every: z.string().nullable(), error: z.string().nullable() });
export type InstallAttempt = z.infer<typeof AttemptSchema>;

/** Where the record of `job` with `kind` lives in `stateDir` (dx-hooks' state directory). */
export function attemptFile(stateDir: string, kind: SchedulerKind, job: JobKind): string {
  return path.join(stateDir, `schedule-${job}-${kind}.attempt.json`);
}

/**
 * The unfinished install of `job` with `kind`, or null when the last install finished (or none was
 * made). A record that cannot be read counts as an install that did not finish (`error` says so).
 */
export function readAttempt(stateDir: string, kind: SchedulerKind, job: JobKind): InstallAttempt | null {
  const file = attemptFile(stateDir, kind, job);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { v: 1, started: 0, every: null, error: `${file} cannot be read: ${(err as Error).message}` };
  }
  try {
    return AttemptSchema.parse(JSON.parse(text));
  } catch {
    return { v: 1, started: 0, every: null, error: `${file} is corrupt` };
  }
}

/** Forget the record (a finished install, or an uninstall). */
export function clearAttempt(stateDir: string, kind: SchedulerKind, job: JobKind): void {
  fs.rmSync(attemptFile(stateDir, kind, job), { force: true });
}

/**
 * Carry out an install `plan`, recorded: the record is written before the first step, gets the error
 * when a step fails, and is removed when all succeeded.
 * @throws what applySchedule throws (the record then holds its message); fs errors writing the record
 */
export async function installSchedule(plan: SchedulePlan, stateDir: string, run: Runner = runArgv, now = Math.floor(Date.now() / 1000)): Promise<ApplyResult> {
  const file = attemptFile(stateDir, plan.kind, plan.job);
  const record = (error: string | null) => writeUserJson(file, { v: 1, started: now, every: plan.every, error } satisfies InstallAttempt);
  record(null);
  let result: ApplyResult;
  try {
    result = await applySchedule(plan.actions, run);
  } catch (err) {
    record(describeError(err).split('\n').join(' '));
    throw err;
  }
  clearAttempt(stateDir, plan.kind, plan.job);
  return result;
}
