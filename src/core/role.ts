/**
 * Roles (DESIGN §1): `active` (sync only fetches; auto-checkpoint on) or `reference` (sync backs
 * up, then resets hard to the remote; auto-checkpoint off). The machine config holds the
 * machine's role; a repository's `.dxrc` `role` overrides it.
 */
import type { DxConfig } from './config/schema.js';
import type { MachineConfig } from './machine.js';

/** A role. */
export type Role = 'active' | 'reference';

/** The role in effect and where it comes from. */
export interface EffectiveRole { role: Role; source: 'repository' | 'machine' | 'default' }

/** The role in effect for a repository: `.dxrc` `role`, else the machine config's, else `active`. */
export function effectiveRole(config: Pick<DxConfig, 'role'> | null, machine: MachineConfig): EffectiveRole {
  if (config?.role) return { role: config.role, source: 'repository' };
  if (machine.role) return { role: machine.role, source: 'machine' };
  return { role: 'active', source: 'default' };
}

/** What a role means, in one line (for `role` and the README). */
export function describeRole(role: Role): string {
  return role === 'active'
    ? 'active: sync only fetches and reports divergence; scheduled checkpoints run'
    : 'reference: sync backs up anything only here as WIP, then resets hard to the remote; scheduled checkpoints skip it';
}
