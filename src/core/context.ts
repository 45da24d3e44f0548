/**
 * The repository context every core function takes explicitly (never process.cwd()): the work
 * tree, the per-worktree git dir, and the common dir whose `dx/` folder holds dx-hooks' state —
 * shared by all linked worktrees of one repository. What depends on one worktree's `.dxrc` or work
 * tree (the hook state, the config cache, the guard's drift state) lives in `<git-dir>/dx/` instead.
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

/**
 * Paths of dx-hooks' files (one place names them all): under `<git-common-dir>/dx/` what the
 * repository shares, under `<git-dir>/dx/` what belongs to one worktree (the same folder for the
 * main worktree; `<git-common-dir>/worktrees/<name>/dx/` for a linked one).
 */
export function dxPaths(ctx: RepoContext) {
  const d = ctx.dxDir;
  const w = path.join(ctx.gitDir, 'dx');
  return {
    ledger: path.join(d, 'events.jsonl'),
    state: path.join(d, 'state.json'),
    queue: path.join(d, 'queue'),
    banner: path.join(d, 'banner'),
    warnDir: path.join(d, 'warn'),
    /** Unix seconds of the worker's last look at other hosts' WIP (runtime.sh dx_checkout_due) */
    warningsRefreshed: path.join(d, 'warnings-refreshed'),
    /** counts of commits other hosts' WIP holds that a local branch lacks, per (WIP sha, tip sha): wip/newer.ts */
    newerCache: path.join(d, 'newer-cache.json'),
    lock: path.join(d, 'worker'),
    /** the pid of the process holding the worker lock, for the hooks (one worker per burst: runtime.sh dx_worker_live) */
    workerPid: path.join(d, 'worker.pid'),
    /** the pid of the sh a hook started a background worker with, alive as long as its node (runtime.sh dx_start_worker) */
    workerStarting: path.join(d, 'worker.starting'),
    workerLog: path.join(d, 'worker.log'),
    /** this worktree's validated .dxrc (config/load.ts) */
    configCache: path.join(w, 'config-cache.json'),
    /** this worktree's hook state, the one file the sh hooks read (hookstate/format.ts) */
    hookState: path.join(w, 'hook-state'),
    hooksDir: path.join(d, 'hooks'),
    install: path.join(d, 'install.json'),
    /** guard telemetry when `guard.telemetry` is not set */
    telemetry: path.join(d, 'telemetry.jsonl'),
    /** the drifts the guard already logged (so each drift is logged once) */
    guardState: path.join(w, 'guard-state.json'),
    /** lock serialising guard runs (hooks, --watch, the scheduler) */
    guardLock: path.join(w, 'guard'),
  };
}
