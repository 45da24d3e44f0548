/**
 * Which index entries to believe (issue 10, class 8). Any host can write any entry, so an entry
 * claiming host H is believed only when it names H's own WIP ref (`<prefix>/H/<branch>`, keyed
 * `H/<branch>`) and the remote's ref is at the sha it gives — checked against ONE `git ls-remote`
 * of the WIP refs, never a git call per entry. Entries that fail are dropped (they could not be
 * restored anyway: restore fetches H's ref itself), counted, and a few named.
 */
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { lastLines, lastListing, NETWORK_TIMEOUT_MS, noteListed } from '../wip/remote.js';
import { safeText } from '../text/safe.js';
import { believedTs } from './bounds.js';
import { consistentEntry, entriesNewestFirst, type IndexEntry, type WipIndex } from './format.js';

/** The remote's WIP refs under `prefix` (ref → sha), in one ls-remote. @throws DxError REMOTE_UNREACHABLE */
export async function remoteWipRefs(ctx: RepoContext, remote: string, prefix: string): Promise<Map<string, string>> {
  const r = await gitTry(['ls-remote', '--', remote, `${prefix}/*`], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code !== 0) throw new DxError('REMOTE_UNREACHABLE', `cannot list the WIP refs of "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
  const refs = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab === 40) refs.set(line.slice(tab + 1), line.slice(0, tab));
  }
  noteListed(ctx, remote, prefix, refs);
  return refs;
}

/** Why `e` (under `key`) is not believed against `refs`, or null when it is. */
export function distrust(key: string, e: IndexEntry, prefix: string, refs: ReadonlyMap<string, string>): string | null {
  if (!consistentEntry(key, e, prefix)) return `names ${e.ref}, not host ${e.host}'s own WIP ref of ${e.branch}`;
  const at = refs.get(e.ref);
  if (at === undefined) return `${e.ref} does not exist on the remote`;
  if (at !== e.sha) return `${e.ref} is at ${at.slice(0, 12)}, not ${e.sha.slice(0, 12)}`;
  return null;
}

/** The believed part of an index: the index of believed entries only, those entries newest first, and what was dropped. */
export interface TrustedIndex { index: WipIndex; entries: IndexEntry[]; dropped: number; examples: string[] }

/**
 * Keep the entries `refs` back (see distrust), with times from the future not believed (0).
 * Pure: pass the map from remoteWipRefs.
 */
export function trustEntries(index: WipIndex, prefix: string, refs: ReadonlyMap<string, string>, now: number = Math.floor(Date.now() / 1000)): TrustedIndex {
  const kept: Record<string, IndexEntry> = {};
  const examples: string[] = [];
  let dropped = 0;
  for (const [key, e] of Object.entries(index.entries)) {
    const why = distrust(key, e, prefix, refs);
    if (why) {
      dropped++;
      // Hostile text: control characters never reach the terminal, and an example stays one short line.
      if (examples.length < 3) examples.push(safeText(`${key}: ${why}`).slice(0, 160));
      continue;
    }
    const ts = believedTs(e.ts, now);
    kept[key] = ts === e.ts ? e : { ...e, ts };
  }
  const trusted: WipIndex = { ...index, entries: kept };
  return { index: trusted, entries: entriesNewestFirst(trusted), dropped, examples };
}

/** One warning line for dropped entries, or null when none was dropped. */
export function distrustWarning(t: Pick<TrustedIndex, 'dropped' | 'examples'>): string | null {
  if (!t.dropped) return null;
  return `${t.dropped} index entr${t.dropped === 1 ? 'y was' : 'ies were'} ignored: not backed by the WIP ref they name (e.g. ${t.examples.join('; ')}) — the index is rewritten from the refs by: dx-hooks index rebuild`;
}

/**
 * Fetch-free check of an index against the remote: one ls-remote, then trustEntries. When this
 * RepoContext already listed every ref of `remote` (sync's check for vanished refs, moments before)
 * and that listing backs every entry, it is the answer and the remote is not asked again; any entry
 * it does not back (a push since, or a hostile entry) means a fresh ls-remote decides.
 * @throws DxError REMOTE_UNREACHABLE
 */
export async function trustIndex(ctx: RepoContext, remote: string, prefix: string, index: WipIndex): Promise<TrustedIndex> {
  const listed = lastListing(ctx, remote);
  if (listed) {
    const first = trustEntries(index, prefix, listed);
    if (!first.dropped) return first;
  }
  return trustEntries(index, prefix, await remoteWipRefs(ctx, remote, prefix));
}
