/**
 * `dx-hooks doctor` as data: run every check (in parallel where independent; the remote probe is
 * the slowest), and with `fix` apply each fixable diagnostic's fix in a safe order, check again and
 * report what remains. Checks that need a repository run only inside one; the user-level checks
 * (batch progress, user locks, machine config, git's version) run anywhere.
 */
import os from 'node:os';
import { openRepo, type RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import type { MachineConfig } from '../machine.js';
import { checkAgentHooks, checkAgentRetention } from './agents.js';
import { checkBatchProgress } from './batch.js';
import { checkHostCollisions } from './collision.js';
import { loadMachineForDoctor, openDoctorSession } from './config.js';
import { guardRepairer, checkCriticalFiles } from './critical.js';
import { checkGitVersion } from './git-version.js';
import { checkHooks } from './hooks.js';
import { checkHookState } from './hookstate.js';
import { checkConfigLinks } from './links.js';
import { checkLocks, repoLocks, userLocks } from './locks.js';
import { checkPending, pusher } from './pending.js';
import { rebuilder } from './rebuild.js';
import { reinstaller } from './reinstall.js';
import { checkProtectionWeakened } from './protection.js';
import { checkSecrets } from './secrets.js';
import { probeRemote } from './remote.js';
import { mergeAfterFix, runFixes } from './report.js';
import { guarded } from './shared.js';
import type { Diagnostic, DiagnosticReport } from './types.js';
import { checkIndex } from './wip-index.js';

/** A doctor run: `repo` is the work tree checked (null outside a repository); `errors` counts the errors that remain. */
export interface DoctorReport { repo: string | null; diagnostics: DiagnosticReport[]; errors: number }

/** The repository of `cwd`, or null outside one (a bare repository or a git dir has no work tree to check). */
async function repoOf(cwd: string | null): Promise<RepoContext | null> {
  if (!cwd) return null;
  try {
    return await openRepo(cwd);
  } catch (err) {
    if (err instanceof DxError && ['NOT_A_REPO', 'BARE_REPO', 'NOT_A_WORK_TREE'].includes(err.code)) return null;
    throw err;
  }
}

/** The checks of one repository, all started at once; the index checks wait only for the remote probe. */
async function repoChecks(ctx: RepoContext, machine: MachineConfig): Promise<Diagnostic[]> {
  const { session, diagnostics: config } = await openDoctorSession(ctx, machine);
  const { s, configOk } = session;
  const reinstall = reinstaller(ctx, s.host, configOk ? s : null);
  const network = guarded('remote', async () => {
    const { probe, diagnostics } = await probeRemote(s);
    diagnostics.push(...(await guarded('host collisions', () => checkHostCollisions(s, probe))));
    if (!probe || !s.config.wip.enabled) return diagnostics;
    return [...diagnostics, ...(await guarded('index', () => checkIndex(s, configOk, probe, rebuilder(s, probe.remote))))];
  });
  const parts = await Promise.all([
    guarded('hooks', () => checkHooks(ctx, reinstall)),
    guarded('config links', () => checkConfigLinks(s, configOk)),
    guarded('hook state', () => checkHookState(s, configOk)),
    guarded('critical files', () => checkCriticalFiles(s, configOk, guardRepairer(s))),
    guarded('pending pushes', () => checkPending(s, configOk, pusher(s))),
    guarded('repository locks', () => checkLocks(repoLocks(ctx), { ctx, host: s.host })),
    guarded('protection', () => checkProtectionWeakened(s, configOk)),
    guarded('secrets', () => checkSecrets(s, configOk)),
    guarded('agent hooks', () => checkAgentHooks(s)),
    guarded('agent retention', () => checkAgentRetention(s)),
    network,
  ]);
  return [...config, ...parts.flat()];
}

/** Every check that applies at `cwd` (null: the user-level ones only). */
async function collect(cwd: string | null): Promise<{ repo: string | null; found: Diagnostic[] }> {
  const ctx = await repoOf(cwd);
  const { machine, diagnostics: machineProblems } = await loadMachineForDoctor();
  const parts = await Promise.all([
    guarded('batch progress', () => checkBatchProgress()),
    guarded('user locks', () => checkLocks(userLocks(), null)),
    guarded('git version', () => checkGitVersion(ctx?.top ?? cwd ?? os.tmpdir())),
    ctx ? repoChecks(ctx, machine) : Promise.resolve([]),
  ]);
  return { repo: ctx?.top ?? null, found: [...machineProblems, ...parts.flat()] };
}

/**
 * Run the checks at `cwd` (inside a work tree: its repository and the user-level checks; elsewhere
 * or null: the user-level checks only), and with `fix` the fixes, then check again. Never throws for a failing check or fix: a check that
 * cannot run is a `DOCTOR_CHECK_FAILED` error, a fix that fails is reported as not fixed.
 */
export async function runDoctor(opts: { cwd?: string | null; fix?: boolean } = {}): Promise<DoctorReport> {
  const cwd = opts.cwd ?? null;
  const first = await collect(cwd);
  if (!opts.fix || !first.found.some((d) => d.fix)) {
    const diagnostics = mergeAfterFix(first.found, new Map(), null);
    return { repo: first.repo, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error').length };
  }
  const results = await runFixes(first.found);
  const again = await collect(cwd);
  const diagnostics = mergeAfterFix(first.found, results, again.found);
  return { repo: first.repo, diagnostics, errors: again.found.filter((d) => d.severity === 'error').length };
}
