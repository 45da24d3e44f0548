/**
 * Doctor's `CRITICAL_MISSING`: the guardrail's check of `guard.critical` (a file gone, or no longer
 * executable). `--fix` is the guard's repair (snapshot first, files restored from history).
 */
import { DxError } from '../errors.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { checkCritical } from '../guardrail/check.js';
import { runGuard } from '../guardrail/run.js';
import { once } from './shared.js';
import type { Diagnostic } from './types.js';
import { shellOperand } from '../text/shell.js';

/** The repair fix: ledger line first, then `runGuard(s, { repair: true })` once. @throws DxError STILL_DRIFTED naming what is still wrong, GUARD_BUSY */
export function guardRepairer(s: Session): () => Promise<string> {
  return once(async () => {
    appendLedger(s.ctx, { host: s.host, op: 'doctor.fix', ok: true, detail: { code: 'CRITICAL_MISSING', fix: 'guard --repair' } });
    const r = await runGuard(s, { repair: true });
    const done = r.repaired.filter((x) => x.action !== 'failed').map((x) => `${x.path} (${x.action} from ${x.from})`);
    const failed = r.repaired.filter((x) => x.action === 'failed').map((x) => `${x.path}: ${x.error ?? 'failed'}`);
    const text = `${done.length ? `repaired ${done.join(', ')}` : 'repaired nothing'}${r.snapshot ? ` (snapshot ${r.snapshot.slice(0, 12)} first)` : ''}`;
    if (!r.healthy) {
      throw new DxError('STILL_DRIFTED', `${text}; still wrong: ${[...failed, ...r.drifts.map((d) => `${d.path} ${d.reason}`)].join('; ')}`);
    }
    return text;
  });
}

/**
 * Check every critical entry of the (valid) config. With an invalid `.dxrc` the critical list is
 * unknown, so nothing is checked (CONFIG_INVALID says why).
 */
export async function checkCriticalFiles(s: Session, configOk: boolean, repair: () => Promise<string>): Promise<Diagnostic[]> {
  if (!configOk) return [];
  const drifts = await checkCritical(s);
  return drifts.map((d) => ({
    code: 'CRITICAL_MISSING', id: `CRITICAL_MISSING:${d.path}`, severity: 'error' as const, fixable: true, fix: repair,
    message: `critical ${d.path === d.entry && /[*?[{]/.test(d.entry) ? 'glob' : 'file'} ${d.path} (guard.critical "${d.entry}"): ${d.reason}`,
    hint: `dx-hooks doctor --fix (or dx-hooks guard --repair); dx-hooks diagnose ${shellOperand(d.path)} says what removed it`,
  }));
}
