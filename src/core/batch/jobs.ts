/**
 * The per-repository work of the batch commands, as data a batch lane (commands/lanes.ts) can be handed: the
 * same function runs in the command's own process or in a lane, so a repository's outcome does not
 * depend on where it ran.
 */
import { describeError, DxError } from '../errors.js';
import type { MachineConfig } from '../machine.js';
import type { RepoOutcome } from './run.js';

/** A batch's work, JSON-serialisable: `status` (triage rows) or `sync` (role-aware sync, summarised). */
export type BatchJob =
  | { kind: 'status'; machine: MachineConfig; host: string }
  | { kind: 'sync'; force?: boolean; dryRun?: boolean };

/** The work function of `job`: never throws; a failure is a `failed` outcome naming what went wrong. */
export async function jobWork(job: BatchJob): Promise<(repo: string) => Promise<RepoOutcome<unknown>>> {
  if (job.kind === 'status') {
    const { triageRepo } = await import('../triage/row.js');
    return async (repo) => {
      try {
        return { status: 'ok', result: await triageRepo(repo, job.machine, job.host) };
      } catch (err) {
        return { status: 'failed', error: describeError(err) };
      }
    };
  }
  const [{ openSession }, { syncRepo }, { summarizeSync }] = await Promise.all([import('../session.js'), import('../sync/run.js'), import('../sync/summary.js')]);
  return async (repo) => {
    try {
      const s = await openSession(repo);
      return { status: 'ok', result: summarizeSync(await syncRepo(s, { force: job.force, dryRun: job.dryRun })) };
    } catch (err) {
      return { status: 'failed', error: err instanceof DxError ? `${err.message}${err.hint ? ` — ${err.hint}` : ''}` : describeError(err) };
    }
  };
}
