/**
 * The forensics report (`diagnose --report <file>`): one JSON document over every protected
 * (`protect.paths`) and critical (`guard.critical`) path for a time window — what changed, when, by
 * which commit (sha, ref, author, status) or dx-hooks operation (ledger id, op, summary), and the
 * guard's telemetry — written atomically, never over an existing file unless forced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import { writeUserJson } from '../store/user.js';
import { gitRaw } from '../git.js';
import { criticalEntries } from '../guardrail/entries.js';
import type { TelemetryEvent } from '../guardrail/telemetry.js';
import { readLedger, type LedgerEvent } from '../ledger.js';
import { protectionInForce } from '../protect/inforce.js';
import type { Session } from '../session.js';
import { LOG_FORMAT, parseLog } from './history.js';
import { relevantTelemetry } from './lines.js';
import { inWindow, type Window } from './when.js';

/** One change to a path: a commit (status, modes, the ref that reaches it) or a dx-hooks operation. `ts`: Unix seconds (a commit's committer date). */
export type ReportChange =
  | { kind: 'commit'; ts: number; sha: string; ref: string; author: string; email: string; status: string; old_mode: string; new_mode: string; from?: string; subject: string }
  | { kind: 'dx'; ts: number; id: string; op: string; host: string; ok: boolean; summary: string | null; error?: string };

/** One covered path that changed in the window, changes newest first. */
export interface ReportPath { path: string; protected: boolean; critical: boolean; changes: ReportChange[]; guard: TelemetryEvent[] }

/** The document (`schema_version` 1). Times are Unix seconds; a null window end is open. */
export interface ForensicsReport {
  schema_version: 1;
  repo: string;
  generated: number;
  window: Window;
  covers: { protect: string[]; critical: string[]; named: string[] };
  totals: { paths: number; commits: number; dx_operations: number; guard_events: number };
  paths: ReportPath[];
  invalid: { ledger: number; telemetry: number };
  warnings: string[];
}

/** Paths a ledger line names: `paths`, `detail.removed`, and any `path`/`paths` value inside `detail`. */
export function ledgerPaths(e: LedgerEvent): string[] {
  const out = new Set<string>(e.paths ?? []);
  const walk = (v: unknown, key: string, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      if (key === 'path' || key === 'paths' || key === 'removed') out.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key, depth + 1));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(e.detail, '', 0);
  return [...out];
}

/** Which of protected / critical / named a repository-relative path is (null: not covered). */
async function coverage(s: Session, named: readonly string[]): Promise<(p: string) => { protected: boolean; critical: boolean } | null> {
  const isProtected = (await protectionInForce(s)).isProtected;
  const entries = criticalEntries(s.config);
  const { default: picomatch } = await import('picomatch');
  const critical = entries.map((e) => (e.glob ? picomatch(e.entry, { dot: true }) : (p: string) => p === e.entry));
  return (p) => {
    const prot = isProtected(p);
    const crit = critical.some((m) => m(p));
    return prot || crit || named.some((n) => p === n || p.startsWith(n + '/')) ? { protected: prot, critical: crit } : null;
  };
}

/**
 * Build the report for `window` over the covered paths (plus `named`, repository-relative).
 * @throws GitError when git cannot read the history
 */
export async function buildReport(s: Session, window: Window, named: readonly string[], now: number): Promise<ForensicsReport> {
  const warnings: string[] = [];
  const covered = await coverage(s, named);
  const byPath = new Map<string, ReportPath>();
  const slot = (p: string) => {
    const c = covered(p);
    if (!c) return null;
    let r = byPath.get(p);
    if (!r) byPath.set(p, (r = { path: p, ...c, changes: [], guard: [] }));
    return r;
  };
  const range = [...(window.since !== null ? [`--since=@${window.since}`] : []), ...(window.until !== null ? [`--until=@${window.until}`] : [])];
  const [log, ledger] = await Promise.all([
    gitRaw(['log', '--all', '--source', '--no-color', '--no-show-signature', '--diff-merges=first-parent', '-M', `--format=${LOG_FORMAT}`, '--raw', '-z', ...range], { cwd: s.ctx.top }),
    readLedger(s.ctx),
  ]);
  for (const e of parseLog(log)) {
    if (!inWindow(window, e.committed)) continue;
    for (const p of new Set([e.path, ...(e.from ? [e.from] : [])])) {
      slot(p)?.changes.push({ kind: 'commit', ts: e.committed, sha: e.sha, ref: e.ref, author: e.author, email: e.email, status: e.status, old_mode: e.oldMode, new_mode: e.newMode, ...(e.from ? { from: e.from } : {}), subject: e.subject });
    }
  }
  for (const e of ledger.events) {
    if (!inWindow(window, e.ts)) continue;
    const summary = typeof e.detail?.summary === 'string' ? e.detail.summary : null;
    for (const p of ledgerPaths(e)) slot(p)?.changes.push({ kind: 'dx', ts: e.ts, id: e.id, op: e.op, host: e.host, ok: e.ok, summary, ...(e.error ? { error: e.error } : {}) });
  }
  const telemetry = await relevantTelemetry(s, null, warnings);
  for (const t of telemetry.events) if (inWindow(window, t.ts)) (slot(t.path) ?? slot(t.entry))?.guard.push(t);

  const paths = [...byPath.values()];
  for (const p of paths) {
    p.changes.sort((a, b) => b.ts - a.ts);
    p.guard.sort((a, b) => b.ts - a.ts);
  }
  paths.sort((a, b) => b.changes.length + b.guard.length - (a.changes.length + a.guard.length) || a.path.localeCompare(b.path));
  const all = paths.flatMap((p) => p.changes);
  return {
    schema_version: 1,
    repo: fs.realpathSync(s.ctx.top),
    generated: now,
    window,
    covers: { protect: [...s.config.protect.paths], critical: criticalEntries(s.config).map((e) => e.entry), named: [...named] },
    totals: {
      paths: paths.length,
      commits: new Set(all.flatMap((c) => (c.kind === 'commit' ? [c.sha] : []))).size,
      dx_operations: new Set(all.flatMap((c) => (c.kind === 'dx' ? [c.id] : []))).size,
      guard_events: paths.reduce((n, p) => n + p.guard.length, 0),
    },
    paths,
    invalid: { ledger: ledger.invalid, telemetry: telemetry.invalid },
    warnings,
  };
}

/**
 * Write `report` to `file` (absolute) atomically.
 * @throws DxError REPORT_EXISTS (exit 1) when the file exists and `force` is not set; BAD_PATH (exit 2) for a directory
 */
export function writeReport(file: string, report: ForensicsReport, force: boolean): void {
  let st: fs.Stats | null = null;
  try {
    st = fs.lstatSync(file); // a symlink there (even a dangling one) is an existing file
  } catch {
    // does not exist yet
  }
  if (st?.isDirectory() || (st?.isSymbolicLink() && fs.statSync(file, { throwIfNoEntry: false })?.isDirectory())) throw new DxError('BAD_PATH', `--report ${file} is a directory`, 'Name a file, e.g. --report forensics.json', EXIT.USAGE);
  if (st && !force) throw new DxError('REPORT_EXISTS', `refused: ${file} already exists`, 'Name another file, or add --force to overwrite it.', EXIT.FAILED);
  writeUserJson(path.resolve(file), report, { indent: 2 });
}
