// Why: e2e tests drive the built CLI exactly as a user's shell would — `node dist/cli.js` —
// in a host's work tree with its pinned environment.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './git.ts';

/** Absolute path of the package root (two levels above test/helpers). */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Absolute path of the built CLI, <packageRoot>/dist/cli.js (not checked to exist). */
export const dxBin: string = path.join(packageRoot, 'dist', 'cli.js');

/**
 * Runs `node dist/cli.js ...args` in h.dir with h.env plus opts.env. Never throws on a non-zero
 * exit; throws only if node cannot be spawned or on timeout (default 60000 ms).
 */
export function dx(h: { dir: string; env: NodeJS.ProcessEnv }, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(process.execPath, [dxBin, ...args], { cwd: h.dir, env: { ...h.env, ...opts.env }, input: opts.input, timeoutMs: opts.timeoutMs });
}

/** Runs dx with args plus '--json'; returns the parsed stdout. Throws (with stdout/stderr) on a non-zero exit or non-JSON stdout. */
export async function dxJson<T = unknown>(h: { dir: string; env: NodeJS.ProcessEnv }, args: string[]): Promise<T> {
  const r = await dx(h, [...args, '--json']);
  if (r.code !== 0) throw new Error(`dx ${JSON.stringify(args)} --json exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    throw new Error(`dx ${JSON.stringify(args)} --json printed invalid JSON: ${(e as Error).message}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`, { cause: e });
  }
}
