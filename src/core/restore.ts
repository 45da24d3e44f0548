/**
 * Restore (the seed's dx-restore): list every host's WIP newest first, and bring one back as a
 * NEW local branch `rescue/<host>/<branch>` (then `-2`, `-3` …) — created with update-ref's
 * "must not exist" old value, so an existing branch is never moved, even by a race.
 */
import { DxError, EXIT } from './errors.js';
import { gitBestEffort, gitLine, gitTry } from './git.js';
import { headState } from './head.js';
import { entriesNewestFirst, type IndexEntry } from './wipindex/format.js';
import { indexFromWipRefs } from './wipindex/rebuild.js';
import { describeTruncation } from './wipindex/bounds.js';
import { fetchIndexTip, readIndexAt } from './wipindex/store.js';
import { distrustWarning, trustIndex } from './wipindex/trust.js';
import { appendLedger } from './ledger.js';
import type { Session } from './session.js';
import { fetchQuiet, scratchNamespace } from './wip/fetch.js';
import { pushedRef, wipRef } from './wip/ref.js';
import { lastLines, repoName, resolveRemote } from './wip/remote.js';

/**
 * Every host's WIP entries on the remote, newest first; falls back to the WIP refs when the index is
 * missing or corrupt. Index entries not backed by the WIP ref they name are left out (trust.ts), and
 * `note` says how many (and what the size limits cut).
 */
export async function listWip(s: Session, remoteName?: string): Promise<{ remote: string; entries: IndexEntry[]; source: 'index' | 'refs'; note: string | null }> {
  const remote = remoteName ?? (await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch));
  const tip = await fetchIndexTip(s.ctx, remote);
  if (tip) {
    const read = await readIndexAt(s.ctx, tip, s.host);
    if ('index' in read) {
      const trusted = await trustIndex(s.ctx, remote, s.config.wip.refPrefix, read.index);
      const notes = [describeTruncation(read.cut), distrustWarning(trusted)].filter((x): x is string => !!x);
      return { remote, entries: trusted.entries, source: 'index', note: notes.length ? notes.join('\n') : null };
    }
    const idx = await indexFromWipRefs(s.ctx, remote, s.config.wip.refPrefix, await repoName(s, remote));
    return { remote, entries: entriesNewestFirst(idx), source: 'refs', note: `the index is corrupt (${read.error}); listed from the WIP refs — fix: dx-hooks index rebuild` };
  }
  const idx = await indexFromWipRefs(s.ctx, remote, s.config.wip.refPrefix, await repoName(s, remote));
  return { remote, entries: entriesNewestFirst(idx), source: 'refs', note: null };
}

/** What restore made: the new branch, the sha it points at, and the WIP ref it came from. */
export interface RestoreResult { branch: string; sha: string; ref: string; remote: string; host: string; from: string }

/**
 * Fetch `host`'s WIP of `branch` and create a rescue branch at its exact sha.
 * @throws DxError WIP_NOT_FOUND (exit 1) when the remote has no such WIP ref; REMOTE_UNREACHABLE
 */
export async function restoreWip(s: Session, host: string, branch: string, remoteName?: string): Promise<RestoreResult> {
  const { ctx } = s;
  const remote = remoteName ?? (await resolveRemote(ctx, s.config.remote, (await headState(ctx)).branch));
  const ref = wipRef(s.config.wip.refPrefix, host, branch);
  const tmp = `${scratchNamespace()}/restore`;
  const f = await fetchQuiet(ctx, remote, [`+${ref}:${tmp}`]);
  if (f.code !== 0) {
    if (/couldn't find remote ref/i.test(f.stderr)) {
      throw new DxError('WIP_NOT_FOUND', `no WIP of branch "${branch}" from host "${host}" on ${remote} (${ref})`, 'List what exists: dx-hooks restore --list', EXIT.FAILED);
    }
    throw new DxError('REMOTE_UNREACHABLE', `cannot fetch ${ref} from "${remote}": ${lastLines(f.stderr)}`, 'Check the network and the remote URL (git remote -v).');
  }
  try {
    const sha = await gitLine(['rev-parse', tmp], { cwd: ctx.top });
    const base = `rescue/${host}/${branch}`;
    for (let n = 1; n <= 1000; n++) {
      const name = n === 1 ? base : `${base}-${n}`;
      const valid = await gitTry(['check-ref-format', '--branch', name], { cwd: ctx.top });
      if (valid.code !== 0) throw new DxError('BAD_BRANCH_NAME', `cannot make a branch named ${name}`, undefined, EXIT.FAILED);
      const made = await gitTry(['update-ref', '-m', `dx-hooks restore ${ref}`, `refs/heads/${name}`, sha, ''], { cwd: ctx.top });
      if (made.code === 0) {
        // The restored commits are on the remote (that host's WIP ref): not work "only on this host".
        await gitBestEffort(['update-ref', '-m', `dx-hooks restore ${ref}`, pushedRef(host, branch), sha], { cwd: ctx.top, noHooks: true }, 'a record for the divergence checks; the next push writes it again');
        appendLedger(ctx, { host: s.host, op: 'restore', ok: true, refs: { [`refs/heads/${name}`]: { old: null, new: sha } }, detail: { from: ref, remote } });
        return { branch: name, sha, ref, remote, host, from: branch };
      }
    }
    throw new DxError('RESCUE_NAMES_EXHAUSTED', `rescue/${host}/${branch} and 999 numbered variants all exist`, 'Delete old rescue branches (git branch -D rescue/...).', EXIT.FAILED);
  } finally {
    await gitBestEffort(['update-ref', '-d', tmp], { cwd: ctx.top, noHooks: true }, 'a scratch ref; the next run drops it');
  }
}
