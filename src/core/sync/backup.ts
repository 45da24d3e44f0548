/**
 * Before a reference repository is reset, everything that exists only on this host goes to this
 * host's WIP refs on the remote: the work tree (uncommitted and untracked work, as a snapshot whose
 * parent is HEAD, so HEAD's unpushed commits ride along) and every other local branch holding
 * commits no remote-tracking ref and no landed WIP push reaches. Then the remote is read back to
 * verify each push landed. Anything short of that is a failure: the caller must not reset.
 */
import { dxPaths } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { git, gitTry } from '../git.js';
import type { HeadState } from '../head.js';
import { acquireLock, workerLockStaleMs } from '../lock.js';
import type { Session } from '../session.js';
import type { Snapshot } from '../snapshot.js';
import { mirror, type MirrorItem } from '../wip/mirror.js';
import { wipRef } from '../wip/ref.js';
import { lsRemote } from '../wip/remote.js';

/** What the backup pushed and verified: each WIP ref and the sha the remote now holds. */
export interface Backup { refs: { ref: string; sha: string; branch: string | null; dirty: boolean }[] }

/** Local branches (other than `except`) with commits only on this host: name → tip. */
export async function localOnlyBranches(s: Session, except: string | null): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = (await git(['for-each-ref', '--format=%(objectname) %(refname:short)', 'refs/heads/'], { cwd: s.ctx.top })).split('\n').filter(Boolean);
  for (const line of list) {
    const sp = line.indexOf(' ');
    const sha = line.slice(0, sp);
    const branch = line.slice(sp + 1);
    if (branch === except) continue;
    const n = await gitTry(['rev-list', '--count', sha, '--not', '--remotes', '--glob=refs/dx/pushed'], { cwd: s.ctx.top });
    if (n.code === 0 && Number(n.stdout.trim()) > 0) out.set(branch, sha);
  }
  return out;
}

/** The mirror items a backup needs: the work tree snapshot (or HEAD when it holds only-here commits) and the other only-here branches. */
export async function backupItems(s: Session, head: HeadState, before: Snapshot): Promise<MirrorItem[]> {
  const items: MirrorItem[] = [];
  if (before.dirty) items.push({ branch: head.branch, sha: before.sha, dirty: true, base: head.sha });
  else if (head.sha) {
    const n = await gitTry(['rev-list', '--count', head.sha, '--not', '--remotes', '--glob=refs/dx/pushed'], { cwd: s.ctx.top });
    if (n.code === 0 && Number(n.stdout.trim()) > 0) items.push({ branch: head.branch, sha: head.sha, dirty: false, base: head.sha });
  }
  for (const [branch, sha] of await localOnlyBranches(s, head.branch)) items.push({ branch, sha, dirty: false, base: sha });
  return items;
}

/**
 * Push `items` as this host's WIP (under the worker lock) and verify on the remote that each landed.
 * @throws DxError BACKUP_FAILED (exit 1) when a push failed or the remote does not show it; LOCKED
 */
export async function backupAndVerify(s: Session, remote: string, items: MirrorItem[]): Promise<Backup> {
  if (!items.length) return { refs: [] };
  const release = await acquireLock(dxPaths(s.ctx).lock, 30_000, workerLockStaleMs(), s.ctx.commonDir);
  if (!release) throw new DxError('LOCKED', 'another dx-hooks worker has held the lock for 30 s', 'Try again in a moment.', EXIT.FAILED);
  let report;
  try {
    report = await mirror(s, items);
  } finally {
    await release();
  }
  if (report.failed.length) {
    throw new DxError('BACKUP_FAILED', `the backup of the work only on this host could not be pushed: ${report.failed.map((f) => f.error).join('; ')}`, 'Nothing was reset. Fix the remote (dx-hooks status shows the pending push) and sync again.', EXIT.FAILED);
  }
  const refs = items.map((i) => ({ ref: wipRef(s.config.wip.refPrefix, s.host, i.branch), sha: i.sha, branch: i.branch, dirty: i.dirty }));
  let onRemote: Map<string, string>;
  try {
    onRemote = await lsRemote(s.ctx, remote, refs.map((r) => r.ref));
  } catch (err) {
    throw new DxError('BACKUP_FAILED', `the backup could not be verified on "${remote}": ${(err as Error).message}`, 'Nothing was reset; sync again when the remote answers.', EXIT.FAILED);
  }
  const missing = refs.filter((r) => onRemote.get(r.ref) !== r.sha);
  if (missing.length) {
    throw new DxError('BACKUP_FAILED', `the remote does not hold the backup: ${missing.map((m) => `${m.ref} is ${onRemote.get(m.ref)?.slice(0, 12) ?? 'missing'}, expected ${m.sha.slice(0, 12)}`).join('; ')}`, 'Nothing was reset; sync again.', EXIT.FAILED);
  }
  return { refs };
}
