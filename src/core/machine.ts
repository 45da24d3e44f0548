/**
 * Machine-level settings (DESIGN §5): role, host override, notification webhook, the list of
 * repositories for batch commands. They live in the user's config directory (XDG), never in a
 * repository, so a cloned repository cannot make dx-hooks run a command or call a URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { DxError, EXIT } from './errors.js';

/** Machine config (`<XDG_CONFIG_HOME>/dx-hooks/config.json`); the zod schema is in machine-schema.ts, loaded only when the file exists. */
export interface MachineConfig {
  host?: string;
  role?: 'active' | 'reference';
  /** http(s) URL alerted when a failure episode starts and recovers (core/alert/) */
  webhook?: string;
  /** desktop notifications for the same episodes; default true */
  desktopNotify?: boolean;
  repos?: string[];
  allowJsConfig?: boolean;
  /** gitignore patterns of paths this machine lets through the built-in secret exclusions (src/core/secrets/names.ts) */
  allowSecrets?: string[];
  /** agent name → `Name <email>`: the Co-authored-by trailer of that agent's attributed commits (agents/trailers.ts) */
  agentCoAuthors?: Record<string, string>;
}

/**
 * The user's directories for dx-hooks, from env-paths: `config` (settings: `$XDG_CONFIG_HOME/dx-hooks`)
 * and `state` (batch progress, logs: `$XDG_STATE_HOME/dx-hooks` on Linux). Absolute paths.
 */
export function userDirs(): { config: string; state: string } {
  const p = envPaths('dx-hooks', { suffix: '' });
  return { config: p.config, state: p.log };
}

/** Path of the machine config file. */
export function machineConfigPath(): string {
  return path.join(userDirs().config, 'config.json');
}

/**
 * The machine config checked without zod (~80 ms to load on every command) when it is plainly valid:
 * only the schema's keys, each with exactly the type machine-schema.ts allows. `webhook` (a URL), any
 * other key and any doubt go to zod, which gives the error message.
 */
const PLAIN: Record<string, (v: unknown) => boolean> = {
  host: (v) => typeof v === 'string' && v.length > 0,
  role: (v) => v === 'active' || v === 'reference',
  repos: (v) => Array.isArray(v) && v.every((r) => typeof r === 'string'),
  allowJsConfig: (v) => typeof v === 'boolean',
  desktopNotify: (v) => typeof v === 'boolean',
  allowSecrets: (v) => Array.isArray(v) && v.every((r) => typeof r === 'string' && r.length > 0),
};

/** Whether `raw` is a machine config that zod would accept as it is (see PLAIN). */
export function plainlyValid(raw: unknown): raw is MachineConfig {
  return !!raw && typeof raw === 'object' && !Array.isArray(raw) && Object.entries(raw).every(([k, v]) => Object.hasOwn(PLAIN, k) && (PLAIN[k] as (v: unknown) => boolean)(v));
}

/**
 * Read and validate the machine config. A missing file is `{}`.
 * @throws DxError MACHINE_CONFIG_INVALID (exit 2) naming the file, key and bad value
 */
export async function loadMachineConfig(file = machineConfigPath()): Promise<MachineConfig> {
  // Missing: no machine config yet. Any other read error (a directory, no permission) is loud: a
  // config silently read as empty would drop the host id, the repository list and the alerts.
  const { readStoreText } = await import('./store/read.js');
  const text = readStoreText(file);
  if (text === null) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DxError('MACHINE_CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, `Fix or delete ${file}.`, EXIT.USAGE);
  }
  if (plainlyValid(raw)) return raw;
  const [{ MachineConfigSchema }, { formatZodIssues }] = await Promise.all([import('./machine-schema.js'), import('./config/issues.js')]);
  const r = MachineConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new DxError('MACHINE_CONFIG_INVALID', `${file} is invalid:\n${formatZodIssues(r.error, raw)}`, `Fix or delete ${file}.`, EXIT.USAGE);
  }
  return r.data as MachineConfig;
}

/**
 * Change the machine config: read and validate it, apply `change`, validate the result, and write
 * it atomically under a lock (so two installs registering repositories at once never lose one).
 * Unknown-but-valid keys written by hand are kept as they were.
 * @returns the written config
 * @throws DxError MACHINE_CONFIG_INVALID (exit 2) when the file or the changed config is invalid; LOCKED (exit 1)
 */
export async function updateMachineConfig(change: (c: MachineConfig) => MachineConfig, file = machineConfigPath()): Promise<MachineConfig> {
  const [{ acquireLock }, { writeUserJson }, { MachineConfigSchema }, { formatZodIssues }] = await Promise.all([
    import('./lock.js'),
    import('./store/user.js'),
    import('./machine-schema.js'),
    import('./config/issues.js'),
  ]);
  // This machine's default host id is made before the first machine config: a config without an id
  // means an earlier version ran here under the plain hostname (host.ts), which must not be guessed wrong.
  if (file === machineConfigPath() && !fs.existsSync(file)) {
    try {
      (await import('./host.js')).defaultHost();
    } catch {
      /* a damaged host-id file: said by every command that needs the host */
    }
  }
  const release = await acquireLock(path.join(path.dirname(file), '.config.json.update'), 10_000);
  if (!release) throw new DxError('LOCKED', `another dx-hooks process is changing ${file}`, 'Try again in a moment.', EXIT.FAILED);
  try {
    const next = change(await loadMachineConfig(file));
    const r = MachineConfigSchema.safeParse(next);
    if (!r.success) throw new DxError('MACHINE_CONFIG_INVALID', `the change would make ${file} invalid:\n${formatZodIssues(r.error, next)}`, 'Nothing was written.', EXIT.USAGE);
    writeUserJson(file, r.data, { indent: 2 });
    return r.data as MachineConfig;
  } finally {
    await release();
  }
}

/** Add (or with `remove`, drop) a repository's absolute work-tree path in the machine config's `repos` list. Returns whether the list changed. */
export async function registerRepo(top: string, remove = false): Promise<boolean> {
  let changed = false;
  await updateMachineConfig((c) => {
    const repos = c.repos ?? [];
    const has = repos.includes(top);
    if (remove ? !has : has) return c;
    changed = true;
    const next = remove ? repos.filter((r) => r !== top) : [...repos, top];
    return { ...c, repos: next };
  });
  return changed;
}
