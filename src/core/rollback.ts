/**
 * `dx-hooks rollback [N]` (the seed's soft reset, done safely): the branch goes back N commits
 * along its first parents while the index and the work tree stay exactly as they are — the
 * rolled-back changes show up as staged changes, nothing is lost. Planned first (data: which
 * commits, which protected paths they touched, which are merges), refused on protected paths or
 * merges unless forced, snapshotted, written to the ledger with its undo, then one ref move.
 */
import { DxError, EXIT, describeError } from './errors.js';
import { git } from './git.js';
import { headState } from './head.js';
import { appendLedger, newEventId } from './ledger.js';
import { protectionInForce } from './protect/inforce.js';
import { keepReachable, moveRefs } from './refs.js';
import type { Session } from './session.js';
import { snapshotBefore } from './workingtree/before.js';

/** How a rolled-back commit touched a protected path: A added, D deleted, M modified, T type changed, mode (exec bit) changed. */
export interface ProtectedTouch { path: string; change: 'A' | 'D' | 'M' | 'T' | 'mode' }

/** One commit the rollback takes off the branch (newest first). */
export interface RolledCommit { sha: string; subject: string; merge: boolean; protected: ProtectedTouch[] }

/** The plan: move `ref` from `from` to `to`, taking `commits` off. */
export interface RollbackPlan { ref: string; branch: string | null; from: string; to: string; commits: RolledCommit[]; paths: string[] }

/** What a rollback did: the plan, the ledger event (undo it with `dx-hooks undo <id>`) and the snapshot taken first. */
export interface RollbackResult extends RollbackPlan { id: string; snapshot: string; forced: boolean }

/** Protected paths a commit touched relative to its first parent. */
async function touched(s: Session, sha: string, parent: string, isProtected: (p: string) => boolean): Promise<{ all: string[]; hits: ProtectedTouch[] }> {
  const parts = (await git(['diff-tree', '-r', '-z', '--no-renames', '--raw', parent, sha], { cwd: s.ctx.top })).split('\0');
  const all: string[] = [];
  const hits: ProtectedTouch[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] ?? '';
    const p = parts[i + 1] ?? '';
    if (!meta.startsWith(':')) continue;
    all.push(p);
    if (!isProtected(p)) continue;
    const [oldMode, newMode, , , status] = meta.slice(1).split(' ');
    const change = status === 'M' && oldMode !== newMode ? 'mode' : (status as ProtectedTouch['change']);
    hits.push({ path: p, change });
  }
  return { all, hits };
}

/**
 * Plan rolling back `n` commits of the current branch (or detached HEAD).
 * @throws DxError USAGE (exit 2) for a bad N, NO_COMMITS / TOO_FAR (exit 1) when the history is too short
 */
export async function planRollback(s: Session, n: number): Promise<RollbackPlan> {
  if (!Number.isInteger(n) || n < 1) throw new DxError('USAGE', `rollback needs a positive whole number of commits, not "${n}"`, 'Example: dx-hooks rollback 2', EXIT.USAGE);
  const head = await headState(s.ctx);
  if (!head.sha) throw new DxError('NO_COMMITS', `${head.branch ?? 'HEAD'} has no commits to roll back`, undefined, EXIT.FAILED);
  const log = await git(['log', '--first-parent', `--max-count=${n + 1}`, '--format=%H%x1f%P%x1f%s%x1e', head.sha], { cwd: s.ctx.top });
  const rows = log.split('\x1e').map((r) => r.replace(/^\n/, '')).filter(Boolean).map((r) => r.split('\x1f'));
  const where = head.branch ?? 'HEAD';
  if (rows.length < n + 1) {
    throw new DxError('TOO_FAR', `${where} has ${rows.length} commit(s) on its first-parent line; at most ${rows.length - 1} can be rolled back, not ${n}`, 'Pick a smaller N (dx-hooks rollback 1).', EXIT.FAILED);
  }
  const isProtected = (await protectionInForce(s)).isProtected;
  const commits: RolledCommit[] = [];
  const paths = new Set<string>();
  for (const [sha, parents, subject] of rows.slice(0, n)) {
    const ps = (parents ?? '').split(' ').filter(Boolean);
    const t = await touched(s, sha as string, ps[0] as string, isProtected);
    t.all.forEach((p) => paths.add(p));
    commits.push({ sha: sha as string, subject: subject ?? '', merge: ps.length > 1, protected: t.hits });
  }
  const to = (rows[n] as string[])[0] as string;
  return { ref: head.branch ? `refs/heads/${head.branch}` : 'HEAD', branch: head.branch, from: head.sha, to, commits, paths: [...paths].sort() };
}

