// Why: every test runs git/npm/dx against a throwaway HOME, XDG tree and global gitconfig, so
// nothing leaks in from the developer's machine (or a surrounding git hook's GIT_DIR) and
// nothing the test does leaks out.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { run } from './git.ts';

export interface Sandbox {
  /** Absolute, symlink-resolved path of the sandbox directory (dx-test-* under os.tmpdir()). */
  root: string;
  /** Pinned environment: HOME, XDG_*, global gitconfig, identity, locale and TZ all point into/at the sandbox. */
  env: NodeJS.ProcessEnv;
  /** Returns path.join(root, name); creates nothing. */
  tmp(name: string): string;
  /** rm -rf root; when DX_KEEP_TMP=1 keeps it and prints the path to stderr instead. */
  cleanup(): Promise<void>;
}

const USER_NAME = 'Test User';
const USER_EMAIL = 'test@example.invalid';

/** Shared npm cache for all tests (speeds up repeated installs; never the real HOME's cache). */
export const npmCacheDir = path.join(os.tmpdir(), 'dx-hooks-test-npm-cache');

const GITCONFIG = `[user]
\tname = ${USER_NAME}
\temail = ${USER_EMAIL}
[init]
\tdefaultBranch = main
[gc]
\tauto = 0
[protocol "file"]
\tallow = always
[advice]
\tdetachedHead = false
`;

/** True for variables a test must never inherit: GIT_*, DX_*, HUSKY*, npm_config_* (case-insensitive). */
function isInherited(name: string): boolean {
  const n = name.toUpperCase();
  return !(n.startsWith('GIT_') || n.startsWith('DX_') || n.startsWith('HUSKY') || n.startsWith('NPM_CONFIG_'));
}

/** process.env minus GIT_*, DX_*, HUSKY*, npm_config_*. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && isInherited(k)) env[k] = v;
  return env;
}

/** True when `child` is `parent` or lies below it (both absolute, resolved). */
function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Throws if `dir` lies inside the git work tree that contains process.cwd(), so a test can
 * never create repositories (or run `git add -A`) inside the project itself.
 */
async function refuseInsideCwdRepo(dir: string): Promise<void> {
  const env = cleanEnv();
  const r = await run('git', ['rev-parse', '--show-toplevel'], { cwd: process.cwd(), env, timeoutMs: 10_000 });
  if (r.code !== 0) return; // cwd is not in a repository
  const top = await realpath(r.stdout.trim());
  if (isInside(await realpath(dir), top)) {
    throw new Error(`refusing to create a test sandbox at ${dir}: it is inside the git repository ${top}`);
  }
}

/**
 * Creates a sandbox: mkdtemp(os.tmpdir()/dx-test-*) with home/, xdg/{config,state,cache,data}/
 * and gitconfig, plus the pinned env (see Sandbox.env).
 * Throws if os.tmpdir() is inside the git repository of process.cwd().
 */
export async function makeSandbox(): Promise<Sandbox> {
  const base = await realpath(os.tmpdir());
  await refuseInsideCwdRepo(base);
  const root = await mkdtemp(path.join(base, 'dx-test-'));
  const home = path.join(root, 'home');
  const xdg = (d: string): string => path.join(root, 'xdg', d);
  for (const d of [home, xdg('config'), xdg('state'), xdg('cache'), xdg('data')]) await mkdir(d, { recursive: true });
  const gitconfig = path.join(root, 'gitconfig');
  await writeFile(gitconfig, GITCONFIG);

  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    HOME: home,
    XDG_CONFIG_HOME: xdg('config'),
    XDG_STATE_HOME: xdg('state'),
    XDG_CACHE_HOME: xdg('cache'),
    XDG_DATA_HOME: xdg('data'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: gitconfig,
    LC_ALL: 'C',
    TZ: 'UTC',
    // Plain output whatever the outer environment says (picocolors turns colour on when CI is set).
    NO_COLOR: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: USER_NAME,
    GIT_AUTHOR_EMAIL: USER_EMAIL,
    GIT_COMMITTER_NAME: USER_NAME,
    GIT_COMMITTER_EMAIL: USER_EMAIL,
    npm_config_cache: npmCacheDir,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };

  return {
    root,
    env,
    tmp: (name: string) => path.join(root, name),
    async cleanup() {
      if (process.env.DX_KEEP_TMP === '1') {
        process.stderr.write(`DX_KEEP_TMP=1: keeping test sandbox ${root}\n`);
        return;
      }
      await rm(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** node:test convenience: makeSandbox() whose cleanup runs in t.after. */
export async function withSandbox(t: TestContext): Promise<Sandbox> {
  const sb = await makeSandbox();
  t.after(() => sb.cleanup());
  return sb;
}

/**
 * Polls `check` (backing off from 25 ms to intervalMs, default 400 ms) until it returns a truthy value, which is
 * returned. Errors thrown by `check` propagate. Throws
 * Error(`timed out after ${timeoutMs} ms waiting for ${what}`) after timeoutMs (default 20000 ms);
 * `check` is always called at least once.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null>,
  opts: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  // Polls back off from 25 ms to `intervalMs` (default 400 ms): a check often spawns git, and on a
  // 2-core machine a tight poll takes the CPU from the very background work it waits for.
  const intervalMs = opts.intervalMs ?? 400;
  const deadline = Date.now() + timeoutMs;
  let delay = Math.min(25, intervalMs);
  for (;;) {
    const v = await check();
    if (v) return v;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(intervalMs, Math.ceil(delay * 1.6));
  }
}
