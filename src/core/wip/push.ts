/**
 * Pushing one WIP ref (DESIGN §1): `--force-with-lease=<ref>:<expected>` with the value this
 * host last pushed, so an amended or rebased branch still mirrors but a foreign write is never
 * clobbered blindly. When the lease fails: a remote value that is an ancestor is fast-forwarded;
 * any other foreign value is kept under `refs/dx/displaced/…` in the same atomic push.
 */
import type { RepoContext } from '../context.js';
import { gitBestEffort, gitTry } from '../git.js';
import { displacedRef } from './ref.js';
import { fetchQuiet, scratchNamespace } from './fetch.js';
import { lfsUpload } from './lfs.js';
import { lastLines, lsRemote, NETWORK_TIMEOUT_MS, notePushed } from './remote.js';
import { shellQuote } from '../text/shell.js';

/** Outcome of pushing a WIP ref: ok (with any displaced foreign value), or the reason it failed. */
export type PushOutcome =
  | { ok: true; sha: string; displaced?: { ref: string; sha: string }; found?: string }
  | { ok: false; error: string; found?: string };

interface RawPush { ok: boolean; stale: boolean; error: string }

async function rawPush(ctx: RepoContext, remote: string, refspecs: string[], leases: string[], atomic = refspecs.length > 1): Promise<RawPush> {
  const args = ['push', '--no-verify', '--porcelain', ...(atomic ? ['--atomic'] : []), ...leases.map((l) => `--force-with-lease=${l}`), '--', remote, ...refspecs];
  const r = await gitTry(args, { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code === 0) {
    // Every refspec here is `<sha>:<ref>`: the remote now holds each (a later check needs no listing of it).
    notePushed(ctx, remote, new Map(refspecs.map((spec) => [spec.slice(spec.indexOf(':') + 1), spec.slice(0, spec.indexOf(':'))] as const)));
    return { ok: true, stale: false, error: '' };
  }
  const rejected = r.stdout.split('\n').filter((l) => l.startsWith('!'));
  const stale = rejected.some((l) => l.includes('(stale info)'));
  const why = rejected.map((l) => l.split('\t').slice(2).join(' ')).join('; ');
  const remoteWords = r.stderr.split('\n').filter((l) => l.startsWith('remote:')).map((l) => l.slice(7).trim()).filter(Boolean).join(' / ');
  let error = [why, remoteWords].filter(Boolean).join(' — ') || lastLines(r.stderr);
  if (/directory file conflict|cannot lock ref|exists; cannot create/i.test(r.stdout + r.stderr)) {
    error += ` (a ref on ${remote} blocks this name, e.g. a stale WIP ref of a branch named like a folder of this one: delete it with git push ${shellQuote(remote)} --delete <ref>, or rename the branch)`;
  }
  return { ok: false, stale, error };
}

async function isAncestor(ctx: RepoContext, a: string, b: string): Promise<boolean> {
  return (await gitTry(['merge-base', '--is-ancestor', a, b], { cwd: ctx.top })).code === 0;
}

/**
 * Push `sha` to `ref` on `remote`, leasing against `expected` (null: the ref must not exist yet).
 * Never throws for a push failure: returns `{ ok: false, error }` with git's and the remote's words.
 */
export async function pushWip(
  ctx: RepoContext,
  remote: string,
  ref: string,
  sha: string,
  expected: string | null,
  who: { host: string; branch: string | null },
  keep: { ref: string; sha: string }[] = [],
): Promise<PushOutcome> {
  // Snapshots this push replaces go to their own refs in the same atomic push: both land or neither.
  const keepSpecs = keep.map((k) => `${k.sha}:${k.ref}`);
  // The LFS objects first: git-lfs' own pre-push does not run for a --no-verify push.
  const lfsError = await lfsUpload(ctx, remote, [{ ref, sha }, ...keep]);
  if (lfsError) return { ok: false, error: lfsError };
  const first = await rawPush(ctx, remote, [`${sha}:${ref}`, ...keepSpecs], [`${ref}:${expected ?? ''}`]);
  if (first.ok) return { ok: true, sha };
  if (!first.stale) return { ok: false, error: first.error };

  // The lease failed: someone else (or this host before its state was lost) moved the ref.
  let current: string | undefined;
  try {
    current = (await lsRemote(ctx, remote, [ref])).get(ref);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (current === sha) return { ok: true, sha };
  if (!current) {
    const again = await rawPush(ctx, remote, [`${sha}:${ref}`, ...keepSpecs], [`${ref}:`]);
    return again.ok ? { ok: true, sha } : { ok: false, error: again.error };
  }
  const tmp = `${scratchNamespace()}/lease-check`;
  const fetched = await fetchQuiet(ctx, remote, [`+${ref}:${tmp}`]);
  try {
    // `found`: the value another writer (or this host, before its state was lost) left there; the caller tells which (collision.ts).
    if (fetched.code === 0 && (await isAncestor(ctx, current, sha))) {
      const ff = await rawPush(ctx, remote, [`${sha}:${ref}`, ...keepSpecs], [`${ref}:${current}`]);
      return ff.ok ? { ok: true, sha, found: current } : { ok: false, error: ff.error, found: current };
    }
    const aside = displacedRef(who.host, who.branch, current);
    const both = await rawPush(ctx, remote, [`${sha}:${ref}`, `${current}:${aside}`, ...keepSpecs], [`${ref}:${current}`, `${aside}:`], true);
    if (both.ok) return { ok: true, sha, displaced: { ref: aside, sha: current }, found: current };
    return { ok: false, error: `${ref} on ${remote} was moved to ${current.slice(0, 12)} by another writer and could not be kept aside: ${both.error}`, found: current };
  } finally {
    await gitBestEffort(['update-ref', '-d', tmp], { cwd: ctx.top, noHooks: true }, 'a scratch ref; the next run drops it');
  }
}
