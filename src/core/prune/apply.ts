/**
 * WIP retention, the acting half: delete the planned refs on the remote in ONE atomic push whose
 * leases prove nothing moved since planning, after keeping every deleted sha reachable here and
 * writing one undoable ledger line per ref. The index entries go before (run.ts, wip/forget.ts).
 */
import { gitTry } from '../git.js';
import type { IndexEntry } from '../wipindex/format.js';
import { appendLedger, newEventId } from '../ledger.js';
import { keepReachable, moveRefs, readRef } from '../refs.js';
import type { Session } from '../session.js';
import { pushedRef } from '../wip/ref.js';
import { lastLines, NETWORK_TIMEOUT_MS } from '../wip/remote.js';
import type { PruneRow } from './plan.js';

/** One deleted ref: its sha, the ledger event that records it (`dx-hooks undo <event>` puts it back). */
export interface PruneDeletion { ref: string; sha: string; event: string; merged: boolean; keptAs: string }

/** Outcome of the deleting push: all deleted, or none (the atomic push was rejected or failed). */
export type DeleteOutcome = { ok: true; deleted: PruneDeletion[] } | { ok: false; error: string; events: string[] };

/**
 * Delete the `rows` (all with action 'delete') from `remote`:
 * 1. per ref: keep its sha under `refs/dx/undo/<event id>` and append an undoable `prune` ledger
 *    line (`detail.undo` puts the ref back locally under the same name and pushes it);
 * 2. one `git push --atomic` of `:<ref>` deletions, each with `--force-with-lease=<ref>:<sha>`;
 * 3. for an unmerged WIP ref, the local `refs/dx/pushed/<host>/<branch>` is dropped when it still
 *    names the deleted sha: its commits are no longer on the remote, and the divergence checks must
 *    say so again.
 * A rejected push deletes nothing; each event then gets an `ok: false` line naming it.
 * @throws the ledger's fs error or a GitError of a local ref write (nothing pushed yet in both cases)
 */
export async function deleteRemoteRefs(s: Session, remote: string, rows: PruneRow[], olderThan: number, indexEntries: Record<string, IndexEntry> = {}): Promise<DeleteOutcome> {
  const { ctx, host } = s;
  const planned: { row: PruneRow; id: string; pushed: string | null; keptAs: string }[] = [];
  for (const row of rows) {
    const id = newEventId();
    const [keptAs] = await keepReachable(ctx, id, [row.sha]);
    const pushedName = row.kind === 'wip' && row.host && row.branch ? pushedRef(row.host, row.branch) : null;
    const pushed = pushedName && !row.merged && (await readRef(ctx, pushedName)) === row.sha ? pushedName : null;
    const undoRefs: Record<string, string> = { [row.ref]: row.sha, ...(pushed ? { [pushed]: row.sha } : {}) };
    // The index entries taken out for this ref (forget.ts): undo puts them back after the ref.
    const entries = Object.fromEntries(Object.entries(indexEntries).filter(([, e]) => e.ref === row.ref));
    appendLedger(ctx, {
      id, host, op: 'prune', ok: true,
      refs: { [row.ref]: { old: row.sha, new: null }, ...(pushed ? { [pushed]: { old: row.sha, new: null } } : {}) },
      detail: {
        remote, kind: row.kind, merged: row.merged, onlyHere: row.onlyHere, committed: row.committed, olderThan,
        summary: `prune ${row.ref} (${row.sha.slice(0, 7)}${row.merged ? '' : `, ${row.onlyHere} unmerged commit(s)`}) on ${remote}`,
        undo: { refs: undoRefs, push: { remote, refs: [row.ref] }, ...(Object.keys(entries).length ? { index: { remote, entries } } : {}) },
      },
    });
    planned.push({ row, id, pushed, keptAs: keptAs ?? `refs/dx/undo/${id}` });
  }
  const args = ['push', '--no-verify', '--porcelain', '--atomic', ...rows.map((r) => `--force-with-lease=${r.ref}:${r.sha}`), '--', remote, ...rows.map((r) => `:${r.ref}`)];
  const r = await gitTry(args, { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  if (r.code !== 0) {
    const error = pushError(r.stdout, r.stderr);
    for (const p of planned) appendLedger(ctx, { host, op: 'prune', ok: false, error, detail: { event: p.id, remote, ref: p.row.ref, summary: `prune ${p.row.ref} failed: nothing deleted` } });
    return { ok: false, error, events: planned.map((p) => p.id) };
  }
  for (const p of planned) {
    if (!p.pushed) continue;
    // Compare-and-swap: a WIP push landing meanwhile moved it, and then it is right as it is.
    await moveRefs(ctx, [{ ref: p.pushed, value: null, expect: p.row.sha }], `dx-hooks: prune ${p.row.ref}`).catch(() => undefined);
  }
  return { ok: true, deleted: planned.map((p) => ({ ref: p.row.ref, sha: p.row.sha, event: p.id, merged: p.row.merged, keptAs: p.keptAs })) };
}

/** The rejected refs and the remote's own words from a failed `push --porcelain`. */
function pushError(stdout: string, stderr: string): string {
  const rejected = stdout.split('\n').filter((l) => l.startsWith('!')).map((l) => l.split('\t').slice(1).join(' ').trim());
  const stale = rejected.some((l) => l.includes('stale info')) ? ' (a ref moved since it was read: run prune again)' : '';
  const remoteWords = stderr.split('\n').filter((l) => l.startsWith('remote:')).map((l) => l.slice(7).trim()).filter(Boolean).join(' / ');
  return ([rejected.join('; '), remoteWords].filter(Boolean).join(' — ') || lastLines(stderr)) + stale;
}

/** What happened to the index: `removed` are the entry keys taken out; `skipped` says why nothing was tried. */
export interface PruneIndexResult { ok: boolean; changed: boolean; removed: string[]; commit: string | null; skipped?: string; error?: string }