/** The refusal a plan meets without --force, or null. */
export function rollbackRefusal(plan: RollbackPlan): DxError | null {
  const where = plan.branch ?? 'HEAD';
  const hits = plan.commits.filter((c) => c.protected.length);
  if (hits.length) {
    const list = hits.map((c) => `${c.sha.slice(0, 12)} "${c.subject}": ${c.protected.map((p) => `${p.path} (${p.change})`).join(', ')}`).join('; ');
    return new DxError('PROTECTED', `refused: rolling back ${plan.commits.length} commit(s) of ${where} would take back changes to protected paths — ${list}`, 'Nothing was changed. If that is really intended: dx-hooks rollback ' + plan.commits.length + ' --force (undo it later with dx-hooks undo).', EXIT.FAILED);
  }
  const merges = plan.commits.filter((c) => c.merge);
  if (merges.length) {
    return new DxError('MERGE_IN_RANGE', `refused: the last ${plan.commits.length} commit(s) of ${where} include merge(s) ${merges.map((c) => `${c.sha.slice(0, 12)} "${c.subject}"`).join(', ')}`, `Nothing was changed. Rolling back a merge keeps the merged changes as staged changes; if that is intended: dx-hooks rollback ${plan.commits.length} --force`, EXIT.FAILED);
  }
  return null;
}

/**
 * Roll back `n` commits.
 * @throws DxError from planRollback, PROTECTED / MERGE_IN_RANGE (exit 1, nothing changed) unless `force`
 */
export async function rollback(s: Session, n: number, opts: { force?: boolean } = {}): Promise<RollbackResult> {
  const plan = await planRollback(s, n);
  const refusal = rollbackRefusal(plan);
  if (refusal && !opts.force) {
    appendLedger(s.ctx, { host: s.host, op: 'rollback', ok: false, error: refusal.message, paths: plan.commits.flatMap((c) => c.protected.map((p) => p.path)), detail: { refused: refusal.code, n } });
    throw refusal;
  }
  const snap = await snapshotBefore(s, `rollback ${n}`);
  const id = newEventId();
  await keepReachable(s.ctx, id, [snap.sha, plan.from]);
  const where = plan.branch ?? 'HEAD';
  appendLedger(s.ctx, {
    id, host: s.host, op: 'rollback', ok: true,
    refs: { [plan.ref]: { old: plan.from, new: plan.to } },
    paths: plan.paths.slice(0, 1000),
    detail: {
      summary: `rolled back ${n} commit(s) of ${where} (${plan.from.slice(0, 7)}→${plan.to.slice(0, 7)}), changes kept staged`,
      n, commits: plan.commits, snapshot: snap.sha, forced: !!(opts.force && refusal), override: opts.force && refusal ? refusal.code : undefined,
      undo: { refs: { [plan.ref]: plan.from }, keepFiles: true },
    },
  });
  try {
    await moveRefs(s.ctx, [{ ref: plan.ref, value: plan.to, expect: plan.from }], `dx-hooks: rollback ${n}`);
  } catch (err) {
    appendLedger(s.ctx, { host: s.host, op: 'rollback', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
  return { ...plan, id, snapshot: snap.sha, forced: !!(opts.force && refusal) };
}
