// Why: the e2e files that drive npm, husky and real clones share a few small tools — running
// npm/npx with the sandbox env, snapshotting a directory tree byte for byte, and asking the
// bare remote where a WIP ref points. Not a test file (no `.test.ts`), so the runner skips it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { lsRemote, run, type RunResult } from '../helpers/index.ts';

/** Runs `npm ...args` in cwd with env; throws with stdout/stderr on a non-zero exit. */
export async function npm(cwd: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  const r = await run('npm', args, { cwd, env, timeoutMs });
  if (r.code !== 0) throw new Error(`npm ${JSON.stringify(args)} exited ${r.code} in ${cwd}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Runs `npx ...args` in cwd with env; never throws on a non-zero exit (callers assert on it). */
export function npx(cwd: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run('npx', args, { cwd, env, timeoutMs });
}

/** Asserts a RunResult exited 0, printing its output otherwise. */
export function assertOk(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** One entry of a tree snapshot: type, permission bits and a content hash (or link target). */
export interface Entry { type: 'file' | 'dir' | 'link'; mode: number; digest: string }

/**
 * Every file, directory and symlink below `root` (relative path -> Entry), skipping the relative
 * paths in `skip` (and everything under them). Byte-exact: a changed byte, mode or new file shows.
 */
export async function snapshotTree(root: string, skip: string[] = []): Promise<Map<string, Entry>> {
  const snap = new Map<string, Entry>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = path.join(dir, name);
      const rel = path.relative(root, abs);
      if (skip.some((s) => rel === s || rel.startsWith(s + path.sep))) continue;
      const st = await lstat(abs);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) snap.set(rel, { type: 'link', mode, digest: await readlink(abs) });
      else if (st.isDirectory()) {
        snap.set(rel, { type: 'dir', mode, digest: '' });
        await walk(abs);
      } else snap.set(rel, { type: 'file', mode, digest: createHash('sha256').update(await readFile(abs)).digest('hex') });
    }
  };
  await walk(root);
  return snap;
}

/** Human-readable difference of two snapshots (empty when identical). */
export function diffTrees(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const out: string[] = [];
  for (const [p, e] of after) {
    const b = before.get(p);
    if (!b) out.push(`added ${p}`);
    else if (b.type !== e.type || b.mode !== e.mode || b.digest !== e.digest) out.push(`changed ${p} (${b.type} ${b.mode.toString(8)} -> ${e.type} ${e.mode.toString(8)}${b.digest !== e.digest ? ', content' : ''})`);
  }
  for (const p of before.keys()) if (!after.has(p)) out.push(`removed ${p}`);
  return out;
}

/** Permission bits of a file (e.g. 0o755). */
export async function modeOf(file: string): Promise<number> {
  return (await lstat(file)).mode & 0o777;
}

/** The WIP ref of host/branch under the default prefix (DESIGN §1). */
export function wipRefOf(host: string, branch: string): string {
  return `refs/heads/wip/${host}/${branch}`;
}

/** Where `ref` points on `remote` (undefined when absent). */
export async function remoteSha(env: NodeJS.ProcessEnv, remote: string, ref: string): Promise<string | undefined> {
  return (await lsRemote(env, remote)).get(ref);
}

/** The index file as `dx-hooks index show --json` prints it (DESIGN §4), the fields tests read. */
export interface WipIndex {
  schema_version: number;
  repo: string;
  entries: Record<string, { host: string; branch: string; ref: string; sha: string; message: string; dirty: boolean; ts: number }>;
  hosts: Record<string, { sha: string; branch: string }>;
}
