/**
 * The host id (DESIGN §1): which machine made a WIP ref. `DX_HOST` wins, then the machine
 * config's `host`, then `hostname -s`; always reduced to `[a-z0-9._-]` and made a valid ref component.
 */
import os from 'node:os';

/**
 * Reduce any string to a host id usable as one ref component: lower-case `[a-z0-9._-]`,
 * no leading dot, no `..`, no trailing `.lock`/`.`; `unknown` when nothing is left.
 */
export function sanitizeHost(raw: string): string {
  let h = raw.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  h = h.replace(/\.{2,}/g, '.').replace(/^[.-]+/, '').replace(/(\.lock)+$/, '').replace(/[.]+$/, '');
  return h.slice(0, 64) || 'unknown';
}

/** `hostname -s`: the first label of the OS host name. */
export function shortHostname(): string {
  return os.hostname().split('.')[0] ?? '';
}

/**
 * This machine's host id.
 * @param machineHost the machine config's `host` override, if any
 * @param env         environment to read `DX_HOST` from (default process.env)
 */
export function resolveHost(machineHost?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DX_HOST?.trim();
  if (fromEnv) return sanitizeHost(fromEnv);
  if (machineHost?.trim()) return sanitizeHost(machineHost);
  return sanitizeHost(shortHostname());
}
