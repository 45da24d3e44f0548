// Running core functions in the test process: the process environment pinned to a sandbox (as a spawned
// CLI would see it), and the git runner's own DX_DEBUG trace to count the git processes a call starts.
import type { Sandbox } from './sandbox.ts';

/** Pin process.env to the sandbox (HOME, XDG, git's config) and this host: in-process git and the machine config see only the sandbox. */
export function pinProcessEnv(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

/** The git commands `fn` ran (the runner's DX_DEBUG lines, `dx-hooks: git "<arg>" …`), and what it returned. */
export async function tracedGit<T>(fn: () => Promise<T>): Promise<{ value: T; gits: string[] }> {
  const gits: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.env.DX_DEBUG = '1';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (text.startsWith('dx-hooks: git ')) gits.push(text);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), gits };
  } finally {
    process.stderr.write = write;
    delete process.env.DX_DEBUG;
  }
}
