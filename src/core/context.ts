/**
 * The repository context every core function takes explicitly (never process.cwd()): the work
 * tree, the per-worktree git dir, and the common dir whose `dx/` folder holds dx-hooks' state —
 * shared by all linked worktrees of one repository.
 */
import path from 'node:path';
import { DxError, EXIT } from './errors.js';
import { gitTry } from './git.js';

/** Absolute paths describing one work tree of a repository. */
export interface RepoContext {
  /** top directory of the work tree; git runs here */
  top: string;
  /** this worktree's git dir (`.git`, or `.git/worktrees/<name>` for a linked worktree) */
  gitDir: string;
  /** the repository's common git dir (shared by worktrees) */
  commonDir: string;
  /** `<commonDir>/dx`: ledger, state, queue, hook runtime */
  dxDir: string;
}

/**
 * Open the repository containing `cwd`.
 * @throws DxError NOT_A_REPO (exit 2) outside a git work tree, BARE_REPO (exit 2) in a bare repository
 */
export async function openRepo(cwd: string): Promise<RepoContext> {
  // One git call: every command and worker starts here.
  const r = await gitTry(['rev-parse', '--path-format=absolute', '--is-bare-repository', '--git-dir', '--git-common-dir', '--show-toplevel'], { cwd });
  const [bare, gitDir, commonDir, top] = r.stdout.split('\n');
  if (r.code === 0 && bare === 'false' && gitDir && commonDir && top) return { top, gitDir, commonDir, dxDir: path.join(commonDir, 'dx') };
  const again = await gitTry(['rev-parse', '--is-bare-repository'], { cwd });
  if (again.code !== 0) {
    throw new DxError('NOT_A_REPO', `${cwd} is not inside a git repository (${again.stderr.trim().split('\n').pop() ?? ''})`, 'Run dx-hooks inside a git work tree (git init, or cd into a clone).', EXIT.USAGE);
  }
  if (again.stdout.trim() === 'true') {
    throw new DxError('BARE_REPO', `${cwd} is a bare repository`, 'dx-hooks protects work trees; run it in a clone with a work tree.', EXIT.USAGE);
  }
  throw new DxError('NOT_A_WORK_TREE', `${cwd} is inside a git dir, not a work tree`, 'Run dx-hooks from the work tree.', EXIT.USAGE);
}

/** Paths of dx-hooks' files under `<git-common-dir>/dx/` (one place names them all). */
export function dxPaths(ctx: RepoContext) {
  const d = ctx.dxDir;
  return {
    ledger: path.join(d, 'events.jsonl'),
    state: path.join(d, 'state.json'),
    queue: path.join(d, 'queue'),
    banner: path.join(d, 'banner'),
    pushMode: path.join(d, 'push-mode'),
    warnDir: path.join(d, 'warn'),
    lock: path.join(d, 'worker'),
    workerLog: path.join(d, 'worker.log'),
    configCache: path.join(d, 'config-cache.json'),
    hooksDir: path.join(d, 'hooks'),
    install: path.join(d, 'install.json'),
    divergence: path.join(d, 'divergence'),
    /** guard telemetry when `guard.telemetry` is not set */
    telemetry: path.join(d, 'telemetry.jsonl'),
    /** the drifts the guard already logged (so each drift is logged once) */
    guardState: path.join(d, 'guard-state.json'),
    /** lock serialising guard runs (hooks, --watch, the scheduler) */
    guardLock: path.join(d, 'guard'),
    /** `<x|-|g> <path>` lines the shims check after checkout, merge and rewrite */
    criticalList: path.join(d, 'critical-list'),
  };
}
