/**
 * The one place that runs git. Everything goes through argv (never a shell string), with an
 * explicit working directory, an environment cleared of the variables git exports into hooks
 * (GIT_DIR, GIT_INDEX_FILE, ...), and ANY non-zero exit turned into a GitError — except in
 * `gitTry`, where a non-zero exit is the answer (`merge-base --is-ancestor`, `diff --quiet`).
 * Ordinary calls use simple-git; calls that feed stdin use a bare spawn (simple-git has no stdin).
 */
import { spawn } from 'node:child_process';
import type { SimpleGit, SimpleGitFactory } from 'simple-git';
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
}

/** process.env without hook-exported git variables, plus GIT_TERMINAL_PROMPT=0 (never hang on a prompt) and GIT_OPTIONAL_LOCKS=0. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !HOOK_VARS.includes(k)) env[k] = v;
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_OPTIONAL_LOCKS = '0';
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

// simple-git is imported on first use (~20 ms): commands and hooks that only spawn never pay for it.
let simpleGitFactory: SimpleGitFactory | null = null;

async function client(args: readonly string[], opts: GitOptions): Promise<SimpleGit> {
  simpleGitFactory ??= (await import('simple-git')).simpleGit;
  return simpleGitFactory({
    baseDir: opts.cwd,
    binary: gitBinary(),
    trimmed: false,
    timeout: opts.timeoutMs ? { block: opts.timeoutMs } : undefined,
    // The environment is the user's own (GIT_SSH_COMMAND, GIT_CONFIG_GLOBAL, EDITOR …): git must see it
    // exactly as the user's own git would. Our argv never carries repository data into such options.
    unsafe: {
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeEditor: true,
      allowUnsafePager: true,
      allowUnsafeGitProxy: true,
      allowUnsafeTemplateDir: true,
      allowUnsafeDiffExternal: true,
    },
    errors(error, result) {
      if (result.exitCode === 0 && !error) return undefined;
      const stderr = Buffer.concat(result.stdErr).toString('utf8');
      return new GitError(args, result.exitCode ?? -1, stderr || (error instanceof Error ? error.message : ''));
    },
  }).env(cleanEnv(opts.env));
}

/**
 * Run git and return its stdout (untrimmed). Throws GitError on any non-zero exit, on a timeout, or
 * when git cannot start.
 */
export async function git(args: readonly string[], opts: GitOptions): Promise<string> {
  debug(args, opts.cwd);
  if (opts.input !== undefined) {
    const r = await spawnGit(args, opts);
    if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
    return r.stdout;
  }
  try {
    return await (await client(args, opts)).raw([...args]);
  } catch (err) {
    if (err instanceof GitError) throw err;
    throw new GitError(args, -1, err instanceof Error ? err.message : String(err));
  }
}

/**
 * `git(...)` through a bare spawn instead of simple-git: for hot paths where bench/ showed
 * simple-git's per-call cost matters (snapshots: ~15-40 ms per call under load). Same contract:
 * stdout, GitError on any non-zero exit.
 */
export async function gitRaw(args: readonly string[], opts: GitOptions): Promise<string> {
  debug(args, opts.cwd);
  const r = await spawnGit(args, opts);
  if (r.code !== 0) throw new GitError(args, r.code, r.stderr);
  return r.stdout;
}

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
 * `gitRaw` returning stdout as bytes: for blobs (`cat-file blob`), which may be binary.
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
    const child = spawn(gitBinary(), [...args], { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      resolve({ code: -1, stdout: '', stderr: e.message, bytes: Buffer.alloc(0) });
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (timedOut ? `\ntimed out after ${opts.timeoutMs} ms` : '');
      const bytes = Buffer.concat(out);
      resolve({ code: timedOut ? -1 : (code ?? -1), stdout: bytes.toString('utf8'), stderr, bytes });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
