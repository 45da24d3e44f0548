/**
 * Which repositories a command names, from its flags, as a pure planner: one way for every batch
 * command (sync, checkpoint, status) — `--all` (the machine config's list), `--repos <paths|globs…>`,
 * and positional paths as an alias of `--repos`; none of them is this repository alone.
 */
import { DxError, EXIT } from '../errors.js';

/**
 * What a command runs over. `here`: the current repository only; `all`: the machine config's list;
 * `repos`: these paths or globs, as typed (relative to the command's cwd, `~` allowed).
 */
export type BatchTarget = { kind: 'here' } | { kind: 'all' } | { kind: 'repos'; patterns: string[] };

/**
 * The flags that name repositories, as commander hands them over: `repos` is `true` for a bare
 * `--repos` (kept as an alias of `--all`), a list for `--repos a b`; `paths` are positional paths.
 */
export interface TargetFlags { all?: boolean; repos?: string[] | boolean; paths?: string[] }

/**
 * Decide the target. Pure: no file system.
 * @throws DxError BATCH_TARGET_CONFLICT (exit 2) when `--all` is given together with paths or globs
 */
export function batchTarget(flags: TargetFlags): BatchTarget {
  const patterns = [...(Array.isArray(flags.repos) ? flags.repos : []), ...(flags.paths ?? [])];
  if (flags.all && patterns.length) {
    throw new DxError('BATCH_TARGET_CONFLICT', `--all and ${patterns.length === 1 ? `"${patterns[0]}"` : `${patterns.length} paths or globs`} both name the repositories to run over`, 'Give either --all (every repository of the machine config) or --repos <paths|globs…>, not both.', EXIT.USAGE);
  }
  if (patterns.length) return { kind: 'repos', patterns };
  if (flags.all || flags.repos === true) return { kind: 'all' };
  return { kind: 'here' };
}
