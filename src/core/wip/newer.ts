/**
 * Other hosts' newer WIP of every local branch, in a number of git calls that does not grow with
 * hosts × branches (issue 12: 50 hosts × 100 branches cost four git processes per pair, 87 s): one
 * `for-each-ref` for the local tips, the index grouped by branch once, one `cat-file --batch-check`
 * and one fetch for the WIP commits not here, and one `rev-list --count` per (WIP commit, local tip)
 * pair never counted before. Counts are kept in `<git-common-dir>/dx/newer-cache.json`: a pair's count
 * never changes, so the worker after the next commit counts only what moved.
 */
import { z } from 'zod';
import { commitsPresent } from '../blobs.js';
import { dxPaths } from '../context.js';
import { describeError } from '../errors.js';
import { git, gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { readJson, writeJson } from '../store/index.js';
import { entryKey, type IndexEntry, type WipIndex } from '../wipindex/format.js';
import { dropNamespace, fetchQuiet, scratchNamespace } from './fetch.js';

/** A newer WIP of a local branch on another host; `count` = commits it holds that the branch lacks (null when its objects could not be fetched). */
export interface NewerWip { entry: IndexEntry; localSha: string | null; count: number | null }

/** At most this many hosts are looked at (and warned about) per branch: a hostile index cannot flood a checkout. */
export const MAX_WARNINGS_PER_BRANCH = 5;

/** The count cache: `"<WIP sha> <local tip sha>"` → commits of the first the second lacks (0: contained). */
const CacheSchema = z.object({ schema_version: z.literal(1), counts: z.record(z.string().regex(/^[0-9a-f]{40,64} [0-9a-f]{40,64}$/), z.number().int().nonnegative()) });

function readCache(s: Session): Map<string, number> {
  const file = dxPaths(s.ctx).newerCache;
  const r = readJson(file, CacheSchema, 'newer-WIP count cache');
  if (r.kind === 'ok') return new Map(Object.entries(r.value.counts));
  // A cache: counted again, and said in the ledger (a corrupt file is never silent).
  if (r.kind === 'corrupt') appendLedger(s.ctx, { host: s.host, op: 'cache.corrupt', ok: false, error: r.problem.message, detail: { file } });
  return new Map();
}

/** The local branches' tips and their committer times (Unix seconds), from one `for-each-ref`. */
async function localTips(s: Session): Promise<Map<string, { sha: string; time: number }>> {
  const out = await git(['for-each-ref', '--format=%(objectname) %(committerdate:unix) %(refname)', 'refs/heads/'], { cwd: s.ctx.top });
  const tips = new Map<string, { sha: string; time: number }>();
  for (const line of out.split('\n')) {
    const [sha, time, ref] = line.split(' ', 3); // a ref name holds no space (git check-ref-format)
    if (sha && ref?.startsWith('refs/heads/')) tips.set(ref.slice('refs/heads/'.length), { sha, time: Number(time) || 0 });
  }
  return tips;
}

/**
 * For each local branch, other hosts' entries that hold work it lacks: a different sha, not older than
 * the branch tip's commit time (Unix seconds), not contained in it; the newest MAX_WARNINGS_PER_BRANCH per branch. With
 * `remote`, WIP commits not here yet are fetched in one fetch (into a scratch namespace, dropped after)
 * so they can be counted. Branches with nothing newer are absent from the map.
 * @throws GitError when the local branches cannot be listed or the object check fails
 */
export async function newerWipByBranch(s: Session, index: WipIndex, remote?: string): Promise<Map<string, NewerWip[]>> {
  const cwd = s.ctx.top;
  const others = Object.values(index.entries).filter((e) => e.host !== s.host);
  // No other host's WIP (one machine, or the first one): no branch to list, nothing to count.
  if (!others.length) {
    if (readCache(s).size) writeCache(s, {});
    return new Map();
  }
  const tips = await localTips(s);
  const byBranch = new Map<string, IndexEntry[]>();
  for (const e of others) {
    const tip = tips.get(e.branch);
    // Older than the tip's commit (whole seconds) is not newer work; the same second may be, and the count below decides.
    if (!tip || e.sha === tip.sha || e.ts < tip.time) continue;
    const list = byBranch.get(e.branch) ?? [];
    list.push(e);
    byBranch.set(e.branch, list);
  }
  const pairs: Array<{ branch: string; entry: IndexEntry; local: string; key: string }> = [];
  for (const [branch, list] of byBranch) {
    list.sort((a, b) => b.ts - a.ts || entryKey(a).localeCompare(entryKey(b)));
    const local = (tips.get(branch) as { sha: string }).sha;
    for (const entry of list.slice(0, MAX_WARNINGS_PER_BRANCH)) pairs.push({ branch, entry, local, key: `${entry.sha} ${local}` });
  }
  const cache = readCache(s);
  const uncounted = pairs.filter((p) => !cache.has(p.key));
  const shas = [...new Set(uncounted.map((p) => p.entry.sha))];
  let present = await commitsPresent(cwd, shas);
  const missing = uncounted.filter((p) => !present.has(p.entry.sha));
  if (missing.length && remote) {
    const ns = scratchNamespace();
    const refs = [...new Set(missing.map((p) => p.entry.ref))];
    try {
      await fetchQuiet(s.ctx, remote, refs.map((r, i) => `+${r}:${ns}/${i}`));
    } finally {
      await dropNamespace(s.ctx, ns);
    }
    present = await commitsPresent(cwd, shas);
  }
  for (const p of uncounted) {
    if (!present.has(p.entry.sha) || cache.has(p.key)) continue;
    const n = await gitTry(['rev-list', '--count', p.entry.sha, '--not', p.local], { cwd });
    if (n.code === 0) cache.set(p.key, Number(n.stdout.trim()));
  }
  const out = new Map<string, NewerWip[]>();
  for (const p of pairs) {
    const count = cache.get(p.key) ?? null;
    if (count === 0) continue; // contained in the branch already
    out.set(p.branch, [...(out.get(p.branch) ?? []), { entry: p.entry, localSha: p.local, count }]);
  }
  // Only the pairs of this run are kept: the cache stays as small as the warnings.
  writeCache(s, Object.fromEntries(pairs.filter((p) => cache.has(p.key)).map((p) => [p.key, cache.get(p.key) as number])));
  return out;
}

/** Write the count cache (dx/newer-cache.json); a failure is logged, never thrown: the next look counts again. */
function writeCache(s: Session, counts: Record<string, number>): void {
  try {
    writeJson(s.ctx.commonDir, dxPaths(s.ctx).newerCache, { schema_version: 1, counts }, { indent: 0, fsync: false });
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'cache.write', ok: false, error: `could not write the newer-WIP count cache: ${describeError(err)}` });
  }
}
