/** `dx-hooks checkpoint [-m message] [--json] [--all | --repos <paths|globs…>]`: snapshot the work tree now and push it as this host's WIP, in the foreground — here, or in every active repository (what the scheduler runs). */
import pc from 'picocolors';
import { batchTarget, type BatchTarget } from '../core/batch/target.js';
import { openRepo } from '../core/context.js';
import { discardSnapshotStart, startSnapshot } from '../core/snapshot.js';
import { pushSnapshot } from '../core/wip/snapshot-push.js';
import { openSession } from '../core/session.js';
import { startWorker } from './background.js';
import { batchExit, runBatchCommand, targetRepos, type BatchFlags } from './batch-ui.js';
import { out, printJson, retryPending, warn } from './common.js';

/** Snapshot and push in the foreground. Returns 1 when the push failed (the snapshot is kept locally), else 0. */
export async function run(opts: BatchFlags & { message?: string; wait?: boolean; cwd: string }): Promise<number> {
  const target = batchTarget(opts);
  if (target.kind !== 'here') return runMany(opts, target);
  // The snapshot's status pass starts first, on the other core, while the configs are read and pending pushes retried.
  const started = startSnapshot(await openRepo(opts.cwd));
  let s;
  try {
    s = await openSession(opts.cwd);
    await retryPending(s, true);
  } catch (err) {
    await discardSnapshotStart(started);
    throw err;
  }
  const { snapshot: snap, report, unchanged } = await pushSnapshot(s, { message: opts.message, wait: opts.wait, started });
  if (report.indexQueued) await startWorker(s.ctx);
  const failed = report.failed[0];
  if (opts.json) printJson({ snapshot: snap, unchanged, pushed: report.pushed, failed: report.failed, index: report.index, indexQueued: !!report.indexQueued, warnings: report.warnings });
  else {
    report.warnings.forEach((w) => warn(w));
    for (const x of snap.excluded) warn(`left out of the snapshot: ${x.path} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : x.reason === 'secret' ? `its content holds a secret: ${x.rules?.join(', ')}` : 'a secret file name: the built-in exclusions or wip.exclude'})`);
    if (failed) warn(`✖ checkpoint ${snap.sha.slice(0, 12)} is kept locally but NOT on the remote: ${failed.error}\n  It is retried on the next hook or command; see dx-hooks status.`);
    else if (unchanged) out(pc.green(`✔ checkpoint ${snap.sha.slice(0, 12)} ${snap.dirty ? '(with uncommitted work) ' : ''}unchanged since the last one: already on the remote, nothing pushed`));
    else out(pc.green(`✔ checkpoint ${snap.sha.slice(0, 12)} ${snap.dirty ? '(with uncommitted work) ' : ''}pushed to ${report.pushed[0]?.ref ?? 'the WIP ref (already up to date)'}`));
    for (const i of report.index.filter((x) => !x.ok)) warn(`index update failed (retried later): ${i.error}`);
  }
  return failed ? 1 : 0;
}

/** What a batch stores per repository. */
interface CheckpointSummary { sha: string; dirty: boolean; ref: string | null }

/** Checkpoint many repositories: skips reference ones (auto-checkpoint off) and those with WIP off; a failed push is a failed repository. */
async function runMany(opts: BatchFlags & { message?: string; cwd: string }, target: Exclude<BatchTarget, { kind: 'here' }>): Promise<number> {
  const [{ loadMachineConfig }, { effectiveRole }] = await Promise.all([import('../core/machine.js'), import('../core/role.js')]);
  const machine = await loadMachineConfig();
  if (target.kind === 'all' && !machine.repos?.length) {
    // What the scheduler runs on a machine where nothing is installed yet: nothing to do is not a failure.
    const { machineConfigPath } = await import('../core/machine.js');
    if (opts.json) printJson({ items: [], interrupted: null, progress: null });
    else out(`no repositories to checkpoint: ${machineConfigPath()} lists none (dx-hooks install adds each repository)`);
    return 0;
  }
  const repos = await targetRepos(target, machine, opts.cwd);
  const describe = (c: CheckpointSummary) => `${c.sha.slice(0, 12)}${c.dirty ? ' (with uncommitted work)' : ''} → ${c.ref ?? 'already on the remote'}`;
  const result = await runBatchCommand<CheckpointSummary>('checkpoint', repos, opts, describe, async (repo) => {
    const s = await openSession(repo);
    if (effectiveRole(s.config, s.machine).role === 'reference') return { status: 'skipped', reason: 'role reference (auto-checkpoint off)' };
    if (!s.config.wip.enabled || s.config.wip.push === 'off') return { status: 'skipped', reason: 'WIP is off in its .dxrc' };
    await retryPending(s, true);
    let done;
    try {
      // One repository after another: each index update is done before the next (no background worker per repository).
      done = await pushSnapshot(s, { message: opts.message ?? 'dx-hooks scheduled checkpoint', wait: true });
    } catch (err) {
      if ((err as { code?: string }).code === 'NOTHING_TO_SNAPSHOT') return { status: 'skipped', reason: 'nothing to snapshot yet' };
      throw err;
    }
    const { snapshot, report } = done;
    const summary = { sha: snapshot.sha, dirty: snapshot.dirty, ref: report.pushed[0]?.ref ?? null };
    const failed = report.failed[0];
    if (failed) return { status: 'failed', error: `kept locally, NOT on the remote: ${failed.error}`, result: summary };
    // The scheduled job is the one check that runs when no hook does (core.hooksPath moved, issue 11): it says so, alerts, and fails.
    const { refreshHookAlert } = await import('../core/hookcheck/alert.js');
    const health = await refreshHookAlert(s.ctx, { askGit: true, machine: s.machine });
    if (health.problems.length) return { status: 'failed', error: `checkpointed, but git does not run dx-hooks' hooks here: ${health.problems.map((p) => p.message).join('; ')} (fix: dx-hooks doctor --fix)`, result: summary };
    return { status: 'ok', result: summary };
  });
  const failed = result.items.filter((i) => i.status === 'failed');
  if (opts.json) printJson({ items: result.items, interrupted: result.interrupted, progress: result.file });
  else out(`${result.items.length} repositories: ${result.items.filter((i) => i.status === 'ok').length} checkpointed, ${result.items.filter((i) => i.status === 'skipped').length} skipped${failed.length ? pc.red(`, ${failed.length} failed`) : ''}`);
  return batchExit(result, failed.length ? 1 : 0);
}
