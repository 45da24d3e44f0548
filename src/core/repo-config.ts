/**
 * git's configuration as one command run sees it: one `git config -z --list` per RepoContext instead
 * of a `git config --get` per key (a sync asked three times per repository: the branch's remote, the
 * remote's URL, its fetch refspecs). Read-only callers only; a caller that sets config and reads it
 * back opens a new RepoContext.
 */
import type { RepoContext } from './context.js';
import { debugNote } from './debug.js';
import { gitTry } from './git.js';

/** key → every value, in git's order. Keys as `git config --list` prints them: section and variable lowercased, subsection as written. */
export type ConfigSnapshot = ReadonlyMap<string, readonly string[]>;

const snapshots = new WeakMap<RepoContext, Promise<ConfigSnapshot>>();

/**
 * The repository's effective config (system, global, local, worktree, includes: what `git config --get` reads).
 * An unreadable config yields an empty snapshot: callers then fall back to asking git, which says what is wrong.
 */
export function repoConfig(ctx: RepoContext): Promise<ConfigSnapshot> {
  let p = snapshots.get(ctx);
  if (!p) {
    p = readConfig(ctx);
    snapshots.set(ctx, p);
  }
  return p;
}

async function readConfig(ctx: RepoContext): Promise<ConfigSnapshot> {
  const r = await gitTry(['config', '-z', '--list'], { cwd: ctx.top });
  const out = new Map<string, string[]>();
  if (r.code !== 0) {
    // Said under DX_DEBUG; the callers fall back to git (`remote get-url`), whose failure is reported (NO_REMOTE).
    debugNote(`git config --list failed (${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}): falling back to git per call`);
    return out;
  }
  // -z: each entry is `key\nvalue\0`, or `key\0` for a key with no value (`[core] bare` style: true).
  for (const entry of r.stdout.split('\0')) {
    if (!entry) continue;
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    const value = nl < 0 ? 'true' : entry.slice(nl + 1);
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** The snapshot of `ctx` when something in this run already read it (repoConfig), else undefined: for callers that would rather ask git one question than list the whole config. */
export function knownRepoConfig(ctx: RepoContext): Promise<ConfigSnapshot> | undefined {
  return snapshots.get(ctx);
}

/** The last value of `key` (git's "last one wins" for single-valued keys), or undefined. */
export function lastValue(config: ConfigSnapshot, key: string): string | undefined {
  const v = config.get(key);
  return v ? v[v.length - 1] : undefined;
}
