/**
 * How a batch shows progress: on a terminal a progress bar (cli-progress, on stderr); in a pipe
 * one plain line per repository (stdout, or stderr when stdout carries --json). Also the shared
 * batch options of sync, checkpoint and status.
 */
import path from 'node:path';
import pc from 'picocolors';
import { runBatch, type BatchEvents, type BatchItem, type BatchResult, type RepoOutcome } from '../core/batch/run.js';
import type { BatchTarget, TargetFlags } from '../core/batch/target.js';
import { DxError, EXIT } from '../core/errors.js';
import { machineConfigPath, type MachineConfig } from '../core/machine.js';
import { safe, terminalLine, warn } from './print.js';

/**
 * The batch flags every batch command takes (commander: `--no-resume` gives resume=false), and the
 * ones naming the repositories (core/batch/target.ts: `--all`, `--repos`, positional paths).
 */
export interface BatchFlags extends TargetFlags { parallel?: string; resume?: boolean; retryFailed?: boolean; json?: boolean }

/** How a finished repository's result reads: `error` is a failure even when the work ran (work at risk, a refusal). */
export type ResultLevel = 'ok' | 'info' | 'warning' | 'error';

/**
 * The repositories of a `--all` or `--repos` target (core/batch/repos.ts). A glob of the machine
 * config's list that matches nothing is said on stderr, and the others still run.
 * @throws DxError NO_REPOS, GLOB_NO_MATCH (exit 2)
 */
export async function targetRepos(target: Exclude<BatchTarget, { kind: 'here' }>, machine: MachineConfig, cwd: string): Promise<string[]> {
  const { resolveRepos } = await import('../core/batch/repos.js');
  return resolveRepos(target.kind === 'repos' ? target.patterns : [], machine, cwd, (glob) => warn(`dx-hooks: "${glob}" in ${machineConfigPath()} matches no repository (no directory holding .git); running the others`));
}

/** `--parallel` as a number. @throws DxError BAD_PARALLEL (exit 2) */
export function parallelOf(flags: BatchFlags): number {
  const n = Number(flags.parallel ?? '1');
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new DxError('BAD_PARALLEL', `--parallel must be a whole number from 1 to 64, not "${flags.parallel}"`, 'For example: --parallel 4', EXIT.USAGE);
  return n;
}

/** A repository path as shown: relative to the home directory when under it. */
export function showRepo(repo: string): string {
  const home = process.env.HOME;
  return home && repo.startsWith(home + path.sep) ? `~/${path.relative(home, repo)}` : repo;
}

/**
 * One plain line for a finished repository. `describe` gives the command's summary of a result;
 * `levelOf` its level, so a repository whose work ran but found a failure never gets a ✔.
 */
export function itemLine<R>(item: BatchItem<R>, describe: (r: R) => string, levelOf?: (r: R) => ResultLevel): string {
  const where = showRepo(item.repo);
  if (item.status === 'failed') return pc.red(`✖ ${where} — ${item.error}`);
  if (item.status === 'skipped') return pc.yellow(`- ${where} — skipped: ${item.reason}`);
  if (item.status === 'not-run') return pc.dim(`· ${where} — not run (interrupted)`);
  const summary = item.result !== undefined ? ` — ${describe(item.result)}` : '';
  const level = item.result !== undefined && levelOf ? levelOf(item.result) : 'ok';
  if (level === 'error') return pc.red(`✖ ${where}${summary}`);
  if (level === 'warning') return `${pc.yellow('!')} ${where}${summary}`;
  return `${pc.green('✔')} ${where}${summary}`;
}

/** Batch events for the terminal. Call `stop()` after the batch (it clears the bar). */
export async function batchEvents<R>(flags: BatchFlags, describe: (r: R) => string, levelOf?: (r: R) => ResultLevel): Promise<BatchEvents<R> & { interrupted(signal: string): void; stop(): void }> {
  const print = (line: string) => (flags.json ? process.stderr : process.stdout).write(terminalLine(line) + '\n');
  const useBar = process.stderr.isTTY === true && !process.env.CI;
  let bar: { start(total: number, value: number): void; update(v: number, payload?: object): void; stop(): void } | null = null;
  if (useBar) {
    const { default: cliProgress } = await import('cli-progress');
    bar = new cliProgress.SingleBar({ format: 'dx-hooks {bar} {value}/{total} {repo}', hideCursor: true, clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
  }
  return {
    start({ total, todo, plan, file }) {
      if (plan.note) process.stderr.write(terminalLine(pc.dim(`dx-hooks: ${plan.note} (${file})`)) + '\n');
      bar?.start(total, total - todo);
    },
    repoDone(item, counts) {
      if (bar) {
        bar.update(counts.done, { repo: safe(showRepo(item.repo)) });
        const bad = item.status === 'failed' || (item.status === 'ok' && item.result !== undefined && levelOf?.(item.result) === 'error');
        if (bad) process.stderr.write('\n' + terminalLine(itemLine(item, describe, levelOf)) + '\n');
      } else print(itemLine(item, describe, levelOf));
    },
    interrupted(signal) {
      bar?.stop();
      bar = null;
      process.stderr.write(pc.yellow(`dx-hooks: ${signal}: finishing the repositories in progress, then stopping — the next run resumes (Ctrl-C again to stop now)`) + '\n');
    },
    stop() {
      bar?.stop();
    },
  };
}

/** Exit code of a batch: 130/143 when a signal stopped it, else `base`. */
export function batchExit<R>(r: BatchResult<R>, base: number): number {
  if (r.interrupted === 'SIGINT') return 130;
  if (r.interrupted) return 143;
  return base;
}

/**
 * Run a batch command the way every batch command runs: the flags (`--parallel`, `--no-resume`,
 * `--retry-failed`, `--json`), the terminal display, then the runner. `describe` is the one-line summary of a result,
 * `levelOf` its level (the line's mark: ✔, ! or ✖).
 * @throws DxError BAD_PARALLEL (exit 2), BATCH_RUNNING (exit 1)
 */
export async function runBatchCommand<R>(command: string, repos: string[], flags: BatchFlags, describe: (r: R) => string, work: (repo: string) => Promise<RepoOutcome<R>>, levelOf?: (r: R) => ResultLevel): Promise<BatchResult<R>> {
  const parallel = parallelOf(flags);
  const events = await batchEvents<R>(flags, describe, levelOf);
  // The first Ctrl-C or SIGTERM stops the batch after the repositories in progress (the core sees an
  // AbortSignal); a second one exits at once (the progress file already names what is done).
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    stop.abort(sig);
    events.interrupted(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runBatch<R>({ command, repos, parallel, resume: flags.resume !== false, retryFailed: !!flags.retryFailed, events, work, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    events.stop();
  }
}
