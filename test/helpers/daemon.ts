// Why: the network path (git://) must be exercised for real — a `git daemon` on 127.0.0.1 —
// and so must an unreachable remote, without touching anything outside the machine.
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Sandbox } from './sandbox.ts';
import { waitFor } from './sandbox.ts';

/** Binds 127.0.0.1:0, reads the port the OS chose, closes the socket and returns the port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close((e) => (e ? reject(e) : port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Resolves true if a TCP connect to 127.0.0.1:port succeeds within 1000 ms, false otherwise. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export interface GitDaemon {
  port: number;
  /** `git://127.0.0.1:<port>/<name>`; name is relative to the daemon's baseDir. */
  url(name: string): string;
  /** SIGTERM, then wait for exit (SIGKILL after 5000 ms). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `git daemon` serving every repository under baseDir (read and push) on a free port of
 * 127.0.0.1, with sb.env. Resolves once the port accepts TCP connections. Throws if the daemon
 * exits early or is not listening within 10000 ms (the daemon is killed first).
 */
export async function startGitDaemon(sb: Sandbox, baseDir: string): Promise<GitDaemon> {
  const port = await freePort();
  const child = spawn(
    'git',
    ['daemon', '--reuseaddr', `--base-path=${baseDir}`, '--export-all', '--enable=receive-pack', '--listen=127.0.0.1', `--port=${port}`, '--informative-errors', baseDir],
    { cwd: sb.root, env: sb.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (e) => {
      stderr += `\n${e.message}`;
      exited = true;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`git daemon exited before listening on port ${port}: ${stderr}`);
        return canConnect(port);
      },
      { timeoutMs: 10_000, what: `git daemon on 127.0.0.1:${port}` },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, url: (name) => `git://127.0.0.1:${port}/${name}`, stop };
}

/** A git:// URL on 127.0.0.1 whose port nothing listens on (connections are refused at once). */
export async function unreachableUrl(): Promise<string> {
  return `git://127.0.0.1:${await freePort()}/unreachable.git`;
}
