/** What a `sync` batch keeps per repository (small: the progress file stores it), built from a SyncResult. */
import { worst } from '../triage/row.js';
import type { SyncResult } from './run.js';

/** The level of a result's worst problem: `error` is work at risk or a failed sync. */
export type SummaryLevel = 'ok' | 'info' | 'warning' | 'error';

/** One repository's sync in a batch. `level`: the worst of its problems (absent in progress files of older versions: ok). */
export interface SyncSummary { role: string; action: SyncResult['action']; remote: string; reset: SyncResult['reset']; backup: string[]; problems: string[]; steps: string[]; level?: SummaryLevel }

/** The summary of `r`. Pure. */
export function summarizeSync(r: SyncResult): SyncSummary {
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
