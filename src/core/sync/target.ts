/** Where a reference repository is reset to: the remote's default branch, as fetched just now. */
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';
import { repoConfig } from '../repo-config.js';
import { lastLines, NETWORK_TIMEOUT_MS } from '../wip/remote.js';
import { INDEX_REF, LOCAL_INDEX_REF } from '../wipindex/store.js';

/**
 * `git fetch --prune <remote>` (bounded by the network timeout). With `index`, the same fetch also brings
 * the WIP index branch into its local copy (`+refs/heads/dx/index*:refs/dx/index*`, pruned when the remote
 * has none), so the warnings refresh after it needs no second fetch (issue 12). Explicit refspecs replace
 * the configured ones for that fetch, so the remote's `fetch` refspecs are passed along (a remote given
 * as a URL has none: only the index is fetched then, as before only FETCH_HEAD was).
 * @returns whether the index copy was fetched (false: not asked, or the remote is a URL with no refspecs)
 * @throws DxError FETCH_FAILED (exit 1) with git's words
 */
export async function fetchPrune(ctx: RepoContext, remote: string, opts: { index?: boolean } = {}): Promise<boolean> {
  const configured = opts.index ? [...((await repoConfig(ctx)).get(`remote.${remote}.fetch`) ?? [])].filter(Boolean) : [];
  const withIndex = opts.index && configured.length > 0;
  // A pattern, not the plain ref: a remote with no index branch yet is no error (and prunes the local copy).
  const refspecs = withIndex ? [...configured, `+${INDEX_REF}*:${LOCAL_INDEX_REF}*`] : [];
  const r = await gitTry(['fetch', '--prune', '--quiet', '--', remote, ...refspecs], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code !== 0) throw new DxError('FETCH_FAILED', `git fetch --prune ${remote} failed: ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).', EXIT.FAILED);
  return !!withIndex;
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
