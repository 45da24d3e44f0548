/**
 * Deleting WIP refs on purpose (`prune --yes`, or a push with DX_ALLOW_PROTECTED=1): the index
 * entries go FIRST. Every host's vanished-ref check (vanished.ts) lists the remote's refs and then
 * reads the index, and restores what the index names but the remote lacks; with the entries gone
 * before the refs, no host can see "named, yet gone" and bring an intended deletion back. When the
 * deletion then fails, `rememberEntries` puts the entries back (only where no host wrote that key since).
 */
import { describeError } from '../errors.js';
import { type IndexEntry, mergeEntries } from '../wipindex/format.js';
import { indexFromWipRefs } from '../wipindex/rebuild.js';
import { fetchIndexTip, updateIndex } from '../wipindex/store.js';
import { appendLedger } from '../ledger.js';
import { dropIndexEntries } from '../prune/entries.js';
import type { Session } from '../session.js';
import { repoName } from './remote.js';

/**
 * What happened to the index: `removed` are the entry keys (`<host>/<branch>`) taken out, with the
 * entries themselves in `entries` (to put back); `skipped` says why nothing was tried; `error` why it failed.
 */
export interface ForgetResult { ok: boolean; changed: boolean; removed: string[]; entries: Record<string, IndexEntry>; commit: string | null; skipped?: string; error?: string }

/**
 * Take the entries of the refs about to be deleted out of `dx/index` on `remote` (DESIGN §4: an
 * updateIndex transform, so concurrent hosts' entries survive and an entry whose sha changed
 * meanwhile stays). Writes an `index.update` ledger line (`by` names the caller).
 * Never throws: a failure is returned, and the caller must not delete (another host would restore).
 * @param gone  remote ref → the sha that is to be deleted
 */
export async function forgetEntries(s: Session, remote: string, gone: ReadonlyMap<string, string>, by: string): Promise<ForgetResult> {
  const { ctx, host } = s;
  try {
    if (!(await fetchIndexTip(ctx, remote))) return { ok: true, changed: false, removed: [], entries: {}, commit: null, skipped: 'no index branch on the remote' };
    const repo = await repoName(s, remote);
    let removed: string[] = [];
    let entries: Record<string, IndexEntry> = {};
    const res = await updateIndex(ctx, remote, {
      host, repo, incoming: {},
      rebuild: () => indexFromWipRefs(ctx, remote, s.config.wip.refPrefix, repo),
      transform: (base, now) => {
        const next = dropIndexEntries(base, gone, now);
        removed = next.removed;
        entries = Object.fromEntries(next.removed.map((k) => [k, base.entries[k] as IndexEntry]));
        return next.index;
      },
    });
    if (!res.changed) {
      removed = [];
      entries = {};
    }
    if (res.changed) appendLedger(ctx, { host, op: 'index.update', ok: true, detail: { remote, removed, by, attempts: res.attempts } });
    return { ok: true, changed: res.changed, removed, entries, commit: res.commit };
  } catch (err) {
    const error = describeError(err);
    appendLedger(ctx, { host, op: 'index.update', ok: false, error, detail: { remote, refs: [...gone.keys()], by } });
    return { ok: false, changed: false, removed: [], entries: {}, commit: null, error };
  }
}

/**
 * Put `entries` (keyed `<host>/<branch>`) back into `dx/index` on `remote` after a deletion that did
 * not happen; a key some host wrote meanwhile is left as that host wrote it. Writes an `index.update`
 * ledger line. Never throws: a failure is returned and logged (`index rebuild` repairs it from the refs).
 */
export async function rememberEntries(s: Session, remote: string, entries: Record<string, IndexEntry>, by: string): Promise<{ ok: boolean; error?: string }> {
  const { ctx, host } = s;
  if (!Object.keys(entries).length) return { ok: true };
  try {
    const repo = await repoName(s, remote);
    const res = await updateIndex(ctx, remote, {
      host, repo, incoming: {},
      rebuild: () => indexFromWipRefs(ctx, remote, s.config.wip.refPrefix, repo),
      transform: (base, now) => mergeEntries(base, Object.fromEntries(Object.entries(entries).filter(([k]) => !base.entries[k])), now),
    });
    if (res.changed) appendLedger(ctx, { host, op: 'index.update', ok: true, detail: { remote, restored: Object.keys(entries), by, attempts: res.attempts } });
    return { ok: true };
  } catch (err) {
    const error = describeError(err);
    appendLedger(ctx, { host, op: 'index.update', ok: false, error, detail: { remote, restore: Object.keys(entries), by } });
    return { ok: false, error };
  }
}
