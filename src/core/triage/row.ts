/**
 * Triage of one repository (the seed's dx-triage): one row with branch, ahead/behind, dirty files,
 * commits only on this host and their age, the last WIP backup and its result, other hosts' newer
 * WIP, the role — and the problems, worst first. Never touches the network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { defaultConfig, type DxConfig } from '../config/schema.js';
import { dxPaths, openRepo, type RepoContext } from '../context.js';
import { describeError, DxError } from '../errors.js';
import type { MachineConfig } from '../machine.js';
import { refreshHookAlert } from '../hookcheck/alert.js';
import { checkHookHealth, effectiveHooksDir } from '../hookcheck/health.js';
import { effectiveRole, type Role } from '../role.js';
import { readState } from '../state.js';
import { age, span } from '../time.js';
import { wipRef } from '../wip/ref.js';
import { branchStatus, hasRemote, localOnlyCommits, newerElsewhere, type BranchStatus, type LocalOnly, type NewerElsewhere } from './facts.js';

/** A problem found in a repository. `error`s make `status` exit 1 (work only here whose backup failed). */
export interface Problem { level: 'error' | 'warning' | 'info'; code: string; message: string }

/** One triage row (`status --all --json` prints these). Times are Unix seconds. */
export interface TriageRow extends BranchStatus {
  repo: string;
  host: string;
  role: Role;
  roleSource: 'repository' | 'machine' | 'default';
  installed: boolean;
  localOnly: LocalOnly;
  wip: { ref: string; lastPushedAt: number | null; lastResult: 'ok' | 'error' | null; lastError: string | null; pending: number };
  others: NewerElsewhere[];
  problems: Problem[];
}

const LEVEL = { error: 0, warning: 1, info: 2 } as const;

/**
 * The repository context of `repo`. A directory with a `.git` directory is the top of a main work
 * tree: its context is built from the path (one `git rev-parse` fewer per repository; bench/).
 * Anything else (a linked worktree's `.git` file, a subdirectory) asks git.
 */
async function contextOf(repo: string): Promise<RepoContext> {
  const dotGit = path.join(repo, '.git');
  let isDir = false;
  try {
    isDir = fs.statSync(dotGit).isDirectory() && fs.existsSync(path.join(dotGit, 'HEAD'));
  } catch {
    /* not there: ask git, which says what is wrong */
  }
  if (!isDir) return openRepo(repo);
  const top = fs.realpathSync(repo);
  const gitDir = path.join(top, '.git');
  return { top, gitDir, commonDir: gitDir, dxDir: path.join(gitDir, 'dx') };
}

/** The worst level of a row's problems (`ok` when none). */
export function worst(row: Pick<TriageRow, 'problems'>): 'error' | 'warning' | 'info' | 'ok' {
  return row.problems.reduce<'error' | 'warning' | 'info' | 'ok'>((w, p) => (w === 'ok' || LEVEL[p.level] < LEVEL[w] ? p.level : w), 'ok');
}

/** Sort rows problems first (errors, then warnings), then by path. Pure. */
export function sortRows<T extends Pick<TriageRow, 'problems' | 'repo'>>(rows: T[]): T[] {
  const rank = (r: T) => ({ error: 0, warning: 1, info: 2, ok: 3 })[worst(r)];
  return [...rows].sort((a, b) => rank(a) - rank(b) || (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : 0));
}

/**
 * Triage the repository at `repo` for `host`.
 * @throws DxError NOT_A_REPO / BARE_REPO when `repo` is not a work tree (the batch reports it as failed)
 */
