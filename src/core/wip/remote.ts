/** Which remote WIP goes to (`.dxrc` remote; unset: the branch's upstream remote, else origin) and cheap remote reads. */
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { lastValue, repoConfig } from '../repo-config.js';

/** Network calls are bounded so a hook or worker never hangs: ms. */
export const NETWORK_TIMEOUT_MS = Number(process.env.DX_NETWORK_TIMEOUT_MS) || 60_000;

/**
 * Names already resolved, per RepoContext object (one command or worker run): a worker resolved the
 * same remote five times, two git calls each. A new openRepo() starts afresh.
 */
const resolved = new WeakMap<RepoContext, Map<string, string>>();

/**
 * Resolve the remote name for `branch`.
 * @throws DxError NO_REMOTE when the resolved remote is not configured (hint: set `remote` or add one)
 */
export async function resolveRemote(ctx: RepoContext, configured: string | undefined, branch: string | null): Promise<string> {
  const key = `${configured ?? ''}\0${branch ?? ''}`;
  let memo = resolved.get(ctx);
  const known = memo?.get(key);
  if (known) return known;
  const name = await resolveRemoteNow(ctx, configured, branch);
  if (!memo) resolved.set(ctx, (memo = new Map()));
  memo.set(key, name);
  return name;
}

async function resolveRemoteNow(ctx: RepoContext, configured: string | undefined, branch: string | null): Promise<string> {
  const config = await repoConfig(ctx);
  let name = configured;
  if (!name && branch) {
    const v = lastValue(config, `branch.${branch}.remote`)?.trim();
    if (v && v !== '.') name = v;
  }
  name ??= 'origin';
  // A remote with a URL in the config is there; anything else (no URL, .git/remotes files) git decides.
  if (lastValue(config, `remote.${name}.url`)) return name;
  const url = await gitTry(['remote', 'get-url', '--', name], { cwd: ctx.top });
  if (url.code !== 0) {
    throw new DxError('NO_REMOTE', `no remote named "${name}" to back WIP up to`, `Add one (git remote add ${name} <url>) or set "remote" in .dxrc.json.`);
  }
  return name;
}

/**
 * `git ls-remote <remote> <patterns…>` as a Map ref → sha.
 * @throws DxError REMOTE_UNREACHABLE with git's words when the remote cannot be read
 */
export async function lsRemote(ctx: RepoContext, remote: string, patterns: string[]): Promise<Map<string, string>> {
  const r = await gitTry(['ls-remote', '--', remote, ...patterns], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code !== 0) {
    throw new DxError('REMOTE_UNREACHABLE', `cannot read remote "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v); dx-hooks retries pending pushes on the next hook or command.');
  }
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref) out.set(ref, sha);
  }
  if (!patterns.length) {
    let byRemote = listings.get(ctx);
    if (!byRemote) listings.set(ctx, (byRemote = new Map()));
    byRemote.set(remote, out);
  }
  return out;
}

/** The last full listing (every ref) each RepoContext took of each remote with lsRemote. */
const listings = new WeakMap<RepoContext, Map<string, ReadonlyMap<string, string>>>();

/**
 * Refs this RepoContext just pushed to `remote` and the remote accepted (`ref` → sha; null: deleted):
 * written into its last full listing, so a check after the push does not list the remote again.
 */
export function notePushed(ctx: RepoContext, remote: string, refs: ReadonlyMap<string, string | null>): void {
  const listed = listings.get(ctx)?.get(remote) as Map<string, string> | undefined;
  if (!listed) return;
  for (const [ref, sha] of refs) {
    if (sha === null) listed.delete(ref);
    else listed.set(ref, sha);
  }
}

/** A fresh listing of the refs under `prefix/` replaces that part of this RepoContext's last full listing of `remote`. */
export function noteListed(ctx: RepoContext, remote: string, prefix: string, refs: ReadonlyMap<string, string>): void {
  const listed = listings.get(ctx)?.get(remote) as Map<string, string> | undefined;
  if (!listed) return;
  for (const ref of [...listed.keys()]) if (ref.startsWith(`${prefix}/`)) listed.delete(ref);
  for (const [ref, sha] of refs) listed.set(ref, sha);
}

/**
 * The refs of `remote` as this RepoContext (one command or worker run) last listed them all, or null.
 * Possibly stale: a first answer for checks that list again when it disagrees (wipindex/trust.ts).
 */
export function lastListing(ctx: RepoContext, remote: string): ReadonlyMap<string, string> | null {
  return listings.get(ctx)?.get(remote) ?? null;
}

/** The last meaningful lines of git's stderr, for one-line messages. */
export function lastLines(stderr: string, n = 2): string {
  return stderr.trim().split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:')).slice(-n).join(' / ') || 'no output from git';
}

/** Name of the repository for the index: the remote URL's last path part without `.git`, else the work tree's folder name. */
export async function repoName(s: { ctx: RepoContext }, remote: string): Promise<string> {
  const configured = lastValue(await repoConfig(s.ctx), `remote.${remote}.url`);
  const url = (configured ?? (await gitTry(['remote', 'get-url', '--', remote], { cwd: s.ctx.top })).stdout).trim().replace(/\/+$/, '');
  const last = url.split(/[/:]/).pop()?.replace(/\.git$/, '');
  return last || path.basename(s.ctx.top);
}
