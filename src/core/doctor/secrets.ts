/**
 * Doctor's secret checks. `SECRET_EXCLUDE_OVERRIDE`: the repository's `.dxrc` tries to remove built-in
 * secret exclusions — a `wip.exclude` with a `!pattern` (which a repository cannot use to re-include a
 * default) or a list that omits the defaults older dx-hooks shipped (on a host still running an older
 * dx-hooks that list REPLACES the defaults). `SECRET_HELD`: commits whose mirror is held because they
 * add what looks like a secret (secrets/gate.ts), with the release command.
 */
import path from 'node:path';
import type { Session } from '../session.js';
import { liveHolds } from '../secrets/release.js';
import type { Diagnostic } from './types.js';

/** The defaults of dx-hooks ≤ 0.1, which a repository's `wip.exclude` used to replace. */
const OLD_DEFAULTS = ['.env', '.env.*', '*.pem', '*.key', 'id_rsa*', '*.p12', '*.keystore'];

/** The `wip.exclude` the repository's file really says (null: it does not set one). Reads the file again, without defaults. */
async function rawExclude(s: Session): Promise<unknown[] | null> {
  if (!s.configFile) return null;
  const { cosmiconfig } = await import('cosmiconfig');
  const r = await cosmiconfig('dx', { searchStrategy: 'none', cache: false }).load(s.configFile);
  const wip = (r?.config as { wip?: { exclude?: unknown } } | undefined)?.wip;
  return Array.isArray(wip?.exclude) ? (wip.exclude as unknown[]) : null;
}

/** The secret diagnostics of `s` (`configOk` false: the config is the defaults, so only the holds are checked). */
export async function checkSecrets(s: Session, configOk: boolean): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const file = s.configFile ? path.basename(s.configFile) : '.dxrc';
  const raw = configOk ? await rawExclude(s) : null;
  if (raw) {
    const negated = raw.filter((p): p is string => typeof p === 'string' && p.startsWith('!'));
    const omitted = OLD_DEFAULTS.filter((d) => !raw.includes(d));
    if (negated.length || omitted.length) {
      const what = [
        negated.length ? `re-includes ${negated.map((p) => JSON.stringify(p)).join(', ')}` : '',
        omitted.length ? `omits the built-in ${omitted.map((p) => JSON.stringify(p)).join(', ')}` : '',
      ].filter(Boolean).join(' and ');
      out.push({
        code: 'SECRET_EXCLUDE_OVERRIDE',
        severity: 'warning',
        message: `${file}'s wip.exclude ${what}: a repository cannot remove the built-in secret exclusions, so they still apply here (on a host with dx-hooks ≤ 0.1 this list replaced them)`,
        fixable: false,
        hint: 'List only extra patterns in wip.exclude. To let a secret-looking path into backups on this machine, add it to "allowSecrets" in the machine config ($XDG_CONFIG_HOME/dx-hooks/config.json).',
      });
    }
  }
  for (const h of await liveHolds(s.ctx)) {
    out.push({
      code: 'SECRET_HELD',
      id: `SECRET_HELD:${h.sha}`,
      severity: 'warning',
      message: `commit ${h.sha.slice(0, 12)} is not mirrored to the remote: it adds what looks like a secret (${h.findings.map((f) => `${f.path}: ${f.rule}`).join(', ')})`,
      fixable: false,
      hint: `Remove it from the history (git commit --amend, git rebase -i), or once you have decided it may go: dx-hooks secrets release ${h.sha.slice(0, 12)}`,
    });
  }
  return out;
}
