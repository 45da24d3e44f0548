/**
 * Batch lanes: with `--parallel N` over many repositories, N child processes (`dx-hooks batch-lane`,
 * over an IPC channel) do the per-repository work instead of the command's own process. Each
 * repository costs a dozen git processes, and starting one costs node ~2–3 ms of CPU on its own
 * thread (fork of a 70–90 MB process; bench/README.md, scenario 17): one node process could not keep
 * two cores busy. The parent keeps what must be one: the progress file, the run lock, the terminal.
 * A lane that dies fails the repository it held (redone by --retry-failed); with none left, the rest
 * runs in the parent. A lane ignores SIGINT and SIGTERM (the parent lets the running repositories
 * finish, as it does in-process) and exits when the parent disconnects or dies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jobWork, type BatchJob } from '../core/batch/jobs.js';
import type { RepoOutcome, WorkPool } from '../core/batch/run.js';
import { describeError } from '../core/errors.js';

/** Parent → lane: the job once, then one repository at a time. Lane → parent: each repository's outcome. */
type ToLane = { type: 'job'; job: BatchJob } | { type: 'repo'; id: number; repo: string };
type FromLane = { type: 'done'; id: number; outcome: RepoOutcome<unknown> };

/** Lanes the parent started: `run` one repository on an idle lane, `close` them all (each killed 5 s after its disconnect if still there). */
export type LanePool = WorkPool;

interface Lane {
  child: ChildProcess;
  alive: boolean;
  held: { id: number; repo: string; done: (o: RepoOutcome<unknown>) => void } | null;
  exited: Promise<void>;
}

/** The CLI entry a lane runs (`dist/cli.js`, next to this module's folder). */
function cliPath(): string {
  return fileURLToPath(new URL('../cli.js', import.meta.url));
}

/**
 * Start `count` lanes for `job`. `fallback` does a repository in this process when no lane is left.
 * Never throws: a lane that cannot start counts as dead.
 */
export function startLanes(count: number, job: BatchJob, fallback: (repo: string) => Promise<RepoOutcome<unknown>>): LanePool {
  let nextId = 1;
  const idleWaiters: (() => void)[] = [];
  const wake = () => idleWaiters.splice(0).forEach((w) => w());
  const lanes: Lane[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(cliPath(), ['batch-lane'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    const lane: Lane = { child, alive: true, held: null, exited: Promise.resolve() };
    lane.exited = new Promise((resolve) => {
      const gone = (why: string) => {
        if (!lane.alive) return resolve();
        lane.alive = false;
        const held = lane.held;
        lane.held = null;
        held?.done({ status: 'failed', error: `the batch lane (pid ${child.pid ?? '?'}) ${why} while working on this repository; nothing after it was lost — redo it: --retry-failed` });
        wake();
        resolve();
      };
      child.once('exit', (code, signal) => gone(signal ? `was killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (err) => gone(`could not run (${describeError(err)})`));
    });
    child.on('message', (m: FromLane) => {
      if (m?.type !== 'done' || !lane.held || lane.held.id !== m.id) return;
      const held = lane.held;
      lane.held = null;
      held.done(m.outcome);
      wake();
    });
    child.send({ type: 'job', job } satisfies ToLane, (err) => {
      if (err) child.kill('SIGKILL');
    });
    lanes.push(lane);
  }

  const run = async (repo: string): Promise<RepoOutcome<unknown>> => {
    for (;;) {
      const idle = lanes.find((l) => l.alive && !l.held);
      if (idle) {
        return new Promise<RepoOutcome<unknown>>((done) => {
          const id = nextId++;
          idle.held = { id, repo, done };
          idle.child.send({ type: 'repo', id, repo } satisfies ToLane, (err) => {
            if (err && idle.held?.id === id) idle.child.kill('SIGKILL'); // the exit handler fails this repository
          });
        });
      }
      if (!lanes.some((l) => l.alive)) return fallback(repo);
      await new Promise<void>((r) => idleWaiters.push(r));
    }
  };

  const close = async (): Promise<void> => {
    const graceMs = 5000;
    await Promise.all(
      lanes.map(async (l) => {
        if (!l.alive) return;
        if (l.child.connected) l.child.disconnect();
        const timer = setTimeout(() => l.child.kill('SIGKILL'), graceMs);
        await l.exited;
        clearTimeout(timer);
      }),
    );
  };

  return { run, close };
}

/**
 * The lane's side (`dx-hooks batch-lane`): take the job, then do each repository sent and answer with
 * its outcome. Resolves when the parent disconnects (or dies): the process then exits.
 */
export function serveLane(): Promise<void> {
  // The parent decides about signals: the repository in progress finishes (batch-ui.ts), then it disconnects.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  let work: Promise<(repo: string) => Promise<RepoOutcome<unknown>>> | null = null;
  process.on('message', (m: ToLane) => {
    if (m?.type === 'job') work = jobWork(m.job);
    else if (m?.type === 'repo') {
      void (async () => {
        let outcome: RepoOutcome<unknown>;
        try {
          if (!work) throw new Error('no job was sent before the first repository');
          outcome = await (await work)(m.repo);
        } catch (err) {
          outcome = { status: 'failed', error: describeError(err) };
        }
        if (process.connected) process.send?.({ type: 'done', id: m.id, outcome } satisfies FromLane);
      })();
    }
  });
  return new Promise((resolve) => process.once('disconnect', () => resolve()));
}
