// Waiting out dx-hooks' detached background work (hook workers, the hooks' guard runs) before a test counts what they wrote, and counting the node processes the hooks start.
import fs from 'node:fs';
import path from 'node:path';
import type { Host } from './git.ts';
import { makeSandbox, waitFor, type Sandbox } from './sandbox.ts';

/** Pids (other than ours) whose working directory is `dir` or below it: a detached hook worker or guard run, its git children. Empty where /proc is missing. */
export function processesIn(dir: string): number[] {
  if (!fs.existsSync('/proc/self/cwd')) return [];
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + path.sep)) pids.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Wait (at most 30 s) until no process works in the host's work tree any more. */
export async function idle(h: Host): Promise<void> {
  await waitFor(async () => processesIn(h.dir).length === 0, { what: `background work in ${h.dir} to finish`, timeoutMs: 30_000 });
}

/** A sandbox whose cleanup (after the test) first waits out the background work of every host pushed onto `hosts`. */
export async function idleSandbox(t: { after: (fn: () => Promise<void>) => void }): Promise<{ sb: Sandbox; hosts: Host[] }> {
  const sb = await makeSandbox();
  const hosts: Host[] = [];
  t.after(async () => {
    for (const h of hosts) await idle(h);
    await sb.cleanup();
  });
  return { sb, hosts };
}

/**
 * A `node` first on the host's PATH that logs its arguments (one line per start) to a file, then runs
 * the real node: how the tests count the node processes the hooks start. `lines()` reads the log.
 */
export function spyOnNode(sb: Sandbox, h: Host): { log: string; bin: string; lines: () => string[] } {
  const bin = sb.tmp('bin');
  const log = sb.tmp('node.log');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  h.env.PATH = `${bin}${path.delimiter}${h.env.PATH ?? ''}`;
  return { log, bin, lines: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

/**
 * A sandbox whose cleanup waits out every host's background work (idleSandbox), a seeded bare remote,
 * and one clone per name with dx-hooks installed and committed, each quiet before the test goes on.
 * `env` is added to every host's environment first (e.g. DX_WIP_PUSH).
 */
export async function installedHosts(t: { after: (fn: () => Promise<void>) => void }, names: string[], env: NodeJS.ProcessEnv = {}): Promise<{ sb: Sandbox; remote: string; hosts: Host[] }> {
  const [{ cloneAs, createBareRemote, seedRemote }, { installHooks }] = await Promise.all([import('./git.ts'), import('./install.ts')]);
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  for (const name of names) {
    const h = await cloneAs(sb, remote, name);
    hosts.push(h);
    Object.assign(h.env, env);
    await installHooks(h);
    await h.commit('install dx-hooks');
    await idle(h);
  }
  return { sb, remote, hosts: [...hosts] };
}
