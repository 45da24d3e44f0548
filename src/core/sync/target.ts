/** Where a reference repository is reset to: the remote's default branch, as fetched just now. */
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';
import { lastLines, NETWORK_TIMEOUT_MS } from '../wip/remote.js';

/**
 * `git fetch --prune <remote>` (bounded by the network timeout).
 * @throws DxError FETCH_FAILED (exit 1) with git's words
 */
export async function fetchPrune(ctx: RepoContext, remote: string): Promise<void> {
  const r = await gitTry(['fetch', '--prune', '--quiet', '--', remote], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code !== 0) throw new DxError('FETCH_FAILED', `git fetch --prune ${remote} failed: ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).', EXIT.FAILED);
}

/** The remote's default branch and its fetched tip. */
export interface ResetTarget { branch: string; ref: string; sha: string }

/**
 * The remote's default branch: `refs/remotes/<remote>/HEAD`, else asked of the remote
 * (`ls-remote --symref`). Its tip is fetched into `refs/remotes/<remote>/<branch>` when missing.
 * @throws DxError NO_DEFAULT_BRANCH (exit 1)
 */
export async function resetTarget(ctx: RepoContext, remote: string): Promise<ResetTarget> {
  const cwd = ctx.top;
  let branch: string | null = null;
  const sym = await gitTry(['symbolic-ref', '-q', `refs/remotes/${remote}/HEAD`], { cwd });
  const prefix = `refs/remotes/${remote}/`;
  if (sym.code === 0 && sym.stdout.trim().startsWith(prefix)) branch = sym.stdout.trim().slice(prefix.length);
  if (!branch) {
    const ls = await gitTry(['ls-remote', '--symref', '--', remote, 'HEAD'], { cwd, timeoutMs: NETWORK_TIMEOUT_MS });
    const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(ls.stdout);
    if (m) branch = m[1] as string;
  }
  if (!branch) throw new DxError('NO_DEFAULT_BRANCH', `cannot tell the default branch of "${remote}"`, `Set it: git remote set-head ${remote} --auto`, EXIT.FAILED);
  const ref = `${prefix}${branch}`;
  let tip = await gitTry(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { cwd });
  let fetchError = '';
  if (tip.code !== 0) {
    const f = await gitTry(['fetch', '--quiet', '--no-tags', '--', remote, `+refs/heads/${branch}:${ref}`], { cwd, timeoutMs: NETWORK_TIMEOUT_MS });
    if (f.code !== 0) fetchError = ` (fetching it failed: ${f.stderr.trim().split('\n').pop() ?? ''})`;
    tip = await gitTry(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { cwd });
  }
  if (tip.code !== 0) throw new DxError('NO_DEFAULT_BRANCH', `"${remote}" has no branch ${branch} to reset to${fetchError}`, `Check: git ls-remote ${remote}`, EXIT.FAILED);
  return { branch, ref, sha: tip.stdout.trim() };
}
