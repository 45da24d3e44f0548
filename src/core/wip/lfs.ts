/**
 * dx-hooks pushes with --no-verify (it never re-enters its own pre-push), so git-lfs' pre-push never
 * runs for a WIP or checkpoint push. Without this step a backup holds LFS pointers whose objects
 * never left the machine, and once a WIP ref holds the commit, git-lfs sees it on the remote and
 * skips those objects at the user's own `git push` too. So dx-hooks does what the hook would have done.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { gitTry } from '../git.js';
import { lastLines, NETWORK_TIMEOUT_MS } from './remote.js';

const ZERO = '0'.repeat(40);

/**
 * Upload to `remote` the LFS objects that the commits in `pushes` (ref and the sha about to be pushed
 * to it) point at and the remote lacks, through `git lfs pre-push` fed the lines git gives that hook.
 * Nothing runs (no process, no network) in a repository without local LFS objects
 * (`<git-common-dir>/lfs/objects`): there is nothing to upload.
 * @returns null when uploaded or nothing to do; else why it failed (git-lfs' words), for the caller
 *   to fail the push with: a backup without its LFS objects is not a backup.
 */
export async function lfsUpload(ctx: RepoContext, remote: string, pushes: { ref: string; sha: string }[]): Promise<string | null> {
  if (!pushes.length || !fs.existsSync(path.join(ctx.commonDir, 'lfs', 'objects'))) return null;
  const input = pushes.map((p) => `${p.ref} ${p.sha} ${p.ref} ${ZERO}\n`).join('');
  try {
    const r = await gitTry(['lfs', 'pre-push', '--', remote], { cwd: ctx.top, input, timeoutMs: NETWORK_TIMEOUT_MS });
    if (r.code === 0) return null;
    return `the LFS objects of this push could not be uploaded (git lfs pre-push exited ${r.code}: ${lastLines(r.stderr)})`;
  } catch (err) {
    return `the LFS objects of this push could not be uploaded: ${(err as Error).message}`;
  }
}
