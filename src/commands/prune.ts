/** `dx-hooks prune [--older-than 30d] [--yes] [--include-unmerged] [--remote R] [--json]`: WIP retention, a dry run unless --yes. */
import pc from 'picocolors';
import { parseDuration } from '../core/duration.js';
import type { PruneRow } from '../core/prune/plan.js';
import { prune, type PruneReport } from '../core/prune/run.js';
import { openSession } from '../core/session.js';
import { span } from '../core/time.js';
import { out, printJson, warn } from './common.js';

/**
 * Print the plan (and, with --yes, what was deleted).
 * @returns 0 (a dry run, or every deletion and the index update done), 1 when the deleting push or the index update failed
 * @throws DxError BAD_DURATION (exit 2), NO_REMOTE, REMOTE_UNREACHABLE (exit 1, nothing deleted)
 */
export async function run(opts: { olderThan?: string; yes?: boolean; includeUnmerged?: boolean; remote?: string; json?: boolean; cwd: string }): Promise<number> {
  const text = opts.olderThan ?? '30d';
  const olderThan = parseDuration(text);
  const s = await openSession(opts.cwd);
  const r = await prune(s, { remote: opts.remote, olderThan, yes: !!opts.yes, includeUnmerged: !!opts.includeUnmerged });
  if (opts.json) printJson(r);
  else print(r, text, !!opts.includeUnmerged);
  return r.ok ? 0 : 1;
}

function why(row: PruneRow): string {
  if (row.reason === 'too-new') return 'keep (too new)';
  if (row.reason === 'unmerged') return `keep (unmerged: ${row.onlyHere} commit(s) on no branch)`;
  if (row.reason === 'include-unmerged') return `delete (unmerged: ${row.onlyHere} commit(s) on no branch)`;
  return 'delete';
}

function print(r: PruneReport, text: string, includeUnmerged: boolean): void {
  const cutoff = new Date(r.cutoff * 1000).toISOString().slice(0, 16).replace('T', ' ');
  out(pc.bold(`WIP refs on ${r.remote}`) + ` — older than ${text} means committed before ${cutoff} UTC; merged = on one of ${r.branches} branch(es)`);
  if (!r.rows.length) out('  none');
  else {
    const w = Math.max(3, ...r.rows.map((x) => x.ref.length));
    out(pc.dim(`  ${'ref'.padEnd(w)}  ${'age'.padStart(5)}  merged  action`));
    for (const row of r.rows) {
      const action = why(row);
      out(`  ${row.ref.padEnd(w)}  ${span(row.committed, r.cutoff + r.olderThan).padStart(5)}  ${(row.merged ? 'yes' : 'no').padEnd(6)}  ${row.action === 'delete' ? pc.red(action) : action}`);
    }
  }
  const doomed = r.rows.filter((x) => x.action === 'delete').length;
  const unmergedKept = r.rows.filter((x) => x.reason === 'unmerged').length;
  const more = unmergedKept && !includeUnmerged ? `; ${unmergedKept} old unmerged ref(s) kept (their commits exist nowhere else on ${r.remote}; --include-unmerged deletes them too)` : '';
  if (r.dryRun) {
    out(`Dry run: ${doomed} of ${r.rows.length} ref(s) would be deleted${more}. Nothing was deleted.`);
    if (doomed) out(`Delete them: dx-hooks prune --older-than ${text}${includeUnmerged ? ' --include-unmerged' : ''} --yes`);
    return;
  }
  if (r.error) {
    warn(`✖ nothing was deleted: the push to ${r.remote} was refused or failed: ${r.error}`);
    return;
  }
  if (!doomed) {
    out(`Nothing to delete${more}.`);
    return;
  }
  out(pc.green(`✔ deleted ${r.deleted.length} ref(s) from ${r.remote}${more}`));
  for (const d of r.deleted) out(`    ${d.ref} ${d.sha.slice(0, 12)}  kept here as ${d.keptAs}; put it back: dx-hooks undo ${d.event}`);
  if (r.index?.error) warn(`✖ the index (dx/index) on ${r.remote} still lists them: ${r.index.error} — fix: dx-hooks index rebuild`);
  else if (r.index?.removed.length) out(`  index: removed ${r.index.removed.join(', ')}`);
  else if (r.index?.skipped) out(`  index: ${r.index.skipped}`);
}
