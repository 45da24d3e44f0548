/**
 * `prune`, start to end: read the remote (one fetch into a scratch namespace), plan, and — only
 * when asked — delete and update the index. The scratch namespace is always dropped, after the
 * deleted shas are kept reachable under `refs/dx/undo/`.
 */
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { dropNamespace, scratchNamespace } from '../wip/fetch.js';
import { resolveRemote } from '../wip/remote.js';
import { forgetEntries, rememberEntries } from '../wip/forget.js';
import { deleteRemoteRefs, type PruneDeletion, type PruneIndexResult } from './apply.js';
import { readCandidates } from './list.js';
import { planPrune, type PruneRow } from './plan.js';

/** Options of one prune run. `olderThan` is seconds; `now` (Unix s) is for tests. */
export interface PruneOptions { remote?: string; olderThan: number; yes: boolean; includeUnmerged: boolean; now?: number }

/**
 * What prune found and did. `ok` is false when the deleting push failed (then `deleted` is empty
 * and `error` says why) or the index could not be updated (`index.error`).
 */
export interface PruneReport {
  remote: string;
  /** seconds */
  olderThan: number;
  /** Unix seconds: refs whose tip was committed before it are old */
  cutoff: number;
  dryRun: boolean;
  /** how many ordinary remote branches "merged" was checked against */
  branches: number;
  rows: PruneRow[];
  deleted: PruneDeletion[];
  index: PruneIndexResult | null;
  ok: boolean;
  error: string | null;
}

/**
 * Plan a prune of `opts.remote` (default: `.dxrc` remote, the branch's upstream remote, or origin),
 * and carry it out when `opts.yes`.
 * @throws DxError NO_REMOTE, REMOTE_UNREACHABLE (nothing deleted); a ledger or local ref write error
 */
export async function prune(s: Session, opts: PruneOptions): Promise<PruneReport> {
  const { ctx } = s;
  const remote = await resolveRemote(ctx, opts.remote ?? s.config.remote, (await headState(ctx)).branch);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const scratch = `${scratchNamespace()}/prune`;
  try {
    const { candidates, branches } = await readCandidates(ctx, remote, s.config.wip.refPrefix, scratch);
    const plan = planPrune({ candidates, now, olderThan: opts.olderThan, includeUnmerged: opts.includeUnmerged });
    const report: PruneReport = { remote, olderThan: plan.olderThan, cutoff: plan.cutoff, dryRun: !opts.yes, branches, rows: plan.rows, deleted: [], index: null, ok: true, error: null };
    const doomed = plan.rows.filter((r) => r.action === 'delete');
    if (!opts.yes || !doomed.length) return report;
    // The index first (wip/forget.ts): with the entries gone before the refs, no host's vanished-ref
    // check can take the deletion for an accident and put the refs back.
    const forgot = await forgetEntries(s, remote, new Map(doomed.map((r) => [r.ref, r.sha])), 'prune');
    const index: PruneIndexResult = { ok: forgot.ok, changed: forgot.changed, removed: forgot.removed, commit: forgot.commit, ...(forgot.skipped ? { skipped: forgot.skipped } : {}), ...(forgot.error ? { error: forgot.error } : {}) };
    if (!forgot.ok) return { ...report, index, ok: false, error: `the index could not be updated first, so nothing was deleted (other hosts would put the refs back): ${forgot.error ?? 'unknown error'}` };
    const outcome = await deleteRemoteRefs(s, remote, doomed, opts.olderThan, forgot.entries);
    if (!outcome.ok) {
      // Nothing was deleted: the entries go back (a key another host wrote meanwhile stays as it is).
      const back = await rememberEntries(s, remote, forgot.entries, 'prune (the deletion failed)');
      return { ...report, index: { ...index, removed: [], ...(back.ok ? {} : { ok: false, error: `putting the index entries back failed: ${back.error ?? ''} — dx-hooks index rebuild` }) }, ok: false, error: outcome.error };
    }
    report.deleted = outcome.deleted;
    report.index = index;
    return report;
  } finally {
    await dropNamespace(ctx, scratch);
  }
}
