/**
 * The one place scheduling starts programs (systemctl, launchctl, crontab): argv arrays, no shell,
 * a bounded time, and a non-zero exit returned as data — for `crontab -l` and `is-active` it is an answer.
 */
import { spawn } from 'node:child_process';

/** How a program ended. `code` is -1 when it never ran (`missing`: not on PATH) or was killed after the timeout (`timedOut`). */
export interface ExecResult { code: number; stdout: string; stderr: string; missing: boolean; timedOut: boolean }

/** Something that runs argv; `runArgv` here, a stand-in in tests. */
export type Runner = (argv: readonly string[], opts?: { input?: string; timeoutMs?: number }) => Promise<ExecResult>;

/**
 * Run `argv[0]` with `argv[1..]` (found on PATH), with `input` on stdin, killed after `timeoutMs`
 * (default 30 000 ms). Never throws: failures come back in the result.
 */
export const runArgv: Runner = (argv, opts = {}) =>
  new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let done = false;
    const finish = (r: Omit<ExecResult, 'stdout' | 'stderr' | 'timedOut'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') err.push(Buffer.from(e.message));
      finish({ code: -1, missing: e.code === 'ENOENT' });
    });
    child.on('close', (code) => finish({ code: timedOut ? -1 : (code ?? -1), missing: false }));
    child.stdin.on('error', () => {}); // the program may exit without reading its input (EPIPE)
    child.stdin.end(opts.input ?? '');
  });
