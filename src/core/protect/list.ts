/**
 * The protected paths the hooks check in sh (the `protect` and `p` lines of the hook state,
 * hookstate/format.ts): every path of HEAD matched by the protection in force (inforce.ts: the work
 * tree's .dxrc ∪ HEAD's committed one), so an uncommitted .dxrc edit cannot empty the list. `head`
 * names the commit it was built for: pre-commit trusts "nothing protected" only at that HEAD, so a
 * stale list never makes the check weaker. (Critical paths have their own lines: guardrail/cache.ts.)
 */
import { git } from '../git.js';
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { protectionInForce, type ProtectSource } from './inforce.js';

/**
 * What the hooks need of the protection in force. `list`: `[git mode, path]` of HEAD's protected
 * paths (paths holding a newline are left out: the line format cannot carry them).
 */
export interface ProtectListing { pathsSet: boolean; committed: boolean; head: string | null; list: Array<[string, string]>; sources: ProtectSource[] }

/**
 * A list built before, offered for reuse: `reuse(head, sources)` returns it when it was built for this
 * HEAD under the same protection (the caller compares its fingerprint), else null.
 */
export type ReuseList = (head: string | null, sources: readonly ProtectSource[]) => Array<[string, string]> | null;

/**
 * Build the listing for the session's HEAD: one `ls-tree -r` when protect.paths is set, none when
 * `reuse` gives the list already built for this HEAD and protection (the worker runs after every commit
 * and checkout; a 28k-file tree costs ~100 ms to list).
 * @throws GitError when HEAD exists but its tree cannot be listed (never an empty list for a failure)
 */
export async function protectListing(s: Session, reuse?: ReuseList): Promise<ProtectListing> {
  const headSha = (await headState(s.ctx)).sha;
  const inForce = await protectionInForce(s);
  const kept = inForce.paths.length && headSha ? (reuse?.(headSha, inForce.sources) ?? null) : null;
  const list: Array<[string, string]> = kept ? [...kept] : [];
  if (inForce.paths.length && headSha && !kept) {
    const out = await git(['ls-tree', '-r', '-z', '--full-tree', 'HEAD'], { cwd: s.ctx.top });
    const seen = new Set<string>();
    for (const rec of out.split('\0')) {
      const tab = rec.indexOf('\t');
      if (tab < 0) continue;
      const p = rec.slice(tab + 1);
      if (p.includes('\n') || p.includes('\r') || seen.has(p) || !inForce.isProtected(p)) continue;
      seen.add(p);
      list.push([rec.slice(0, rec.indexOf(' ')), p]);
    }
  }
  return {
    pathsSet: inForce.paths.length > 0,
    // pre-commit may skip its check only when HEAD has no committed config either (a staged one could take its protection away).
    committed: inForce.sources.some((x) => x.from.startsWith('HEAD:')),
    head: headSha,
    list,
    sources: inForce.sources,
  };
}