export async function triageRepo(repo: string | RepoContext, machine: MachineConfig, host: string, now = Math.floor(Date.now() / 1000)): Promise<TriageRow> {
  if (typeof repo === 'string' && !fs.existsSync(repo)) throw new DxError('NOT_A_REPO', `${repo} does not exist`, 'Fix the path, or remove it from the machine config\'s "repos".');
  // A caller with the repository open (sync, status) passes its context: what it read already is not read again.
  const ctx = typeof repo === 'string' ? await contextOf(repo) : repo;
  const problems: Problem[] = [];
  let config: DxConfig;
  try {
    config = (await loadConfig(ctx.top, dxPaths(ctx).configCache, machine.allowJsConfig === true)).config;
  } catch (err) {
    config = defaultConfig();
    problems.push({ level: 'warning', code: 'CONFIG_INVALID', message: `${describeError(err).split('\n').map((l) => l.trim()).filter(Boolean).join(' ')} (defaults used)` });
  }
  const [st, localOnly] = await Promise.all([branchStatus(ctx), localOnlyCommits(ctx)]);
  // An upstream means a remote; only without one is the config asked.
  const remote = st.upstream !== null || (await hasRemote(ctx));
  const { state, corrupt } = readState(ctx);
  const ref = wipRef(config.wip.refPrefix, host, st.branch);
  const ws = state.wip[ref];
  const pending = Object.values(state.wip).filter((w) => w.pending);
  const installed = fs.existsSync(dxPaths(ctx).install);
  const others = st.branch ? newerElsewhere(ctx, st.branch) : { records: [], error: null };
  const { role, source } = effectiveRole(config, machine);

  for (const w of pending) {
    const p = w.pending!;
    problems.push({ level: 'error', code: 'BACKUP_FAILED', message: `WIP backup of ${p.branch ?? 'a detached HEAD'} failing for ${span(p.since, now)} (${p.attempts} attempt(s)): ${p.error}` });
  }
  // Another machine writing this host's WIP refs (wip/collision.ts): recorded by a push, status or doctor.
  if (state.collisions?.length) {
    const { collisionFix, collisionMessage, collisionsOf } = await import('../wip/collision.js');
    for (const c of collisionsOf(host, state.collisions)) problems.push({ level: 'error', code: 'HOST_COLLISION', message: `${collisionMessage(c)}. ${collisionFix()}` });
  }
  for (const p of state.refPushes) problems.push({ level: 'error', code: 'BACKUP_FAILED', message: `push of ${p.refs.join(', ')} failing for ${span(p.since, now)}: ${p.error}` });
  if (localOnly.count && remote) {
    const old = localOnly.oldest !== null && now - localOnly.oldest > config.divergence.staleHours * 3600;
    problems.push({
      level: old ? 'error' : 'info',
      code: 'LOCAL_ONLY',
      message: `${localOnly.count} commit(s) only on this host, oldest ${span(localOnly.oldest ?? now, now)} old${old ? ' — no WIP backup of them landed: push them, and see why the backup failed (dx-hooks status)' : ''}`,
    });
  }
  if (!remote) problems.push({ level: 'warning', code: 'NO_REMOTE', message: 'no remote: nothing here is backed up anywhere else (git remote add origin <url>)' });
  if (st.upstream && st.upstream.ahead > 0 && st.upstream.behind > 0) {
    problems.push({ level: 'warning', code: 'DIVERGED', message: `${st.branch} and ${st.upstream.ref} have diverged: ${st.upstream.ahead} ahead, ${st.upstream.behind} behind (as of the last fetch)` });
  }
  for (const o of others.records) {
    problems.push({ level: 'warning', code: 'NEWER_ELSEWHERE', message: `host ${o.host} has newer WIP of ${o.branch} (${o.count === null ? 'work' : `${o.count} commit(s)`} this branch lacks, pushed ${age(o.ts, now)}): ${o.restore}` });
  }
  if (others.error) problems.push({ level: 'warning', code: 'WARN_FILE_INVALID', message: others.error });
  // Installed, but are the hooks still the ones git runs? (issue 11; one git call: where git runs hooks from now.) The alert file follows, for the hooks' banner.
  if (installed) {
    const health = await refreshHookAlert(ctx, { askGit: true, machine }).catch(async () => checkHookHealth(ctx, { hooksDir: await effectiveHooksDir(ctx) }));
    for (const p of health.problems) problems.push({ level: 'error', code: 'HOOKS_NOT_RUN', message: `${p.message} — work is NOT protected there; fix: dx-hooks doctor --fix` });
  }
  if (!installed) problems.push({ level: 'warning', code: 'NOT_INSTALLED', message: 'dx-hooks is not installed here: commits are not backed up (npx dx-hooks install)' });
  if (corrupt) problems.push({ level: 'warning', code: 'STATE_CORRUPT', message: corrupt });
  if (state.index.pending?.attempts) problems.push({ level: 'warning', code: 'INDEX_PENDING', message: `index update pending: ${state.index.pending.error}` });
  else if (state.index.pending) problems.push({ level: 'info', code: 'INDEX_QUEUED', message: `index update ${state.index.pending.error}` });

  return {
    repo: ctx.top,
    host,
    ...st,
    role,
    roleSource: source,
    installed,
    localOnly,
    wip: { ref, lastPushedAt: ws?.lastPushedAt ?? null, lastResult: ws?.lastResult ?? null, lastError: ws?.lastError ?? null, pending: pending.length },
    others: others.records,
    problems: problems.sort((a, b) => LEVEL[a.level] - LEVEL[b.level]),
  };
}
