/**
 * One guard run (issue 5): check the critical entries, log each NEW drift to telemetry once, with
 * `repair` bring files and exec bits back, and log what came back. A healthy repository with
 * nothing logged before writes nothing at all. Runs that have something to write are serialised by
 * a lock, so a hook, `--watch` and the scheduler never log the same drift twice.
 */
import fs from 'node:fs';
import { dxPaths } from '../context.js';
import { configLinkError, configLinks } from '../config/links.js';
import { DxError, EXIT } from '../errors.js';
import type { Session } from '../session.js';
import { checkCritical, type Drift } from './check.js';
import type { Repaired } from './repair.js';
import type { LoggedDrift } from './state.js';
import type { TelemetryEvent } from './telemetry.js';

/**
 * A guard run. `drifts`: what is still wrong after the run (empty: healthy); `found`: what the check
 * found before any repair; `logged`: the telemetry lines this run appended; `repaired`: per path,
 * what `repair` did; `snapshot`/`event`: the snapshot and ledger id of the repair; `telemetry`: the file.
 */
export interface GuardReport {
  repo: string;
  healthy: boolean;
  drifts: Drift[];
  found: Drift[];
  logged: TelemetryEvent[];
  repaired: Repaired[];
  snapshot: string | null;
  event: string | null;
  telemetry: string;
  /** problems found on the way that did not stop the run (a corrupt guard-state.json, rewritten) */
  warnings: string[];
}

/** How long a run waits for another guard run holding the lock (ms). */
const LOCK_WAIT_MS = 15_000;

/**
 * Run the guard in `s`'s repository.
 * @throws DxError CONFIG_INVALID (exit 2) when guard.telemetry leaves the repository; PATH_THROUGH_SYMLINK
 *   (exit 2) when guard.telemetry or a guard.critical path goes through a symbolic link of the work tree; GUARD_BUSY (exit 1)
 *   when another guard run holds the lock for 15 s; fs errors when telemetry cannot be written (loud)
 */
export async function runGuard(s: Session, opts: { repair?: boolean; now?: number } = {}): Promise<GuardReport> {
  // A critical path through a committed link would be checked (and repaired) outside the repository: refused, loudly.
  const link = configLinks(s.ctx.top, s.config).find((l) => l.key.startsWith('guard.'));
  if (link) throw configLinkError(link);
  // The default telemetry path needs no module: telemetry.js (and zod, ~100 ms to load) is for a configured path and for writing.
  const telemetry = s.config.guard.telemetry ? (await import('./telemetry.js')).telemetryFile(s) : dxPaths(s.ctx).telemetry;
  const report: GuardReport = { repo: s.ctx.top, healthy: true, drifts: [], found: [], logged: [], repaired: [], snapshot: null, event: null, telemetry, warnings: [] };
  const found = await checkCritical(s);
  // The common case, and the hot path: healthy now and nothing logged before (guard-state.json exists
  // only while a drift is logged, or corrupt). Nothing to write, nothing more to load.
  if (!found.length && !fs.existsSync(dxPaths(s.ctx).guardState)) return report;
  const { acquireLock } = await import('../lock.js');
  const release = await acquireLock(dxPaths(s.ctx).guardLock, LOCK_WAIT_MS, undefined, s.ctx.commonDir);
  if (!release) throw new DxError('GUARD_BUSY', 'another dx-hooks guard run holds the lock', `Wait for it (or remove a stale ${dxPaths(s.ctx).guardLock}.lock after checking no guard runs: dx-hooks doctor).`, EXIT.FAILED);
  try {
    return await underLock(s, report, opts);
  } finally {
    await release();
  }
}

async function underLock(s: Session, report: GuardReport, opts: { repair?: boolean; now?: number }): Promise<GuardReport> {
  const [{ lastTouch }, { repairDrifts }, { driftKey, readGuardState, writeGuardState }, { appendTelemetry, telemetryRoot }] = await Promise.all([
    import('./cause.js'), import('./repair.js'), import('./state.js'), import('./telemetry.js'),
  ]);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  // Read again under the lock: another run may have logged these drifts meanwhile.
  const state = readGuardState(s.ctx);
  // A corrupt state file is said, and rewritten below: its drifts are logged once more.
  if (state.corrupt) report.warnings.push(`${state.corrupt}; rewritten — drifts already logged may be logged once more`);
  const prev = state.drifts;
  const known = new Map(prev.map((d) => [driftKey(d), d]));
  report.found = await checkCritical(s);
  const fresh = report.found.filter((d) => !known.has(driftKey(d)));
  const causes = await lastTouch(s, fresh.map((d) => d.path));
  const logged: TelemetryEvent[] = fresh.map((d) => ({
    ts: now, host: s.host, event: d.event, path: d.path, entry: d.entry,
    commit: causes.get(d.path)?.commit ?? null, operation: causes.get(d.path)?.operation ?? null, detail: { reason: d.reason },
  }));
  let current = report.found;
  if (opts.repair && current.length) {
    const r = await repairDrifts(s, current);
    Object.assign(report, { repaired: r.repaired, snapshot: r.snapshot, event: r.id });
    current = await checkCritical(s);
  }
  const still = new Set(current.map(driftKey));
  const before: LoggedDrift[] = [...prev, ...fresh.map((d) => ({ path: d.path, entry: d.entry, event: d.event, since: now }))];
  for (const d of before) {
    if (still.has(driftKey(d))) continue;
    const byRepair = report.repaired.find((r) => r.path === d.path && r.action !== 'failed');
    logged.push({
      ts: now, host: s.host, event: 'critical_restored', path: d.path, entry: d.entry, commit: null,
      operation: byRepair && report.event ? `guard.repair ${report.event}` : null,
      detail: { was: d.event, since: d.since, ...(byRepair ? { from: byRepair.from } : { by: 'outside dx-hooks' }) },
    });
  }
  try {
    appendTelemetry(report.telemetry, logged, telemetryRoot(s));
  } catch (err) {
    // Loud: the ledger says so too, and guard-state.json stays as it was, so the next run logs these drifts again.
    const { appendLedger } = await import('../ledger.js');
    appendLedger(s.ctx, { host: s.host, op: 'guard', ok: false, paths: logged.map((e) => e.path).slice(0, 1000), error: `cannot append to ${report.telemetry}: ${(err as Error).message}` });
    throw err;
  }
  const sinceOf = new Map(before.map((d) => [driftKey(d), d.since]));
  writeGuardState(s.ctx, current.map((d) => ({ path: d.path, entry: d.entry, event: d.event, since: sinceOf.get(driftKey(d)) ?? now })));
  return { ...report, logged, drifts: current, healthy: current.length === 0 };
}
