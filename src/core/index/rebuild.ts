/** Rebuilding the index from the WIP refs on the remote (the index is only a cache of them, DESIGN §4). */
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { git, gitTry } from '../git.js';
import { commitInfo } from '../head.js';
import { SNAPSHOT_TRAILER } from '../snapshot.js';
import { parseWipRef } from '../wip/ref.js';
import { lastLines, NETWORK_TIMEOUT_MS } from '../wip/remote.js';
import { emptyIndex, entryKey, type IndexEntry, type WipIndex } from './format.js';

const SCRATCH = 'refs/dx/rebuild';

/**
 * Fetch every WIP ref under `prefix` from `remote` and build an index from them: one entry per
 * (host, branch), `ts` = the commit's committer time, `dirty` when it is a snapshot commit.
 * @throws DxError REMOTE_UNREACHABLE when the fetch fails
 */
export async function indexFromWipRefs(ctx: RepoContext, remote: string, prefix: string, repo: string): Promise<WipIndex> {
  const r = await gitTry(['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--', remote, `+${prefix}/*:${SCRATCH}/*`], {
    cwd: ctx.top,
    timeoutMs: NETWORK_TIMEOUT_MS,
  });
  if (r.code !== 0) throw new DxError('REMOTE_UNREACHABLE', `cannot fetch WIP refs from "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
  const listed = await git(['for-each-ref', '--format=%(objectname) %(refname)', `${SCRATCH}/`], { cwd: ctx.top });
  const index = emptyIndex(repo, Math.floor(Date.now() / 1000));
  const drop: string[] = [];
  for (const line of listed.split('\n').filter(Boolean)) {
    const sp = line.indexOf(' ');
    const sha = line.slice(0, sp);
    const local = line.slice(sp + 1);
    drop.push(local);
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
  if (drop.length) await git(['update-ref', '--stdin'], { cwd: ctx.top, input: drop.map((d) => `delete ${d}\n`).join('') });
  return index;
}
