/**
 * The snapshot every changing command takes FIRST (DESIGN §6): the whole work tree as a commit,
 * so that undo can put it back. An empty repository (nothing to snapshot) gets an empty root
 * commit instead, so "the state before" is always a commit undo can name.
 */
import { parseSize } from '../config/schema.js';
import { DxError } from '../errors.js';
import { gitLine } from '../git.js';
import { headState } from '../head.js';
import { identityEnv } from '../identity.js';
import type { Session } from '../session.js';
import { EMPTY_TREE, takeSnapshot, type Snapshot } from '../snapshot.js';

/**
 * Snapshot the work tree of `s` before an operation described by `what` (the snapshot's message).
 * `scan: false` (a dry run's look, never kept nor pushed) skips the content scan and records nothing.
 */
export async function snapshotBefore(s: Session, what: string, opts: { scan?: boolean } = {}): Promise<Snapshot> {
  try {
    return await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message: `dx-hooks: before ${what}`, ...(opts.scan === false ? { scan: false } : {}) });
  } catch (err) {
    if (!(err instanceof DxError) || err.code !== 'NOTHING_TO_SNAPSHOT') throw err;
    const env = await identityEnv(s.ctx, s.host);
    const sha = await gitLine(['commit-tree', EMPTY_TREE, '-m', `dx-hooks: before ${what} (empty work tree)`], { cwd: s.ctx.top, env });
    return { sha, base: null, tree: EMPTY_TREE, dirty: false, excluded: [], branch: (await headState(s.ctx)).branch };
  }
}
