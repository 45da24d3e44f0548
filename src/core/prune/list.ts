/**
 * What prune looks at, read from ONE fetch into a scratch namespace (never the user's
 * remote-tracking refs): every WIP and kept-aside ref on the remote with its tip's committer date,
 * and how many of its commits no ordinary remote branch holds.
 */
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { git } from '../git.js';
import { fetchQuiet } from '../wip/fetch.js';
import { lastLines } from '../wip/remote.js';
import { classifyRemoteRef, isOrdinaryBranch, remoteNamespaces, type PruneCandidate } from './plan.js';

/** The scratch ref standing for remote ref `ref` (`refs/x/y` → `<scratch>/x/y`). */
function scratchName(scratch: string, ref: string): string {
  return `${scratch}/${ref.slice('refs/'.length)}`;
}

/**
 * Fetch the remote's branches, WIP refs and kept-aside refs into `scratch` (a namespace from
 * scratchNamespace(); the caller drops it, after keeping what it deletes reachable) and read the
 * candidates. Refs that do not point at a commit are left out (prune never deletes what it cannot read).
 * @returns candidates (unsorted) and the number of ordinary branches they were compared with
 * @throws DxError REMOTE_UNREACHABLE when the fetch fails
 */
export async function readCandidates(ctx: RepoContext, remote: string, prefix: string, scratch: string): Promise<{ candidates: PruneCandidate[]; branches: number }> {
  const specs = remoteNamespaces(prefix).map((ns) => `+${ns}/*:${scratchName(scratch, ns)}/*`);
  const f = await fetchQuiet(ctx, remote, specs);
  if (f.code !== 0) {
    throw new DxError('REMOTE_UNREACHABLE', `cannot fetch the WIP refs from "${remote}": ${lastLines(f.stderr)}`, 'Check the network and the remote URL (git remote -v); nothing was deleted.');
  }
  const listed = await git(['for-each-ref', '--format=%(objectname) %(objecttype) %(committerdate:unix) %(*objectname) %(*objecttype) %(*committerdate:unix) %(refname)', `${scratch}/`], { cwd: ctx.top });
  const found: { ref: string; sha: string; committed: number }[] = [];
  for (const line of listed.split('\n').filter(Boolean)) {
    const [sha, type, ct, peeled, peeledType, peeledCt, ...name] = line.split(' ');
    const commit = type === 'commit' ? { sha, ct } : peeledType === 'commit' ? { sha: peeled, ct: peeledCt } : null;
    if (!commit?.sha) continue;
    found.push({ ref: 'refs/' + name.join(' ').slice(scratch.length + 1), sha: commit.sha, committed: Number(commit.ct) || 0 });
  }
  const branchTips = [...new Set(found.filter((r) => isOrdinaryBranch(prefix, r.ref)).map((r) => r.sha))];
  const exclude = branchTips.map((sha) => `^${sha}\n`).join('');
  const candidates: PruneCandidate[] = [];
  for (const r of found) {
    const what = classifyRemoteRef(prefix, r.ref);
    if (!what) continue;
    // Shas on stdin (not argv): a remote with thousands of branches never hits the argv limit.
    const count = await git(['rev-list', '--count', '--stdin'], { cwd: ctx.top, input: `${r.sha}\n${exclude}` });
    const onlyHere = Number(count.trim());
    // Never guess "merged": an unreadable count would make an unmerged ref deletable.
    if (!Number.isInteger(onlyHere)) throw new DxError('GIT_OUTPUT', `git rev-list --count printed "${count.trim()}" for ${r.ref}`, 'Run with DX_DEBUG=1 and report it; nothing was deleted.');
    candidates.push({ ...what, ref: r.ref, sha: r.sha, committed: r.committed, onlyHere });
  }
  return { candidates, branches: branchTips.length };
}
