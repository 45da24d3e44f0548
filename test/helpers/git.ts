// Why: the one place tests spawn processes, plus builders for the real repositories the
// tests need — bare remotes, clones standing for hosts, and a pre-receive hook that stands
// for branch protection. Always argv arrays, never a shell string built from data.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Sandbox } from './sandbox.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; 128 + signal number when killed by a signal. */
  code: number;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Default 60000 ms. */
  timeoutMs?: number;
}

/**
 * Runs `cmd args` (no shell) and collects stdout/stderr as UTF-8. Never throws on a non-zero
 * exit. Throws if the binary cannot be spawned, or on timeout (after SIGKILL to the child's
 * whole process group) with an Error naming the command.
 */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise<RunResult>((resolve, reject) => {
    // detached: own process group, so a timeout also kills hooks/daemons the command started.
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: 'pipe', detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      child.stdout.destroy();
      child.stderr.destroy();
      const stderr = Buffer.concat(err).toString('utf8');
      finish(() => reject(new Error(`timed out after ${timeoutMs} ms: ${cmd} ${JSON.stringify(args)} (cwd ${opts.cwd})\nstderr: ${stderr}`)));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => finish(() => reject(new Error(`cannot run ${cmd} ${JSON.stringify(args)}: ${e.message}`, { cause: e }))));
    child.on('close', (code, signal) => {
      const sig = signal ? (os.constants.signals[signal] ?? 0) : 0;
      finish(() =>
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code: code ?? 128 + sig,
        }),
      );
    });
    child.stdin.on('error', () => {}); // the child may exit without reading its input (EPIPE)
    child.stdin.end(opts.input ?? '');
  });
}

export type GitResult = RunResult & {
  /** stdout without its final newline. */
  out: string;
};

/**
 * Runs git in `cwd` with `env`. Throws an Error containing args, exit code and stderr when the
 * exit code is non-zero, unless opts.allowFail. Spawn failures and timeouts throw as in run().
 */
