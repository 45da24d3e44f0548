/**
 * `dx-hooks sync` for one repository, by role (DESIGN §1, issue 4):
 * - active: `git fetch --prune`, retry pending WIP, refresh other hosts' WIP, and report divergence.
 *   HEAD, the index and the work tree are never touched — no pull, no reset.
 * - reference: back up everything only here as this host's WIP and verify it landed; only then
 *   check out the remote's default branch and reset the work tree to it (restoreWorkingTree: files
 *   left out of the backup — secrets, big or ignored files — stay as they are, and so does dx-hooks'
 *   own config that was never committed: own-config.ts). Refused when it
 *   would rewind protected paths changed only here (unless forced). Ledger line first; undoable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT, describeError } from '../errors.js';
import { git, gitBestEffort, gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { protectionInForce } from '../protect/inforce.js';
import { keepReachable, readRef } from '../refs.js';
import { effectiveRole, type Role } from '../role.js';
import type { Session } from '../session.js';
import { triageRepo, type TriageRow } from '../triage/row.js';
import { snapshotBefore } from '../workingtree/before.js';
import { removedPaths, restoreWorkingTree } from '../workingtree/restore.js';
import { resolveRemote } from '../wip/remote.js';
import type { VanishedReport } from '../wip/vanished.js';
import { backupAndVerify, backupItems, type Backup } from './backup.js';
import { absentFrom, dirtyBeyond, ownUntrackedConfig } from './own-config.js';
import { fetchPrune, resetTarget, type ResetTarget } from './target.js';

/** What sync did (or, with `dryRun`, would do) in one repository. `steps` are the plan in words. */
export interface SyncResult {
  repo: string;
  role: Role;
  remote: string;
  action: 'fetched' | 'reset' | 'up-to-date' | 'planned';
  steps: string[];
  backup: Backup | null;
  /** `kept`: files left as they were that the backup could not hold; `ownConfig`: dx-hooks' own untracked config, kept (own-config.ts) */
  reset: { branch: string; from: string | null; to: string; event: string; snapshot: string; kept: string[]; ownConfig: string[] } | null;
  report: TriageRow;
  /** dx refs found gone from the remote at the start, and what was restored (wip/vanished.ts) */
  vanished?: VanishedReport | null;
}

/** A git operation in progress makes a reset unsafe. Returns its name, or null. */
function operationInProgress(gitDir: string): string | null {
  const marks: [string, string][] = [['MERGE_HEAD', 'a merge'], ['rebase-merge', 'a rebase'], ['rebase-apply', 'a rebase or git am'], ['CHERRY_PICK_HEAD', 'a cherry-pick'], ['REVERT_HEAD', 'a revert'], ['index.lock', 'another git command (index.lock)']];
  const hit = marks.find(([f]) => fs.existsSync(path.join(gitDir, f)));
  return hit ? hit[1] : null;
}

/** Protected paths this host changed that `target` lacks: what a reset would rewind. */
async function protectedRewinds(s: Session, tips: string[], target: string): Promise<string[]> {
  const inForce = await protectionInForce(s);
  const isProtected = inForce.isProtected;
  if (!inForce.paths.length) return [];
  const hits = new Set<string>();
  for (const tip of tips) {
    const mb = await gitTry(['merge-base', tip, target], { cwd: s.ctx.top });
    const from = mb.code === 0 ? mb.stdout.trim() : target;
    const diff = await git(['diff', '--name-only', '-z', '--no-renames', from, tip], { cwd: s.ctx.top });
    diff.split('\0').filter(Boolean).filter(isProtected).forEach((p) => hits.add(p));
  }
  return [...hits].sort();
}

/**
 * Sync the repository of `s`.
 * @throws DxError NO_REMOTE, FETCH_FAILED, BACKUP_FAILED, NO_DEFAULT_BRANCH, SYNC_BUSY, PROTECTED (exit 1) — a reference
 *         repository is then left exactly as it was (its backup may already be on the remote)
 */
export async function syncRepo(s: Session, opts: { force?: boolean; dryRun?: boolean } = {}): Promise<SyncResult> {
  try {
    return await syncOnce(s, opts);
  } catch (err) {
    // Every failure reaches the ledger (a refusal already wrote its own line); the batch keeps it failed for --retry-failed.
    if (!(err instanceof DxError && err.code === 'PROTECTED')) appendLedger(s.ctx, { host: s.host, op: 'sync', ok: false, error: describeError(err), detail: { dryRun: !!opts.dryRun } });
    throw err;
  }
}

