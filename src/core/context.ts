/**
 * The repository context every core function takes explicitly (never process.cwd()): the work
 * tree, the per-worktree git dir, and the common dir whose `dx/` folder holds dx-hooks' state —
 * shared by all linked worktrees of one repository. What depends on one worktree's `.dxrc` or work
 * tree (the hook state, the config cache, the guard's drift state) lives in `<git-dir>/dx/` instead.
 */
import fs from 'node:fs';
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
  // Every command and worker starts here: no git call where the files answer plainly, else one.
  const plain = plainMainWorkTree(cwd);
  if (plain) return plain;
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

/** Discovery variables the git runner keeps (it strips GIT_DIR and the other hook variables): with any set, git decides. */
const DISCOVERY_VARS = ['GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_TEST_ASSUME_DIFFERENT_OWNER'];

/**
 * The context of `cwd` read from its files, without git, when `cwd` is plainly the top of a main work
 * tree; else undefined (openRepo then asks `git rev-parse`, as before). Plainly means, as git's own
 * discovery (setup.c) would find it:
 * - `<cwd>/.git` is a real directory (no symlink, no gitfile) holding `HEAD`, `objects/` and `refs/`,
 *   with no `commondir` file (a linked worktree's git dir has one);
 * - both it and `cwd` are owned by this user (else git's `safe.directory` check decides);
 * - its `config` names no `worktree` (core.worktree, extensions.worktreeConfig), no `include`, no
 *   `extensions` (another object or ref format) and no `bare` other than `bare = false`: those are
 *   what can move the work tree or change what git reads (git takes core.bare and core.worktree from
 *   this one file: repository format, setup.c);
 * - no variable that changes discovery or passes config (`DISCOVERY_VARS`).
 * Paths are real paths, as `git rev-parse --path-format=absolute` gives them.
 */
function plainMainWorkTree(cwd: string): RepoContext | undefined {
  if (DISCOVERY_VARS.some((k) => process.env[k] !== undefined)) return undefined;
  try {
    const top = fs.realpathSync.native(cwd);
    const gitDir = path.join(top, '.git');
    const uid = process.getuid?.();
    const dirStat = fs.lstatSync(gitDir);
    if (!dirStat.isDirectory() || uid === undefined || dirStat.uid !== uid || fs.statSync(top).uid !== uid) return undefined;
    if (!fs.lstatSync(path.join(gitDir, 'HEAD')).isFile() || !fs.lstatSync(path.join(gitDir, 'objects')).isDirectory() || !fs.lstatSync(path.join(gitDir, 'refs')).isDirectory()) return undefined;
    if (fs.existsSync(path.join(gitDir, 'commondir'))) return undefined;
    const configFile = path.join(gitDir, 'config');
    if (!fs.lstatSync(configFile).isFile()) return undefined;
    const config = fs.readFileSync(configFile, 'utf8');
    if (/worktree|include|extensions/i.test(config)) return undefined;
    for (const m of config.matchAll(/\bbare\b(.*)/gi)) if (!/^\s*=\s*false\s*(?:[#;].*)?$/i.test(m[1] ?? '')) return undefined;
    return { top, gitDir, commonDir: gitDir, dxDir: path.join(gitDir, 'dx') };
  } catch {
    return undefined;
  }
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
    /** a copy of the last index text read from git, after a line naming its commit (wipindex/store.ts readIndexAt) */
    indexText: path.join(d, 'index-text'),
    /** the config committed at HEAD's commit, read once per commit (protect/inforce.ts headSource) */
    committedConfig: path.join(d, 'committed-config.json'),
    /** the last save of each agent session made here, so the next save reads nothing back from git (sessions/store.ts) */
    sessionMemo: path.join(d, 'session-memo'),
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
