/**
 * `guard --repair` (issue 5): bring missing critical files back and set lost exec bits, after a
 * snapshot of the work tree and with a ledger line (`guard.repair`) that `dx-hooks undo` reverses.
 * Files go straight to the work tree from their blobs: the user's index and HEAD are not touched.
 * Nothing in the way is overwritten (a directory where a file should be is reported, not removed),
 * and nothing is written through a symbolic link (PATH_THROUGH_SYMLINK, reported per path).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';
import { gitBytes } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { chmodInside, createInside, symlinkInside } from '../nofollow.js';
import { keepReachable } from '../refs.js';
import type { Session } from '../session.js';
import { snapshotBefore } from '../workingtree/before.js';
import type { Drift } from './check.js';
import { findSource } from './source.js';

/** What the repair did to one path: `restored` (content from `from`), `chmod` (exec bit set), or `failed` (`error` says why). */
export interface Repaired { path: string; from: string; action: 'restored' | 'chmod' | 'failed'; error?: string }

/** The result: per path, the snapshot taken first, and the ledger event (null when nothing could be repaired). */
export interface RepairResult { repaired: Repaired[]; snapshot: string | null; id: string | null }

/** `mode` with an x bit for everyone who may read (what `chmod +x` does under a 022 umask). */
const withExec = (mode: number) => mode | ((mode & 0o444) >> 2);

function occupied(abs: string): boolean {
  try {
    fs.lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

async function restoreOne(s: Session, d: Drift): Promise<Repaired> {
  const abs = path.join(s.ctx.top, d.path);
  // Never through a link, at any component (a critical file committed as a link to ~/.bashrc, say).
  if (d.event === 'critical_not_executable') {
    chmodInside(s.ctx.top, abs, withExec(fs.lstatSync(abs).mode & 0o7777));
    return { path: d.path, from: 'chmod +x', action: 'chmod' };
  }
  if (occupied(abs)) return { path: d.path, from: '', action: 'failed', error: `something that is not a regular file is at ${d.path}: move it away, then run guard --repair again` };
  const src = await findSource(s, d.path);
  if (!src) return { path: d.path, from: '', action: 'failed', error: 'no commit, WIP ref or snapshot ever had it: nothing to restore from (dx-hooks diagnose tells its history)' };
  const bytes = await gitBytes(['cat-file', 'blob', src.blob], { cwd: s.ctx.top });
  if (src.mode === '120000') symlinkInside(s.ctx.top, bytes.toString('utf8'), abs);
  else createInside(s.ctx.top, abs, bytes, src.mode === '100755' ? 0o755 : 0o644);
  return { path: d.path, from: src.from, action: 'restored' };
}

/**
 * Repair `drifts` (a glob below its minCount has no file to restore: it is reported as failed).
 * Takes a snapshot first and writes one ledger line before touching anything.
 * @throws DxError / GitError when the snapshot or the ledger cannot be written (then nothing was changed)
 */
export async function repairDrifts(s: Session, drifts: readonly Drift[]): Promise<RepairResult> {
  const fixable = drifts.filter((d) => d.path !== d.entry || !/[*?[\]{}]/.test(d.entry));
  const failed: Repaired[] = drifts.filter((d) => !fixable.includes(d)).map((d) => ({ path: d.path, from: '', action: 'failed', error: d.reason }));
  if (!fixable.length) return { repaired: failed, snapshot: null, id: null };
  const before = await snapshotBefore(s, 'guard --repair');
  const head = await headState(s.ctx);
  const id = newEventId();
  await keepReachable(s.ctx, id, [before.sha]);
  appendLedger(s.ctx, {
    id, host: s.host, op: 'guard.repair', ok: true, paths: fixable.map((d) => d.path).slice(0, 1000),
    detail: {
      summary: `guard --repair: ${fixable.length} critical path(s) (${fixable.slice(0, 3).map((d) => d.path).join(', ')}${fixable.length > 3 ? ', …' : ''})`,
      snapshot: before.sha,
      undo: { worktree: { snapshot: before.sha, head: head.sha, branch: head.branch } },
    },
  });
  const repaired = [...failed];
  for (const d of fixable) {
    try {
      repaired.push(await restoreOne(s, d));
    } catch (err) {
      repaired.push({ path: d.path, from: '', action: 'failed', error: describeError(err) });
    }
  }
  const bad = repaired.filter((r) => r.action === 'failed');
  if (bad.length) appendLedger(s.ctx, { host: s.host, op: 'guard.repair', ok: false, paths: bad.map((r) => r.path), error: bad.map((r) => `${r.path}: ${r.error}`).join('; '), detail: { event: id } });
  return { repaired, snapshot: before.sha, id };
}
