/**
 * A session: everything a command or hook needs, resolved once — the repository context, the
 * validated `.dxrc`, the machine config and this host's id.
 */
import { loadConfig } from './config/load.js';
import type { DxConfig } from './config/schema.js';
import { dxPaths, openRepo, type RepoContext } from './context.js';
import { resolveHost } from './host.js';
import { loadMachineConfig, type MachineConfig } from './machine.js';

/** A resolved session. `configFile` is null when no `.dxrc` exists (defaults apply). */
export interface Session { ctx: RepoContext; config: DxConfig; configFile: string | null; machine: MachineConfig; host: string }

/**
 * Open a session for the work tree containing `cwd`.
 * @throws DxError NOT_A_REPO, CONFIG_INVALID, CONFIG_UNTRUSTED, MACHINE_CONFIG_INVALID (all exit 2)
 */
export async function openSession(cwd: string): Promise<Session> {
  const ctx = await openRepo(cwd);
  const machine = await loadMachineConfig();
  const { config, file } = await loadConfig(ctx.top, dxPaths(ctx).configCache, machine.allowJsConfig === true);
  return { ctx, config, configFile: file, machine, host: resolveHost(machine.host) };
}
