/**
 * `dx-hooks diagnose <path>… [--since T] [--until T] [--json]`: a history-aware verdict per path and
 * the one command that brings it back (exit 0 all OK, 1 any not, 2 bad input); and
 * `dx-hooks diagnose --report <file> [--since T --until T] [--force]`: the forensics report.
 * Startup order matters here (bench/diagnose.ts): the git history walk starts before the heavier
 * modules (zod, the session) load, so the two run side by side.
 */
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { openRepo } from '../core/context.js';
import { DxError, EXIT } from '../core/errors.js';
import { resolvePaths } from '../core/diagnose/paths.js';
import { prefetch } from '../core/diagnose/prefetch.js';
import { parseWindow, type Window } from '../core/diagnose/when.js';
import type { Session } from '../core/session.js';
import { out, printJson, warn } from './print.js';

/** The command's options, as commander hands them over (`paths`: the positional arguments). */
export interface DiagnoseFlags { paths?: string[]; since?: string; until?: string; report?: string; force?: boolean; json?: boolean; cwd: string }

/**
 * The session; for a path diagnosis an invalid `.dxrc` is a warning and the defaults apply (diagnose is
 * what you run when things are broken). The report needs the real protect/critical lists: it fails.
 */
async function session(opts: DiagnoseFlags, warnings: string[]): Promise<Session> {
  const { openSession } = await import('../core/session.js');
  try {
    return await openSession(opts.cwd);
  } catch (err) {
    if (opts.report || !(err instanceof DxError) || err.code !== 'CONFIG_INVALID') throw err;
    warnings.push(`${err.message} — diagnosing with the default settings`);
    const [{ defaultConfig }, { loadMachineConfig }, { resolveHost }] = await Promise.all([import('../core/config/schema.js'), import('../core/machine.js'), import('../core/host.js')]);
    const machine = await loadMachineConfig();
    return { ctx: await openRepo(opts.cwd), config: defaultConfig(), configFile: null, machine, host: resolveHost(machine.host) };
  }
}

/** Build and write the forensics report; print its summary (or `{ file, totals }` with --json). */
async function report(opts: DiagnoseFlags & { report: string }, window: Window, named: string[], now: number): Promise<number> {
  const [s, { buildReport, writeReport }, { reportSummary }] = await Promise.all([session(opts, []), import('../core/diagnose/report.js'), import('../core/diagnose/text.js')]);
  const file = path.resolve(opts.cwd, opts.report);
  const rep = await buildReport(s, window, named, now);
  writeReport(file, rep, !!opts.force);
  if (opts.json) printJson({ file, window: rep.window, totals: rep.totals, paths: rep.paths.map((p) => p.path), warnings: rep.warnings });
  else {
    rep.warnings.forEach((w) => warn(w));
    reportSummary(rep, file, pc).forEach((l) => out(l));
  }
  return EXIT.OK;
}

/** The diagnose command. */
export async function run(opts: DiagnoseFlags): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  // Bad input is refused before anything is read or written.
  const window = parseWindow(opts.since, opts.until, now);
  const inputs = opts.paths ?? [];
  if (!inputs.length && !opts.report) throw new DxError('USAGE', 'name at least one path to diagnose, or --report <file>', 'e.g. dx-hooks diagnose tools/deploy.sh --since 24h', EXIT.USAGE);
  if (opts.force && !opts.report) throw new DxError('USAGE', '--force only applies to --report (overwrite the report file)', 'Use: dx-hooks diagnose --report forensics.json --force', EXIT.USAGE);
  // Paths are checked before the session opens (which may refresh dx-hooks' config cache): a path
  // outside the repository leaves nothing written at all.
  const ctx = await openRepo(opts.cwd);
  const named = resolvePaths(fs.realpathSync(ctx.top), opts.cwd, inputs);
  if (opts.report) return report({ ...opts, report: opts.report }, window, named.map((n) => n.path), now);

  const pre = prefetch(ctx, named);
  const warnings: string[] = [];
  const [s, { diagnose }, { pathBlock }] = await Promise.all([session(opts, warnings), import('../core/diagnose/run.js'), import('../core/diagnose/text.js')]);
  const res = await diagnose(s, named, window, pre);
  res.warnings.unshift(...warnings);
  const bad = res.paths.filter((p) => p.verdict.code !== 'OK').length;
  if (opts.json) {
    printJson(res);
    return bad ? EXIT.FAILED : EXIT.OK;
  }
  res.warnings.forEach((w) => warn(w));
  if (res.invalid.ledger || res.invalid.telemetry) warn(`skipped unreadable lines (torn or foreign): ${res.invalid.ledger} in the ledger, ${res.invalid.telemetry} in the guard telemetry`);
  const note = opts.since || opts.until ? 'outside the --since/--until window (the verdict reads them all)' : '';
  res.paths.forEach((p, i) => {
    if (i) out('');
    pathBlock(p, pc, note).forEach((l) => out(l));
  });
  if (res.paths.length > 1) out(`\n${res.paths.length - bad} of ${res.paths.length} path(s) OK`);
  return bad ? EXIT.FAILED : EXIT.OK;
}
