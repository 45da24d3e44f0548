/**
 * Doctor's session: like `openSession`, but an invalid `.dxrc` or machine config is a diagnostic
 * (`CONFIG_INVALID`, `MACHINE_CONFIG_INVALID`), never the end of the run — every check that does
 * not need the config still runs, on the defaults. Reads only: the config cache is not written.
 */
import { loadConfig } from '../config/load.js';
import { defaultConfig } from '../config/schema.js';
import type { RepoContext } from '../context.js';
import { DxError, describeError } from '../errors.js';
import { resolveHost } from '../host.js';
import { loadMachineConfig, type MachineConfig } from '../machine.js';
import type { Session } from '../session.js';
import type { Diagnostic } from './types.js';

/** A session for the checks. `configOk` false: `s.config` holds the defaults because `.dxrc` is invalid, so fixes that act on the config (push WIP, rebuild the index, repair critical files) are not offered. */
export interface DoctorSession { s: Session; configOk: boolean }

function asDiagnostic(err: unknown, fallbackCode: string): Diagnostic {
  const code = err instanceof DxError ? err.code : fallbackCode;
  const hint = err instanceof DxError ? err.hint : undefined;
  return { code, severity: 'error', message: err instanceof DxError ? err.message : describeError(err), fixable: false, hint };
}

/** The machine config, or `{}` with a `MACHINE_CONFIG_INVALID` diagnostic when it does not validate. */
export async function loadMachineForDoctor(): Promise<{ machine: MachineConfig; diagnostics: Diagnostic[] }> {
  try {
    return { machine: await loadMachineConfig(), diagnostics: [] };
  } catch (err) {
    return { machine: {}, diagnostics: [asDiagnostic(err, 'MACHINE_CONFIG_INVALID')] };
  }
}

/**
 * Load `.dxrc` for `ctx` (no cache write). On failure the session carries the defaults and the
 * diagnostic says what is wrong: `CONFIG_INVALID` naming the key, the value and what is allowed, or
 * `CONFIG_UNTRUSTED` for a JavaScript config the machine does not allow.
 */
export async function openDoctorSession(ctx: RepoContext, machine: MachineConfig): Promise<{ session: DoctorSession; diagnostics: Diagnostic[] }> {
  const host = resolveHost(machine.host);
  try {
    const { config, file } = await loadConfig(ctx.top, null, machine.allowJsConfig === true);
    return { session: { s: { ctx, config, configFile: file, machine, host }, configOk: true }, diagnostics: [] };
  } catch (err) {
    const d = asDiagnostic(err, 'CONFIG_INVALID');
    d.hint = `${d.hint ?? 'Fix the file named above.'} Until then the hooks only warn; doctor ran its other checks on the default config.`;
    return { session: { s: { ctx, config: defaultConfig(), configFile: null, machine, host }, configOk: false }, diagnostics: [d] };
  }
}
