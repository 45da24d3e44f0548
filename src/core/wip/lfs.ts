/**
 * dx-hooks pushes with --no-verify (it never re-enters its own pre-push), so git-lfs' pre-push never
 * runs for a WIP or checkpoint push. Without this step a backup holds LFS pointers whose objects
 * never left the machine, and once a WIP ref holds the commit, git-lfs sees it on the remote and
 * skips those objects at the user's own `git push` too. So dx-hooks does what the hook would have done,
 * but never to an LFS server that only the cloned repository's `.lfsconfig` names (DESIGN §5: a
 * repository cannot make dx-hooks call a URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { gitTry } from '../git.js';
import { shellQuote } from '../text/shell.js';
import { lastLines, NETWORK_TIMEOUT_MS } from './remote.js';

const ZERO = '0'.repeat(40);
/** The `.lfsconfig` keys that choose where git-lfs sends objects (git-lfs-config(5)). */
const ENDPOINT_KEY = /^(lfs\.(push)?url|remote\..+\.lfs(push)?url)$/;

/** `key=value` lines of `git config -l` output as [key, value] pairs (a key without `=` has the value ''). */
function pairs(text: string): [string, string][] {
  return text.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
  });
}

/**
 * The LFS servers that the repository's `.lfsconfig` (work tree, index or HEAD: git-lfs reads the
 * first that exists, so all three are checked) names and the user's own git config does not override:
 * `{ key, url }` each, in `git config -l` spelling. git config wins over `.lfsconfig` key by key, so a
 * key the user's config sets (to any value) is theirs.
 */
export async function untrustedLfsEndpoints(ctx: RepoContext): Promise<{ key: string; url: string }[]> {
  const sources = [['--file', '.lfsconfig'], ['--blob', ':.lfsconfig'], ['--blob', 'HEAD:.lfsconfig']];
  const named: [string, string][] = [];
  for (const [how, where] of sources) {
    if (how === '--file' && !fs.existsSync(path.join(ctx.top, '.lfsconfig'))) continue;
    const r = await gitTry(['config', '--includes', '-l', how!, where!], { cwd: ctx.top });
    if (r.code === 0) named.push(...pairs(r.stdout).filter(([k]) => ENDPOINT_KEY.test(k)));
  }
  if (!named.length) return [];
  const own = new Set(pairs((await gitTry(['config', '-l'], { cwd: ctx.top })).stdout).map(([k]) => k));
  const seen = new Set<string>();
  return named.filter(([k, v]) => !own.has(k) && !seen.has(`${k}=${v}`) && seen.add(`${k}=${v}`)).map(([key, url]) => ({ key, url }));
}

/**
 * Upload to `remote` the LFS objects that the commits in `pushes` (ref and the sha about to be pushed
 * to it) point at and the remote lacks, through `git lfs pre-push` fed the lines git gives that hook.
 * Nothing runs (no process, no network) in a repository without local LFS objects
 * (`<git-common-dir>/lfs/objects`): there is nothing to upload.
 * @returns null when uploaded or nothing to do; else why not (git-lfs' words, or the `.lfsconfig`
 *   server that needs the user's consent), for the caller to fail the push with: a backup without its
 *   LFS objects is not a backup.
 */
export async function lfsUpload(ctx: RepoContext, remote: string, pushes: { ref: string; sha: string }[]): Promise<string | null> {
  if (!pushes.length || !fs.existsSync(path.join(ctx.commonDir, 'lfs', 'objects'))) return null;
  const input = pushes.map((p) => `${p.ref} ${p.sha} ${p.ref} ${ZERO}\n`).join('');
  try {
    const foreign = await untrustedLfsEndpoints(ctx);
    if (foreign.length) {
      const [first] = foreign;
      return `not pushed: the repository's .lfsconfig sends LFS objects to ${foreign.map((f) => `${f.url} (${f.key})`).join(', ')}, a server this clone's own git config does not name; dx-hooks sends your work there only when you do: git config ${shellQuote(first!.key)} ${shellQuote(first!.url)}`;
    }
    const r = await gitTry(['lfs', 'pre-push', '--', remote], { cwd: ctx.top, input, timeoutMs: NETWORK_TIMEOUT_MS });
    if (r.code === 0) return null;
    return `the LFS objects of this push could not be uploaded (git lfs pre-push exited ${r.code}: ${lastLines(r.stderr)})`;
  } catch (err) {
    return `the LFS objects of this push could not be uploaded: ${(err as Error).message}`;
  }
}
