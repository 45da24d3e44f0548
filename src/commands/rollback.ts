/** `dx-hooks rollback [N=1] [--force] [--json]`: take the last N commits off the branch, keeping their changes staged. */
import pc from 'picocolors';
import { DxError, EXIT } from '../core/errors.js';
import { rollback } from '../core/rollback.js';
import { openSession } from '../core/session.js';
import { out, printJson, warn } from './common.js';

/** Roll back. Returns 0; throws DxError USAGE (exit 2), PROTECTED / MERGE_IN_RANGE / TOO_FAR (exit 1, nothing changed). */
export async function run(opts: { n?: string; force?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const n = opts.n === undefined ? 1 : Number(opts.n);
  if (!/^\d+$/.test(opts.n ?? '1') || n < 1) throw new DxError('USAGE', `rollback needs a positive whole number of commits, not "${opts.n}"`, 'Example: dx-hooks rollback 2', EXIT.USAGE);
  const s = await openSession(opts.cwd);
  const r = await rollback(s, n, { force: opts.force });
  if (opts.json) {
    printJson(r);
    return 0;
  }
  if (r.forced) warn(`--force: rolled back commits that touch protected paths or merges (logged)`);
  out(pc.green(`✔ rolled back ${r.commits.length} commit(s) of ${r.branch ?? 'HEAD'}: ${r.from.slice(0, 12)} → ${r.to.slice(0, 12)}; their changes are staged, nothing was lost`));
  for (const c of r.commits) out(`    ${c.sha.slice(0, 12)} ${c.subject}`);
  out(`  undo it: dx-hooks undo ${r.id}`);
  return 0;
}
