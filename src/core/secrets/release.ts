/**
 * Releasing a held commit (secrets/gate.ts): the user has decided that what was found is no secret, or
 * may go to the remote anyway. Recorded in secret-holds.json and the ledger; the caller then retries the
 * pending mirror. Only an explicit command releases: a later commit that removes the secret does not.
 */
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { activeHolds, readHolds, writeHolds, type HeldFinding } from './holds.js';

/** A released commit and what had been found in it. */
export interface Released { sha: string; findings: HeldFinding[] }

/**
 * Release the held commits named by `prefixes` (full or abbreviated shas; `all`: every held commit).
 * @throws DxError NOT_HELD (exit 2) when a prefix names no held commit or more than one
 */
export function releaseHolds(s: Session, prefixes: string[] | 'all'): Released[] {
  const holds = readHolds(s.ctx);
  const active = activeHolds(holds);
  let chosen = active;
  if (prefixes !== 'all') {
    chosen = prefixes.map((p) => {
      const hits = /^[0-9a-f]{4,40}$/i.test(p) ? active.filter((h) => h.sha.startsWith(p.toLowerCase())) : [];
      if (hits.length !== 1) {
        const list = active.map((h) => h.sha.slice(0, 12)).join(', ') || 'none';
        throw new DxError('NOT_HELD', `${p} ${hits.length ? 'names more than one held commit' : 'is not a held commit'} (held: ${list})`, 'See them with: dx-hooks secrets', EXIT.USAGE);
      }
      return hits[0] as (typeof active)[number];
    });
  }
  const now = Math.floor(Date.now() / 1000);
  for (const h of chosen) {
    holds.released[h.sha] = { at: now };
    appendLedger(s.ctx, { host: s.host, op: 'secret.release', ok: true, paths: h.findings.map((f) => f.path), detail: { commit: h.sha, findings: h.findings } });
  }
  if (chosen.length) writeHolds(s.ctx, holds);
  return chosen.map((h) => ({ sha: h.sha, findings: h.findings }));
}

/**
 * The held commits still in some branch or named checkpoint (oldest first): a hold rewritten out of
 * every branch (amend, rebase) no longer stands in the way of a push, so it is not shown as held.
 */
export async function liveHolds(ctx: RepoContext): Promise<ReturnType<typeof activeHolds>> {
  const out = [];
  for (const h of activeHolds(readHolds(ctx))) {
    const r = await gitTry(['for-each-ref', '--count=1', '--format=%(refname)', '--contains', h.sha, 'refs/heads/', 'refs/tags/checkpoint/'], { cwd: ctx.top });
    if (r.code !== 0 || r.stdout.trim()) out.push(h); // fail closed: an error keeps it listed
  }
  return out;
}
