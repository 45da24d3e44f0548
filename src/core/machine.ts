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
export interface MachineConfig { host?: string; role?: 'active' | 'reference'; webhook?: string; repos?: string[]; allowJsConfig?: boolean }

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
 * Read and validate the machine config. A missing file is `{}`.
 * @throws DxError MACHINE_CONFIG_INVALID (exit 2) naming the file, key and bad value
 */
export async function loadMachineConfig(file = machineConfigPath()): Promise<MachineConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DxError('MACHINE_CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, `Fix or delete ${file}.`, EXIT.USAGE);
  }
  const [{ MachineConfigSchema }, { formatZodIssues }] = await Promise.all([import('./machine-schema.js'), import('./config/issues.js')]);
  const r = MachineConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new DxError('MACHINE_CONFIG_INVALID', `${file} is invalid:\n${formatZodIssues(r.error, raw)}`, `Fix or delete ${file}.`, EXIT.USAGE);
  }
  return r.data as MachineConfig;
}
