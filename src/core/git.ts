/**
 * The one git runner: the only module that starts git. Everything goes through argv (never a shell
 * string), with an explicit working directory, an environment cleared of the variables git exports
 * into hooks (GIT_DIR, GIT_INDEX_FILE, ...), git's language pinned (`LC_ALL=C`, no `LANGUAGE`: we
 * match git's words in a few places, and a translated git must not change an answer) and
 * `-c submodule.recurse=false` on every call. Three kinds of call:
 * - strict (`git`, `gitRaw`, `gitLine`, `gitBytes`): ANY non-zero exit is a GitError;
 * - the exit code is the answer (`gitTry`: `merge-base --is-ancestor`, `rev-parse --verify -q`);
 * - best-effort (`gitBestEffort`): a failure is said under DX_DEBUG with why it may fail, never thrown.
 * One engine (a bare spawn) and one timeout meaning: `timeoutMs` is the wall-clock limit of the whole
 * call, after which git is killed. simple-git, the design card's first choice, was replaced inside
 * this runner: it was a second engine whose timeout meant "no output for N ms", it cannot feed stdin,
 * and bench/ measured ~20 ms to import and ~40 % more per call on the hot paths.
 */
import { spawn } from 'node:child_process';
import { GitError } from './errors.js';
import { safeJson } from './text/safe.js';

/** Variables git exports into hooks that would redirect our git calls into the wrong repository or index. */
const HOOK_VARS = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_QUARANTINE_PATH', 'GIT_REFLOG_ACTION',
  'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'GIT_CHERRY_PICK_HELP', 'GIT_REPLACE_REF_BASE',
  'DX_COMMON_DIR',
];

export interface GitOptions {
  /** working directory: a work tree, or a git dir for bare use */
  cwd: string;
  /** extra variables on top of the cleaned environment (e.g. a temporary GIT_INDEX_FILE) */
  env?: Record<string, string | undefined>;
  /** bytes written to git's stdin */
  input?: string | Buffer;
  /** kill git after this many ms (network calls); default: no limit for local calls */
  timeoutMs?: number;
  /**
   * Run no hook (`-c core.hooksPath=/dev/null`): ONLY for calls that write nothing but dx-hooks'
   * private refs (`refs/dx/…`), which our reference-transaction ignores anyway (runtime.sh 1b). Each
   * such update-ref otherwise starts two sh processes (prepared, committed): a worker round wrote three.
   */
  noHooks?: boolean;
}

/**
 * process.env without hook-exported git variables, plus GIT_TERMINAL_PROMPT=0 (never hang on a
 * prompt), GIT_OPTIONAL_LOCKS=0, and git's messages in English (`LC_ALL=C`, `LANGUAGE` removed).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !HOOK_VARS.includes(k) && k !== 'LANGUAGE') env[k] = v;
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_OPTIONAL_LOCKS = '0';
  env.LC_ALL = 'C';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The git binary: the real one the git guard passed (DX_REAL_GIT), so our own git calls never go back through the guard; else `git` on PATH. */
function gitBinary(): string {
  return process.env.DX_REAL_GIT || 'git';
}

function debug(args: readonly string[], cwd: string): void {
  if (process.env.DX_DEBUG === '1') process.stderr.write(`dx-hooks: git ${args.map((a) => safeJson(a)).join(' ')}  (in ${safeJson(cwd)})\n`);
}

/**
 * Run git and return its stdout (untrimmed). Throws GitError on any non-zero exit, on a timeout, or
 * when git cannot start.
 */
export async function git(args: readonly string[], opts: GitOptions): Promise<string> {
  debug(args, opts.cwd);
  const r = await spawnGit(args, opts);
  if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
  return r.stdout;
}

/** The same as `git` (one engine now); kept as the name the hot paths (snapshots) use. */
export const gitRaw = git;

/** `git(...)` with the trailing newline removed. */
export async function gitLine(args: readonly string[], opts: GitOptions): Promise<string> {
  return (await git(args, opts)).replace(/\n$/, '');
}

/** Result of a git run whose exit code is part of the answer. */
export interface GitResult { code: number; stdout: string; stderr: string }

/**
 * Run git where a non-zero exit is an answer, not a failure (`merge-base --is-ancestor`,
 * `rev-parse --verify -q`, `ls-remote` of an unreachable remote). Never throws for an exit code;
 * throws GitError only when git cannot start or the timeout (ms) kills it.
 */
export async function gitTry(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  debug(args, opts.cwd);
  const r = await spawnGit(args, opts);
  if (r.code === -1) throw new GitError(args, -1, r.stderr);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Best-effort: run git for something whose failure costs nothing now (a scratch ref left behind, a
 * record refreshed on the next run). Never throws; a failure (or git not starting) is written under
 * DX_DEBUG with `why` it is safe to go on. Returns whether git exited 0.
 */
export async function gitBestEffort(args: readonly string[], opts: GitOptions, why: string): Promise<boolean> {
  debug(args, opts.cwd);
  const r = await spawnGit(args, opts);
  if (r.code === 0) return true;
  if (process.env.DX_DEBUG === '1') process.stderr.write(`dx-hooks: (best-effort, ${why}) git ${args.map((a) => safeJson(a)).join(' ')} exited ${r.code}: ${safeJson(r.stderr.trim().slice(0, 500))}\n`);
  return false;
}

/**
 * `git` returning stdout as bytes: for blobs (`cat-file blob`), which may be binary.
 * @throws GitError on any non-zero exit
 */
export async function gitBytes(args: readonly string[], opts: GitOptions): Promise<Buffer> {
  debug(args, opts.cwd);
  const r = await spawnGit(args, opts);
  if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
  return r.bytes;
}

function spawnGit(args: readonly string[], opts: GitOptions): Promise<GitResult & { bytes: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(gitBinary(), ['-c', 'submodule.recurse=false', ...(opts.noHooks ? ['-c', 'core.hooksPath=/dev/null'] : []), ...args], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (timedOut ? `\ntimed out after ${opts.timeoutMs} ms` : '');
      const bytes = Buffer.concat(out);
      resolve({ code: timedOut ? -1 : (code ?? -1), stdout: bytes.toString('utf8'), stderr, bytes });
    };
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ code: -1, stdout: '', stderr: e.message, bytes: Buffer.alloc(0) });
    });
    // Killed at the timeout: done when git itself exits. A helper it started (ssh, a remote helper)
    // may hold the pipes open for longer; it is not waited for (it ends on the broken pipe).
    child.on('exit', () => {
      if (!timedOut) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish(null);
    });
    child.on('close', (code) => finish(code));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
