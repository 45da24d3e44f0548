/**
 * `dx-hooks guard [--json] [--repair] [--watch [--interval 60s]] [--all | --repos …]`: are the
 * critical files (`guard.critical`) there, and executable where asked? Exit 1 on drift, 0 when
 * healthy. `--from-hook` is the hooks' detached run: it logs and exits 0 on drift (a drift is not a crash).
 */
import pc from 'picocolors';
import { parseDuration } from '../core/duration.js';
import { describeError, DxError, EXIT } from '../core/errors.js';
import { criticalEntries } from '../core/guardrail/entries.js';
import { runGuard, type GuardReport } from '../core/guardrail/run.js';
import { openSession, type Session } from '../core/session.js';
import { out, printJson, shellOperand, warn } from './common.js';

/** The command's options, as commander hands them over. `interval` is a duration (`60s`, `5m`). */
export interface GuardFlags { json?: boolean; repair?: boolean; watch?: boolean; interval?: string; all?: boolean; repos?: string[]; fromHook?: boolean; cwd: string }

/** Print one report in words (drifts, what was logged, what the repair did). */
function show(r: GuardReport, s: Session, prefix = ''): void {
  for (const w of r.warnings) warn(`${prefix}dx-hooks guard: ${w}`);
  const n = criticalEntries(s.config).length;
  for (const x of r.repaired) {
    if (x.action === 'failed') warn(`${prefix}${pc.red('✖')} could not repair ${x.path}: ${x.error}`);
    else out(`${prefix}${pc.green('✔')} ${x.action === 'chmod' ? `set the exec bit of ${x.path}` : `restored ${x.path} from ${x.from}`}`);
  }
  if (r.event) out(`${prefix}  snapshot taken first: ${r.snapshot?.slice(0, 12)}; dx-hooks undo ${r.event} reverses the repair`);
  if (r.healthy) {
    if (!r.repaired.length) out(`${prefix}${pc.green('✔')} dx-hooks guard: ${n ? `${n} critical ${n === 1 ? 'entry' : 'entries'} in place` : 'no guard.critical entries in .dxrc: nothing to check'}`);
  } else {
    for (const d of r.drifts) warn(`${prefix}${pc.red('✖')} critical ${d.path}: ${d.reason}`);
    const files = r.drifts.map((d) => d.path);
    warn(`${prefix}  bring ${files.length === 1 ? 'it' : 'them'} back: dx-hooks guard --repair   history: dx-hooks diagnose ${files.slice(0, 5).map(shellOperand).join(' ')}`);
  }
  if (r.logged.length) out(`${prefix}  ${r.logged.length} telemetry line(s) appended to ${r.telemetry}`);
}

/** Check (and repair) one repository. Returns the exit code. */
async function once(opts: GuardFlags): Promise<number> {
  const s = await openSession(opts.cwd);
  let r: GuardReport;
  try {
    r = await runGuard(s, { repair: opts.repair });
  } catch (err) {
    // The hooks' run found another guard run busy (--watch, the scheduler): that run logs what there is.
    if (opts.fromHook && err instanceof DxError && err.code === 'GUARD_BUSY') return EXIT.OK;
    throw err;
  }
  if (opts.json) printJson(r);
  else if (!opts.fromHook || !r.healthy || r.logged.length || r.warnings.length) show(r, s);
  return r.healthy || opts.fromHook ? EXIT.OK : EXIT.FAILED;
}

/** Every repository of `--all` (the machine config's list) or `--repos`: one block each; exit 1 when any drifts or fails. */
async function many(opts: GuardFlags): Promise<number> {
  const [{ loadMachineConfig, machineConfigPath }, { resolveRepos }] = await Promise.all([import('../core/machine.js'), import('../core/batch/repos.js')]);
  const machine = await loadMachineConfig();
  if (!opts.repos?.length && !machine.repos?.length) {
    if (opts.json) printJson({ items: [] });
    else out(`dx-hooks guard --all: no repositories in ${machineConfigPath()} (dx-hooks install adds each repository): nothing to check`);
    return EXIT.OK;
  }
  const repos = await resolveRepos(opts.repos ?? [], machine, opts.cwd);
  const items: { repo: string; report?: GuardReport; hooks?: string[]; error?: string }[] = [];
  let failed = 0;
  for (const repo of repos) {
    try {
      const s = await openSession(repo);
      const report = await runGuard(s, { repair: opts.repair });
      // The scheduled guard also checks that git still runs dx-hooks' hooks here (issue 11): said, alerted, a failure.
      const { refreshHookAlert } = await import('../core/hookcheck/alert.js');
      const hooks = (await refreshHookAlert(s.ctx, { askGit: true, machine: s.machine })).problems.map((p) => `${p.message} (fix: dx-hooks doctor --fix)`);
      items.push({ repo, report, ...(hooks.length ? { hooks } : {}) });
      if (!report.healthy || hooks.length) failed++;
      if (!opts.json) {
        show(report, s, `${repo}: `);
        for (const line of hooks) warn(`${repo}: ${pc.red('✖')} ${line}`);
      }
    } catch (err) {
      failed++;
      items.push({ repo, error: describeError(err) });
      if (!opts.json) warn(`${repo}: ${pc.red('✖')} ${describeError(err)}`);
    }
  }
  if (opts.json) printJson({ items });
  return failed ? EXIT.FAILED : EXIT.OK;
}

/** Run until SIGINT/SIGTERM: a guard run on every file-system event near a critical path and every interval. Prints only changes. */
async function watchLoop(opts: GuardFlags): Promise<number> {
  const intervalMs = parseDuration(opts.interval ?? '60s') * 1000;
  // Listening from the start, with on() and before any library that hooks signals loads (proper-lockfile and
  // write-file-atomic use signal-exit, which re-raises a signal when it counts no other listener).
  let stopped: () => void = () => undefined;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = () => stopped();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const first = await openSession(opts.cwd);
  const { watchCritical } = await import('../core/guardrail/watch.js');
  let last = '';
  const report = async (reason: string) => {
    try {
      const s = await openSession(opts.cwd);
      const r = await runGuard(s, { repair: opts.repair });
      const key = JSON.stringify(r.drifts);
      if (key === last && !r.logged.length && !r.repaired.length) return;
      last = key;
      if (opts.json) printJson({ at: Math.floor(Date.now() / 1000), reason, ...r });
      else {
        out(pc.dim(`[${new Date().toISOString()}] ${reason}`));
        show(r, s);
      }
    } catch (err) {
      // A failing run is loud and the watch goes on: the next event or interval tries again.
      warn(`${pc.red('✖')} dx-hooks guard --watch: ${describeError(err)}`);
    }
  };
  await report('start');
  const w = await watchCritical(first, intervalMs, (reason) => report(reason));
  if (!opts.json) out(pc.dim(`watching ${criticalEntries(first.config).length} critical entr(ies) in ${first.ctx.top}; every ${opts.interval ?? '60s'} and on file-system events; Ctrl-C stops`));
  await stop;
  await w.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return EXIT.OK;
}

/** The guard command. */
export async function run(opts: GuardFlags): Promise<number> {
  if (opts.interval && !opts.watch) throw new DxError('USAGE', '--interval only applies to --watch', 'Use: dx-hooks guard --watch --interval 60s', EXIT.USAGE);
  if (opts.watch && (opts.all || opts.repos?.length)) throw new DxError('USAGE', '--watch watches one repository', 'Run it in the repository to watch, or schedule the others: dx-hooks schedule install --guard', EXIT.USAGE);
  if (opts.watch) return watchLoop(opts);
  if (opts.all || opts.repos?.length) return many(opts);
  return once(opts);
}
