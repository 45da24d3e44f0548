/**
 * Which paths are secrets by name: the built-in exclusions (DEFAULT_EXCLUDE) that no repository can
 * remove, a repository's own additions (`wip.exclude`), and the machine's `allowSecrets` — the only
 * way to let a default-excluded path through. The lists are kept in separate matchers so a `!pattern`
 * in a cloned repository's `.dxrc` can only re-include within its own additions, never a default.
 */
import ignore from 'ignore';
import { DEFAULT_EXCLUDE } from './defaults.js';

/** Why a path is left out by name: `default` (a built-in secret pattern) or `exclude` (the repository's `wip.exclude`). */
export type NameVerdict = 'default' | 'exclude' | null;

/** The path rules of one session. Paths are relative to the repository top, `/`-separated (as git prints them). */
export interface SecretPaths {
  /** why `p` is left out by name, or null */
  verdict(p: string): NameVerdict;
  /** true when the machine config's `allowSecrets` lets `p` through (no name check, no content scan) */
  allowed(p: string): boolean;
}

/**
 * Build the matcher.
 * @param extra the repository's `wip.exclude` (gitignore syntax), added to the defaults
 * @param allow the machine config's `allowSecrets` (gitignore syntax): default-excluded paths it matches go through
 */
export function secretPaths(extra: readonly string[], allow: readonly string[] = []): SecretPaths {
  const defaults = ignore().add([...DEFAULT_EXCLUDE]);
  const repo = ignore().add([...extra]);
  const allowed = allow.length ? ignore().add([...allow]) : null;
  const safe = (ig: ReturnType<typeof ignore>, p: string) => {
    try {
      return ig.ignores(p);
    } catch {
      return false; // a path `ignore` cannot take (absolute, ./x): git never prints one
    }
  };
  return {
    allowed: (p) => !!allowed && safe(allowed, p),
    verdict(p) {
      if (safe(defaults, p) && !(allowed && safe(allowed, p))) return 'default';
      return safe(repo, p) ? 'exclude' : null;
    },
  };
}

/** Whether a machine-config-free matcher (the defaults alone) calls `p` a secret: what doctor and docs use. */
export function isDefaultSecretName(p: string): boolean {
  return secretPaths([]).verdict(p) === 'default';
}