export async function git(cwd: string, env: NodeJS.ProcessEnv, args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<GitResult> {
  const r = await run('git', args, { cwd, env, input: opts.input });
  if (r.code !== 0 && !opts.allowFail) {
    throw new Error(`git ${JSON.stringify(args)} failed with code ${r.code} in ${cwd}\nstderr: ${r.stderr}`);
  }
  return { ...r, out: r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout };
}

/** `git init --bare -b main` at sb.tmp(name); returns its absolute path. */
export async function createBareRemote(sb: Sandbox, name = 'remote.git'): Promise<string> {
  const dir = sb.tmp(name);
  await git(sb.root, sb.env, ['init', '--quiet', '--bare', '-b', 'main', dir]);
  return dir;
}

/** Clones remoteDir to a temp dir, commits README.md ("seed\n") on main, pushes main; returns the seed sha. */
export async function seedRemote(sb: Sandbox, remoteDir: string): Promise<string> {
  const dir = await mkdtemp(path.join(sb.root, 'seed-'));
  await git(sb.root, sb.env, ['clone', '--quiet', remoteDir, dir]);
  await git(dir, sb.env, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  await writeFile(path.join(dir, 'README.md'), 'seed\n');
  await git(dir, sb.env, ['add', 'README.md']);
  await git(dir, sb.env, ['commit', '--quiet', '-m', 'seed']);
  await git(dir, sb.env, ['push', '--quiet', 'origin', 'main']);
  return (await git(dir, sb.env, ['rev-parse', 'HEAD'])).out;
}

/** A working repository standing for one host (env carries DX_HOST). */
export interface Host {
  name: string;
  /** Absolute path of the work tree. */
  dir: string;
  /** sb.env plus DX_HOST=name. */
  env: NodeJS.ProcessEnv;
  /** git() in dir with env. */
  git(args: string[], opts?: { input?: string; allowFail?: boolean }): Promise<GitResult>;
  /** Writes dir/rel, creating parent directories. */
  write(rel: string, content: string | Buffer): Promise<void>;
  /** Writes files (rel -> content) if given, `git add -A`, `git commit -m message` (hooks run); returns the HEAD sha. Throws if the commit fails. */
  commit(message: string, files?: Record<string, string>): Promise<string>;
}

function makeHost(name: string, dir: string, sb: Sandbox): Host {
  const env: NodeJS.ProcessEnv = { ...sb.env, DX_HOST: name };
  const host: Host = {
    name,
    dir,
    env,
    git: (args, opts) => git(dir, env, args, opts),
    async write(rel, content) {
      const file = path.join(dir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    },
    async commit(message, files) {
      for (const [rel, content] of Object.entries(files ?? {})) await host.write(rel, content);
      await host.git(['add', '-A']);
      await host.git(['commit', '--quiet', '-m', message]);
      return (await host.git(['rev-parse', 'HEAD'])).out;
    },
  };
  return host;
}

/** A Host for a work tree that already exists at `dir` (a linked worktree, say), with DX_HOST=name. */
export function hostAt(sb: Sandbox, name: string, dir: string): Host {
  return makeHost(name, dir, sb);
}

/** git clone remote (path or URL) into sb.tmp(dirName ?? `host-${hostName}`); returns the Host. */
export async function cloneAs(sb: Sandbox, remote: string, hostName: string, dirName?: string): Promise<Host> {
  const dir = sb.tmp(dirName ?? `host-${hostName}`);
  await git(sb.root, sb.env, ['clone', '--quiet', remote, dir]);
  return makeHost(hostName, dir, sb);
}

/** git init -b main at sb.tmp(dirName), no remote; returns the Host. */
export async function initRepo(sb: Sandbox, dirName: string, hostName = 'host1'): Promise<Host> {
  const dir = sb.tmp(dirName);
  await mkdir(dir, { recursive: true });
  await git(dir, sb.env, ['init', '--quiet', '-b', 'main']);
  return makeHost(hostName, dir, sb);
}

// Fixed text: the protected refs and the message live in files next to the hook.
const PRE_RECEIVE = `#!/bin/sh
# Test stand-in for branch protection: reject updates to refs listed in protected-refs.
hooks_dir=$(dirname "$0")
list="$hooks_dir/protected-refs"
rejected=0
while read -r old new ref; do
  if [ -f "$list" ] && grep -qxF -- "$ref" "$list"; then
    rejected=1
    printf '%s: ' "$ref" >&2
    cat "$hooks_dir/protected-message" >&2
  fi
done
exit $rejected
`;

/**
 * Installs an executable hooks/pre-receive in the bare remoteDir that rejects (exit 1, message on
 * stderr) any push updating one of `refs`, accepting everything else. A ref without a `refs/`
 * prefix means `refs/heads/<ref>`. Throws on a ref containing a newline.
 */
export async function rejectPushesTo(remoteDir: string, refs: string[], message = 'protected branch'): Promise<void> {
  const full = refs.map((r) => {
    if (/[\r\n]/.test(r)) throw new Error(`rejectPushesTo: invalid ref ${JSON.stringify(r)}`);
    return r.startsWith('refs/') ? r : `refs/heads/${r}`;
  });
  const hooks = path.join(remoteDir, 'hooks');
  await mkdir(hooks, { recursive: true });
  await writeFile(path.join(hooks, 'protected-refs'), full.map((r) => `${r}\n`).join(''));
  await writeFile(path.join(hooks, 'protected-message'), `${message.replace(/\n+$/, '')}\n`);
  const script = path.join(hooks, 'pre-receive');
  await writeFile(script, PRE_RECEIVE);
  await chmod(script, 0o755);
}

/** `git ls-remote remote [pattern]` as Map ref -> sha. Throws if git fails (e.g. unreachable remote). */
export async function lsRemote(env: NodeJS.ProcessEnv, remote: string, pattern?: string): Promise<Map<string, string>> {
  const args = ['ls-remote', remote, ...(pattern === undefined ? [] : [pattern])];
  const r = await git(env.HOME ?? os.tmpdir(), env, args);
  const refs = new Map<string, string>();
  for (const line of r.out.split('\n')) {
    if (!line) continue;
    const [sha, ref] = line.split('\t');
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}
