/** `dx-hooks sync [--all | --repos <paths|globs…> | <paths…>]`: role-aware sync of this repository, or a resumable batch over many. */
import pc from 'picocolors';
import { batchTarget } from '../core/batch/target.js';
import { describeError, DxError } from '../core/errors.js';
import { loadMachineConfig } from '../core/machine.js';
import { openSession } from '../core/session.js';
import type { SyncResult } from '../core/sync/run.js';
import { worst } from '../core/triage/row.js';
import { batchExit, itemLine, runBatchCommand, targetRepos, type BatchFlags, type ResultLevel } from './batch-ui.js';
import { out, printJson, warn } from './common.js';

/** What a batch stores per repository (small: the progress file keeps it). `level`: the worst of its problems (an `error` is work at risk, a failed sync). */
interface SyncSummary { role: string; action: SyncResult['action']; remote: string; reset: SyncResult['reset']; backup: string[]; problems: string[]; steps: string[]; level?: ResultLevel }

function summarize(r: SyncResult): SyncSummary {
  return {
    role: r.role,
    action: r.action,
    remote: r.remote,
    reset: r.reset,
    backup: r.backup?.refs.map((b) => `${b.ref} ${b.sha.slice(0, 12)}`) ?? [],
    problems: r.report.problems.filter((p) => p.level !== 'info').map((p) => `${p.code}: ${p.message}`),
    steps: r.steps,
    level: worst(r.report),
  };
}

/** A summary's level; one stored by an older version (no `level`) reads as ok. */
const levelOf = (x: SyncSummary): ResultLevel => x.level ?? 'ok';

function describe(x: SyncSummary): string {
  const what =
    x.action === 'planned' ? `${x.role}, dry run — ${x.steps.join('; then ')}`
    : x.action === 'reset' ? `${x.role}: reset ${x.reset?.branch} to ${x.remote} ${x.reset?.to.slice(0, 12)}${x.backup.length ? ` after backing up ${x.backup.join(', ')}` : ''} (undo: dx-hooks undo ${x.reset?.event})`
    : x.action === 'up-to-date' ? `${x.role}: already equal to ${x.remote}`
    : `${x.role}: fetched ${x.remote}`;
  return what + (x.problems.length ? pc.yellow(` — ${x.problems.join(' | ')}`) : '');
}

/** Sync. Exit 0 when every repository synced, 1 when one failed or was refused (it was left as it was), 2 on bad input. */
export async function run(opts: BatchFlags & { force?: boolean; dryRun?: boolean; cwd: string }): Promise<number> {
  const { syncRepo } = await import('../core/sync/run.js');
  const target = batchTarget(opts);
  if (target.kind === 'here') {
    const s = await openSession(opts.cwd);
    const r = await syncRepo(s, { force: opts.force, dryRun: opts.dryRun });
    if (r.vanished) {
      const { vanishedMessage } = await import('../core/wip/vanished.js');
      const said = vanishedMessage(r.vanished);
      if (said) warn(said);
    }
    if (opts.json) printJson(r);
    else {
      out(itemLine({ repo: r.repo, carried: false, status: 'ok', result: summarize(r) }, describe, levelOf));
      for (const k of r.reset?.kept ?? []) warn(`  kept as it was (not in the backup: a secret, big or ignored file): ${k}`);
      if (r.reset?.ownConfig.length) out(`  kept dx-hooks' own config, not committed: ${r.reset.ownConfig.join(', ')}`);
    }
    return worst(r.report) === 'error' ? 1 : 0;
  }
  const machine = await loadMachineConfig();
  const repos = await targetRepos(target, machine, opts.cwd);
  const result = await runBatchCommand<SyncSummary>(opts.dryRun ? 'sync-dry-run' : 'sync', repos, opts, describe, async (repo) => {
    try {
      const s = await openSession(repo);
      return { status: 'ok', result: summarize(await syncRepo(s, { force: opts.force, dryRun: opts.dryRun })) };
    } catch (err) {
      return { status: 'failed', error: err instanceof DxError ? `${err.message}${err.hint ? ` — ${err.hint}` : ''}` : describeError(err) };
    }
  }, levelOf);
  const failed = result.items.filter((i) => i.status === 'failed');
  // Like one repository's sync: work at risk (an error-level problem) fails the run, though the sync itself ran.
  const atRisk = result.items.filter((i) => i.status === 'ok' && i.result && levelOf(i.result) === 'error');
  if (opts.json) printJson({ items: result.items, interrupted: result.interrupted, progress: result.file });
  else out(`${result.items.length} repositories: ${result.items.filter((i) => i.status === 'ok').length} synced${atRisk.length ? pc.red(`, ${atRisk.length} with work at risk (dx-hooks status --all)`) : ''}${failed.length ? pc.red(`, ${failed.length} failed (left as they were; redo them: dx-hooks sync --retry-failed)`) : ''}`);
  return batchExit(result, failed.length || atRisk.length ? 1 : 0);
}