async function syncOnce(s: Session, opts: { force?: boolean; dryRun?: boolean }): Promise<SyncResult> {
  const { ctx } = s;
  const { role } = effectiveRole(s.config, s.machine);
  const head = await headState(ctx);
  const remote = await resolveRemote(ctx, s.config.remote, head.branch);
  // dx refs deleted from the remote behind pre-push's back come back first, before a fetch --prune forgets this host's copies.
  const { guardRemoteRefs } = await import('../wip/vanished.js');
  const vanished = opts.dryRun ? null : await guardRemoteRefs(s, { lock: true });
  if (role === 'active') {
    const steps = [`git fetch --prune ${remote}`, 'push pending WIP and refresh other hosts\' WIP', 'report divergence (HEAD, index and work tree untouched)'];
    if (opts.dryRun) return { repo: ctx.top, role, remote, action: 'planned', steps, backup: null, reset: null, report: await triageRepo(ctx, s.machine, s.host) };
    const indexFetched = await fetchPrune(ctx, remote, { index: s.config.wip.enabled });
    if (s.config.wip.enabled) {
      const { runWorker } = await import('../wip/worker.js');
      await runWorker(s, { waitLockMs: 5000, refreshWarnings: true, guardRemote: false, indexFetched });
    }
    appendLedger(ctx, { host: s.host, op: 'sync', ok: true, detail: { role, remote } });
    return { repo: ctx.top, role, remote, action: 'fetched', steps, backup: null, reset: null, report: await triageRepo(ctx, s.machine, s.host), vanished };
  }

  const busy = operationInProgress(ctx.gitDir);
  if (busy) throw new DxError('SYNC_BUSY', `${busy} is in progress in ${ctx.top}`, 'Finish or abort it, then sync again. Nothing was changed.', EXIT.FAILED);
  const taken = await snapshotBefore(s, `sync (reference): reset to ${remote}`);
  // dx-hooks' own untracked config stays where it is: on its own it is nothing to back up or reset.
  const own = await ownUntrackedConfig(s);
  const before = { ...taken, dirty: await dirtyBeyond(ctx, taken, head.sha, own) };
  const items = await backupItems(s, head, before);
  const steps = [
    items.length ? `back up ${items.length} WIP ref(s) to ${remote} and verify they landed: ${items.map((i) => `${i.branch ?? 'detached'}${i.dirty ? ' (work tree)' : ''}`).join(', ')}` : 'nothing exists only here: no backup needed',
    `git fetch --prune ${remote}`,
    `check out ${remote}'s default branch and reset the work tree to it (files left out of the backup stay as they are)`,
  ];
  if (opts.dryRun) return { repo: ctx.top, role, remote, action: 'planned', steps, backup: null, reset: null, report: await triageRepo(ctx, s.machine, s.host) };
  const backup = await backupAndVerify(s, remote, items);
  await fetchPrune(ctx, remote);
  const target: ResetTarget = await resetTarget(ctx, remote);
  const branchRef = `refs/heads/${target.branch}`;
  const oldTip = await readRef(ctx, branchRef);
  const rewinds = await protectedRewinds(s, [...new Set([before.sha, ...(oldTip ? [oldTip] : [])])], target.sha);
  if (rewinds.length && !opts.force) {
    appendLedger(ctx, { host: s.host, op: 'sync.reset', ok: false, error: 'refused: protected paths', paths: rewinds, detail: { remote, target: target.sha } });
    throw new DxError('PROTECTED', `refused: resetting to ${target.ref} would rewind protected paths changed only here — ${rewinds.join(', ')}`, `They are backed up on the remote (${backup.refs.map((r) => r.ref).join(', ') || 'nothing was only here'}). Reset anyway: dx-hooks sync --force`, EXIT.FAILED);
  }
  // Own config the remote has committed meanwhile is not kept: the committed file wins (the local one is in the
  // undo snapshot, and in the backup when other work made one).
  const keep = await absentFrom(ctx, target.sha, own);
  const upToDate = head.branch === target.branch && head.sha === target.sha && !before.dirty;
  const id = newEventId();
  if (!upToDate) {
    await keepReachable(ctx, id, [before.sha, ...(oldTip ? [oldTip] : [])]);
    const removed = (await removedPaths(ctx, before.sha, target.sha)).filter((p) => !keep.includes(p));
    appendLedger(ctx, {
      id,
      host: s.host,
      op: 'sync.reset',
      ok: true,
      refs: { [branchRef]: { old: oldTip, new: target.sha } },
      paths: rewinds,
      detail: {
        remote,
        role,
        target: target.ref,
        snapshot: before.sha,
        removed,
        backup: backup.refs,
        forced: rewinds.length > 0,
        summary: `sync reset ${target.branch} to ${target.ref} ${target.sha.slice(0, 12)} (was ${head.branch ?? 'detached'} ${head.sha?.slice(0, 12) ?? 'unborn'}${before.dirty ? ', uncommitted work in the snapshot' : ''})`,
        undo: { refs: { [branchRef]: oldTip }, worktree: { snapshot: before.sha, head: head.sha, branch: head.branch } },
      },
    });
  }
  let kept: string[] = [];
  try {
    if (!upToDate) kept = (await restoreWorkingTree(ctx, { snapshot: target.sha, head: target.sha, branch: target.branch }, before, { keep })).kept;
    await gitBestEffort(['branch', `--set-upstream-to=${target.ref.slice('refs/remotes/'.length)}`, target.branch], { cwd: ctx.top }, 'a convenience: sync finds the target without an upstream too');
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'sync.reset', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
  return {
    repo: ctx.top,
    role,
    remote,
    action: upToDate ? 'up-to-date' : 'reset',
    steps,
    backup,
    reset: upToDate ? null : { branch: target.branch, from: head.sha, to: target.sha, event: id, snapshot: before.sha, kept: kept.filter((p) => !keep.includes(p)), ownConfig: keep },
    report: await triageRepo(ctx, s.machine, s.host),
    vanished,
  };
}
