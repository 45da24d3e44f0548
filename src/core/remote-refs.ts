/**
 * Mirroring a few local refs to the remote as they are now (checkpoint tags, and what undo puts
 * back): each ref is pushed when it exists locally and deleted on the remote when it does not.
 * `--no-verify` so dx-hooks never re-enters its own pre-push; bounded by the network timeout.
 */
import type { RepoContext } from './context.js';
import { gitTry } from './git.js';
import { readRef } from './refs.js';
import { lastLines, NETWORK_TIMEOUT_MS } from './wip/remote.js';

/** Outcome of a mirror push: `error` is git's words when it failed (nothing is retried here). */
export interface PushRefsResult { ok: boolean; remote: string; refs: string[]; error: string | null }

/**
 * Push `refs` to `remote` in one atomic push: present locally → pushed (forced only with `force`),
 * absent locally → deleted on the remote.
 */
export async function pushRefs(ctx: RepoContext, remote: string, refs: string[], opts: { force?: boolean } = {}): Promise<PushRefsResult> {
  const specs: string[] = [];
  const deletions: string[] = [];
  for (const ref of refs) {
    if (await readRef(ctx, ref)) specs.push(`${opts.force ? '+' : ''}${ref}:${ref}`);
    else deletions.push(ref);
  }
  if (deletions.length) {
    // Deleting what the remote does not have is an error to git, and no error to us.
    const ls = await gitTry(['ls-remote', '--', remote, ...deletions], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
    if (ls.code !== 0) return { ok: false, remote, refs, error: lastLines(ls.stderr) };
    const there = new Set(ls.stdout.split('\n').map((l) => l.split('\t')[1]).filter(Boolean));
    for (const ref of deletions) if (there.has(ref)) specs.push(`:${ref}`);
  }
  if (!specs.length) return { ok: true, remote, refs, error: null };
  const r = await gitTry(['push', '--no-verify', '--quiet', '--atomic', '--', remote, ...specs], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  return { ok: r.code === 0, remote, refs, error: r.code === 0 ? null : lastLines(r.stderr) };
}
