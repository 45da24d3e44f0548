/**
 * What a WIP push keeps aside on the remote, in the same atomic push, so that nothing it replaces is
 * lost: snapshots of uncommitted work (refs/dx/snapshots/) and — for a slot that holds unrelated lines
 * of work one after the other, a detached HEAD's — the earlier commits the new one does not contain
 * (refs/dx/displaced/, where a foreign value found on the ref goes too).
 */
import type { RepoContext } from '../context.js';
import { gitTry } from '../git.js';
import { displacedRef, keptSnapshotRef, slotKeepsReplaced } from './ref.js';

/**
 * The refs to push beside `sha` on `host`'s WIP ref of `branch` (null: detached HEAD) for the values
 * it replaces (`replaced`: 40-hex shas, duplicates and `sha` itself ignored). On an ordinary branch
 * every replaced value is a snapshot and is kept as one; on a slot that keeps what it replaces
 * (ref.ts slotKeepsReplaced) a value `sha` contains is dropped (it stays reachable), a snapshot is
 * kept as a snapshot and a commit under refs/dx/displaced/. One git call per value on such a slot.
 */
export async function keptAside(ctx: RepoContext, host: string, branch: string | null, sha: string, replaced: string[]): Promise<{ ref: string; sha: string }[]> {
  const values = [...new Set(replaced)].filter((v) => v !== sha);
  if (!slotKeepsReplaced(branch)) return values.map((v) => ({ ref: keptSnapshotRef(host, branch, v), sha: v }));
  const out: { ref: string; sha: string }[] = [];
  const { SNAPSHOT_TRAILER } = values.length ? await import('../snapshot.js') : { SNAPSHOT_TRAILER: '' };
  for (const v of values) {
    if ((await gitTry(['merge-base', '--is-ancestor', v, sha], { cwd: ctx.top })).code === 0) continue;
    const body = await gitTry(['cat-file', 'commit', v], { cwd: ctx.top });
    const snapshot = body.code === 0 && new RegExp(`^${SNAPSHOT_TRAILER}: `, 'm').test(body.stdout);
    out.push({ ref: snapshot ? keptSnapshotRef(host, branch, v) : displacedRef(host, branch, v), sha: v });
  }
  return out;
}
