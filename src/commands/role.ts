/** `dx-hooks role [active|reference|status] [--json]`: show or set this machine's role (machine config), and the role in effect here. */
import pc from 'picocolors';
import { DxError, EXIT } from '../core/errors.js';
import { loadMachineConfig, machineConfigPath, updateMachineConfig } from '../core/machine.js';
import { describeRole, effectiveRole, type EffectiveRole, type Role } from '../core/role.js';
import { out, printJson } from './common.js';

const ROLES = ['active', 'reference'] as const;

/** Set the machine role (active|reference) or show it (none or "status"). Returns 0. @throws DxError BAD_ROLE (exit 2), MACHINE_CONFIG_INVALID */
export async function run(opts: { role?: string; json?: boolean; cwd: string }): Promise<number> {
  const arg = opts.role;
  if (arg !== undefined && arg !== 'status' && !ROLES.includes(arg as Role)) {
    throw new DxError('BAD_ROLE', `"${arg}" is not a role`, 'Use: dx-hooks role active, dx-hooks role reference, or dx-hooks role status.', EXIT.USAGE);
  }
  let changed = false;
  if (arg === 'active' || arg === 'reference') {
    const before = (await loadMachineConfig()).role;
    await updateMachineConfig((c) => ({ ...c, role: arg }));
    changed = before !== arg;
  }
  const machine = await loadMachineConfig();
  // Inside a repository, also say what applies here (a .dxrc role overrides the machine's).
  let here: (EffectiveRole & { repo: string }) | null = null;
  try {
    const { openSession } = await import('../core/session.js');
    const s = await openSession(opts.cwd);
    here = { repo: s.ctx.top, ...effectiveRole(s.config, machine) };
  } catch (err) {
    if (!(err instanceof DxError) || !['NOT_A_REPO', 'BARE_REPO', 'NOT_A_WORK_TREE'].includes(err.code)) throw err;
  }
  const machineRole = machine.role ?? 'active';
  if (opts.json) {
    printJson({ machine: { role: machineRole, set: !!machine.role, file: machineConfigPath() }, changed, repository: here });
    return 0;
  }
  if (arg === 'active' || arg === 'reference') out(pc.green(`✔ this machine's role is now ${arg}`) + (changed ? '' : ' (it already was)') + ` — ${machineConfigPath()}`);
  else out(`machine role: ${pc.bold(machineRole)}${machine.role ? '' : ' (default)'} — ${describeRole(machineRole)}`);
  if (here && here.source === 'repository') out(`  ${here.repo}: ${pc.bold(here.role)} (set by its .dxrc "role", which overrides the machine's)`);
  else if (here) out(`  ${here.repo}: ${here.role}`);
  return 0;
}
