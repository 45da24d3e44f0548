/**
 * Local-only snapshots (the git guard's undo records) keep what a pushed snapshot must not: secret files
 * and wip.exclude matches, so `dx-hooks undo` can bring a deleted `.env` back. Their commit carries
 * LOCAL_ONLY_TRAILER, and every push dx-hooks makes (the secret gate) or sees (pre-push) refuses to send
 * one. No `secrets release` lets one through: the way out is to take it out of the branch.
 */
import { gitTry } from '../git.js';

/** The trailer of a local-only snapshot commit (`Dx-Local-Only: undo record of <host>, never pushed`). */
export const LOCAL_ONLY_TRAILER = 'Dx-Local-Only';

/** The finding a refused local-only snapshot is reported with (secrets/gate.ts's Held). */
export const LOCAL_ONLY_FINDING = { path: '(a local-only undo snapshot)', rule: 'Dx-Local-Only: may hold secrets, never pushed' } as const;

/**
 * The local-only snapshot commits among those a push of `tip` would send: `tip`'s history minus what
 * `not` reaches (rev-list arguments such as `--remotes=origin`, shas). One `git rev-list --grep`.
 * @throws Error when git cannot list them (the caller must not push: fail closed)
 */
export async function localOnlyInPush(cwd: string, tip: string, not: readonly string[]): Promise<string[]> {
  const r = await gitTry(['rev-list', `--grep=^${LOCAL_ONLY_TRAILER}: `, tip, '--not', ...not], { cwd });
  if (r.code !== 0) throw new Error(`could not list the commits a push of ${tip.slice(0, 12)} would send: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}
