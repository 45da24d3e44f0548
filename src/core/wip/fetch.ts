/**
 * Fetching for dx-hooks' own reads: into per-process scratch refs (so concurrent hooks and
 * commands never fight over one ref lock), with `--refmap=` (no opportunistic updates of the
 * user's remote-tracking refs), no tags, no FETCH_HEAD, bounded by the network timeout.
 */
import crypto from 'node:crypto';
import type { RepoContext } from '../context.js';
import { git, gitTry, type GitResult } from '../git.js';
import { NETWORK_TIMEOUT_MS } from './remote.js';

/** A scratch ref namespace unique to this call: `refs/dx/tmp/<pid>-<hex>`. */
export function scratchNamespace(): string {
  return `refs/dx/tmp/${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/** `git fetch` of `refspecs` from `remote` the dx-hooks way. Returns git's result (non-zero is an answer). */
export function fetchQuiet(ctx: RepoContext, remote: string, refspecs: string[]): Promise<GitResult> {
  // Into dx-hooks' own refs only (the usual case): no hook runs for them (git.ts noHooks).
  const privateOnly = refspecs.every((r) => r.slice(r.indexOf(':') + 1).startsWith('refs/dx/'));
  return gitTry(['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--refmap=', '--', remote, ...refspecs], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS, noHooks: privateOnly });
}

/** Delete every ref under `namespace` (a scratch namespace from `scratchNamespace`). */
export async function dropNamespace(ctx: RepoContext, namespace: string): Promise<void> {
  const refs = (await git(['for-each-ref', '--format=%(refname)', `${namespace}/`], { cwd: ctx.top })).split('\n').filter(Boolean);
  if (refs.length) await git(['update-ref', '--stdin'], { cwd: ctx.top, noHooks: refs.every((r) => r.startsWith('refs/dx/')), input: refs.map((r) => `delete ${r}\n`).join('') });
}
