/** Rebuilding the index from the WIP refs on the remote (the index is only a cache of them, DESIGN §4). */
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { git } from '../git.js';
import { dropNamespace, fetchQuiet, scratchNamespace } from '../wip/fetch.js';
import { commitInfo } from '../head.js';
import { SNAPSHOT_TRAILER } from '../snapshot.js';
import { parseWipRef } from '../wip/ref.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { lastLines, repoName } from '../wip/remote.js';
import { emptyIndex, entryKey, rebuildOnto, type IndexEntry, type WipIndex } from './format.js';
import { INDEX_REF, updateIndex } from './store.js';


/**
 * Fetch every WIP ref under `prefix` from `remote` and build an index from them: one entry per
 * (host, branch), `ts` = the commit's committer time, `dirty` when it is a snapshot commit.
 * @throws DxError REMOTE_UNREACHABLE when the fetch fails
 */
export async function indexFromWipRefs(ctx: RepoContext, remote: string, prefix: string, repo: string): Promise<WipIndex> {
  const SCRATCH = `${scratchNamespace()}/rebuild`;
  try {
    return await readWipRefs(ctx, remote, prefix, repo, SCRATCH);
  } finally {
    await dropNamespace(ctx, SCRATCH);
  }
}

async function readWipRefs(ctx: RepoContext, remote: string, prefix: string, repo: string, SCRATCH: string): Promise<WipIndex> {
  const r = await fetchQuiet(ctx, remote, [`+${prefix}/*:${SCRATCH}/*`]);
  if (r.code !== 0) throw new DxError('REMOTE_UNREACHABLE', `cannot fetch WIP refs from "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
  const listed = await git(['for-each-ref', '--format=%(objectname) %(refname)', `${SCRATCH}/`], { cwd: ctx.top });
  const index = emptyIndex(repo, Math.floor(Date.now() / 1000));
  for (const line of listed.split('\n').filter(Boolean)) {
    const sp = line.indexOf(' ');
    const sha = line.slice(0, sp);
    const local = line.slice(sp + 1);
    const ref = prefix + local.slice(SCRATCH.length);
    const who = parseWipRef(prefix, ref);
    if (!who) continue;
    const info = await commitInfo(ctx, sha);
    const dirty = new RegExp(`^${SNAPSHOT_TRAILER}:`, 'm').test(info.body);
    const entry: IndexEntry = { host: who.host, branch: who.branch, ref, sha, base: dirty ? (info.parents[0] ?? null) : sha, ts: info.committed, message: info.subject, dirty };
    index.entries[entryKey(entry)] = entry;
    const cur = index.hosts[entry.host];
    if (!cur || entry.ts >= cur.ts) index.hosts[entry.host] = { sha, branch: entry.branch, ts: entry.ts, message: entry.message };
  }
  return index;
}

/**
 * Rebuild the index on `remote` from its WIP refs and push it as a fast-forward (entries another host
 * writes meanwhile are kept), then write the `index.rebuild` ledger line (`by`: who asked, e.g. doctor).
 * The one rebuild behind `dx-hooks index rebuild` and `doctor --fix`.
 * @returns the pushed commit, the index, and how many entries it has
 * @throws DxError REMOTE_UNREACHABLE, INDEX_PUSH_FAILED
 */
export async function rebuildIndex(s: Session, remote: string, by?: string): Promise<{ commit: string | null; index: WipIndex; entries: number }> {
  const repo = await repoName(s, remote);
  const since = Math.floor(Date.now() / 1000);
  const fresh = await indexFromWipRefs(s.ctx, remote, s.config.wip.refPrefix, repo);
  const res = await updateIndex(s.ctx, remote, {
    host: s.host,
    repo,
    incoming: fresh.entries,
    rebuild: async () => fresh,
    transform: (base, now) => rebuildOnto(base, fresh.entries, since, now),
  });
  const entries = Object.keys(fresh.entries).length;
  appendLedger(s.ctx, { host: s.host, op: 'index.rebuild', ok: true, refs: { [INDEX_REF]: { new: res.commit } }, detail: { remote, entries, ...(by ? { by } : {}), ...(res.cut ? { cut: res.cut } : {}) } });
  return { commit: res.commit, index: res.index, entries };
}
