/** `dx-hooks secrets [--json]` (commits whose mirror is held because they add a secret) and `dx-hooks secrets release <sha…> | --all`. */
import pc from 'picocolors';
import { openSession } from '../core/session.js';
import { out, printJson, retryPending, warn } from './common.js';

/** List the held commits. Exit 1 while any is held (so scripts notice), 0 otherwise. */
export async function run(opts: { json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const { liveHolds } = await import('../core/secrets/release.js');
  const held = await liveHolds(s.ctx);
  if (opts.json) printJson({ held });
  else if (!held.length) out('no commit is held: nothing that looks like a secret is waiting to be mirrored');
  else {
    for (const h of held) {
      warn(`held ${h.sha.slice(0, 12)} (not mirrored to the remote):`);
      for (const f of h.findings) warn(`  ${f.path}: ${f.rule}`);
    }
    warn('Remove the secret from the history (git commit --amend, git rebase -i), or release a commit once you have decided: dx-hooks secrets release <sha>');
  }
  return held.length ? 1 : 0;
}

/** Release held commits, then retry the mirror at once. */
export async function release(opts: { shas?: string[]; all?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const { releaseHolds, liveHolds } = await import('../core/secrets/release.js');
  const { DxError, EXIT } = await import('../core/errors.js');
  if (!opts.all && !opts.shas?.length) throw new DxError('USAGE', 'name the held commits to release, or --all', 'See them with: dx-hooks secrets', EXIT.USAGE);
  const released = releaseHolds(s, opts.all ? 'all' : (opts.shas ?? []));
  await retryPending(s, !!opts.json);
  const still = await liveHolds(s.ctx);
  if (opts.json) printJson({ released, held: still });
  else {
    for (const r of released) out(pc.green(`✔ released ${r.sha.slice(0, 12)} (${r.findings.map((f) => f.path).join(', ')}): its mirror goes to the remote`));
    if (!released.length) out('no commit was held');
    if (still.length) warn(`still held: ${still.map((h) => h.sha.slice(0, 12)).join(', ')} (dx-hooks secrets)`);
  }
  return 0;
}
