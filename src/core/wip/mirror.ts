/**
 * Mirroring: push each requested (host, branch) WIP ref, record the result in state.json and the
 * ledger, then fold the successful ones into the index branch. A failure is kept as pending
 * (retried by the next hook or command) and surfaces in the banner — never silent.
 * Call with the worker lock held.
 */
import { describeError, DxError } from '../errors.js';
import { gitBestEffort, gitTry } from '../git.js';
import { commitInfo } from '../head.js';
import { entryKey, type IndexEntry, type WipIndex } from '../wipindex/format.js';
import { indexFromWipRefs } from '../wipindex/rebuild.js';
import { describeTruncation } from '../wipindex/bounds.js';
import { updateIndex } from '../wipindex/store.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { readState, writeState, type DxState } from '../state.js';
import { writeBanner } from './banner.js';
import { pushWip } from './push.js';
import { keptAside } from './aside.js';
import { branchOfSlot, localMirrorRef, parseWipRef, pushedRef, slotKeepsReplaced, slotOf, wipRef } from './ref.js';
import { repoName, resolveRemote } from './remote.js';

/** One thing to mirror: `sha` goes to this host's WIP ref of `branch` (null: detached). */
export interface MirrorItem {
  branch: string | null;
  sha: string;
  dirty: boolean;
  base: string | null;
  message?: string;
  /** values this item supersedes that never reached the remote: snapshots, and on a detached HEAD commits too (aside.ts); kept aside in the same push */
  keep?: string[];
}

/** What a mirror run did. */
export interface MirrorReport {
  pushed: { ref: string; sha: string; remote: string; displaced?: { ref: string; sha: string }; kept?: { ref: string; sha: string }[] }[];
  failed: { ref: string; sha: string; remote: string | null; error: string }[];
  /** per remote: whether the index update landed; `now`, the index as pushed (or found unchanged) — what the warnings refresh reads instead of fetching it again */
  index: { remote: string; ok: boolean; error?: string; repairedCorrupt?: string | null; now?: WipIndex }[];
  /** things the caller should show the user (e.g. a corrupt state file that was reset) */
  warnings: string[];
  /** the index update was left to the background worker (MirrorOptions.deferIndex) */
  indexQueued?: boolean;
}

export { localMirrorRef };

/**
 * `deferIndex`: push the WIP refs now and leave the index update to the background worker: the keys go
 * into state's pending index update with no attempt yet (INDEX_QUEUED: no banner, not a failure), and
 * the caller starts the worker. A pending update that already failed stays failing until it lands.
 */
export interface MirrorOptions { deferIndex?: boolean }

/** The error text of an index update queued for the background worker (state.index.pending, attempts 0). */
export const INDEX_QUEUED = 'queued for the background worker';

/**
 * Push every item, then update the index. Items for the same WIP ref must already be coalesced.
 * Retries pending index updates recorded in state. Never throws for network failures: they are
 * returned in the report, kept pending, written to the ledger and the banner.
 */
export async function mirror(s: Session, items: MirrorItem[], opts: MirrorOptions = {}): Promise<MirrorReport> {
  const { ctx, config, host } = s;
  const prefix = config.wip.refPrefix;
  const report: MirrorReport = { pushed: [], failed: [], index: [], warnings: [] };
  const { state, corrupt } = readState(ctx);
  if (corrupt) {
    appendLedger(ctx, { host, op: 'state.corrupt', ok: false, error: `${corrupt}; what was dropped starts empty (leases re-checked against the remote)` });
    report.warnings.push(`dx-hooks: ${corrupt}; what was dropped starts empty`);
  }
  const incoming = new Map<string, Record<string, IndexEntry>>();

  for (const item of items) {
    const ref = wipRef(prefix, host, item.branch);
    const ws = (state.wip[ref] ??= {});
    const now = Math.floor(Date.now() / 1000);
    let remote: string | null = null;
    await gitBestEffort(['update-ref', '--create-reflog', '-m', 'dx-hooks mirror', localMirrorRef(host, item.branch), item.sha], { cwd: ctx.top, noHooks: true }, 'the local mirror of a WIP value; the push below carries the same commit');
    try {
      remote = await resolveRemote(ctx, config.remote, item.branch);
      if (ws.lastPushed === item.sha && ws.lastResult === 'ok') continue;
      // Uncommitted work backed up as a snapshot is never simply overwritten by the next push, nor is
      // an earlier detached session's commit (aside.ts).
      const history = slotKeepsReplaced(item.branch);
      const keepShas = new Set([...(item.keep ?? []), ...(ws.pending?.keep ?? []), ...(ws.pending && (ws.pending.dirty || history) ? [ws.pending.sha] : [])]);
      if ((ws.lastDirty || history) && ws.lastPushed && ws.lastPushed !== item.sha) {
        const contained = await gitTry(['merge-base', '--is-ancestor', ws.lastPushed, item.sha], { cwd: ctx.top });
        if (contained.code !== 0) keepShas.add(ws.lastPushed);
      }
      keepShas.delete(item.sha);
      const kept = await keptAside(ctx, host, item.branch, item.sha, [...keepShas]);
      await refuseHeld(s, remote, [item.sha, ...kept.map((k) => k.sha)], ref);
      const out = await pushWip(ctx, remote, ref, item.sha, ws.lastPushed ?? null, { host, branch: item.branch }, kept);
      await noteCollision(s, state, remote, ref, item, out.found);
      if (!out.ok) throw new DxError('PUSH_FAILED', out.error);
      await gitBestEffort(['update-ref', '-m', 'dx-hooks: WIP push landed', pushedRef(host, item.branch), item.sha], { cwd: ctx.top, noHooks: true }, 'the record of what landed; the next push writes it again');
      appendLedger(ctx, {
        host,
        op: 'wip.push',
        ok: true,
        refs: { [ref]: { old: ws.lastPushed ?? null, new: item.sha }, ...Object.fromEntries(kept.map((k) => [k.ref, { old: null, new: k.sha }])) },
        detail: { remote, dirty: item.dirty, ...(out.displaced ? { displaced: out.displaced } : {}) },
      });
      Object.assign(ws, { lastPushed: item.sha, lastPushedAt: now, lastAttemptAt: now, lastResult: 'ok' as const, lastDirty: item.dirty });
      delete ws.pending;
      delete ws.lastError;
      // A pending push of this slot recorded under an older name of its ref (the detached slot was
      // `detached` before issue 11, or wip.refPrefix changed) was coalesced into this one: done too.
      for (const [k, w] of Object.entries(state.wip)) if (k !== ref && w.pending && wipRef(prefix, host, w.pending.branch) === ref) delete w.pending;
      report.pushed.push({ ref, sha: item.sha, remote, ...(out.displaced ? { displaced: out.displaced } : {}), ...(kept.length ? { kept } : {}) });
      // A deferred index update rebuilds its entries from the state at the end (addPendingKey): no subject to read now.
      if (opts.deferIndex) continue;
      const info = await commitInfo(ctx, item.sha);
      const entry: IndexEntry = { host, branch: slotOf(item.branch), ref, sha: item.sha, base: item.base, ts: now, message: item.message ?? info.subject, dirty: item.dirty };
      const forRemote = incoming.get(remote) ?? {};
      forRemote[entryKey(entry)] = entry;
      incoming.set(remote, forRemote);
    } catch (err) {
      const error = describeError(err);
      ws.pending = { sha: item.sha, branch: item.branch, since: ws.pending?.since ?? now, attempts: (ws.pending?.attempts ?? 0) + 1, error, dirty: item.dirty, keep: [...new Set([...(ws.pending?.keep ?? []), ...(item.keep ?? [])])].filter((k) => k !== item.sha) };
      Object.assign(ws, { lastAttemptAt: now, lastResult: 'error' as const, lastError: error });
      appendLedger(ctx, { host, op: 'wip.push', ok: false, error, refs: { [ref]: { old: ws.lastPushed ?? null, new: item.sha } }, detail: { remote } });
      report.failed.push({ ref, sha: item.sha, remote, error });
    }
  }
  writeState(ctx, state);

  // Index updates: this run's successes plus any earlier update still pending.
  if (opts.deferIndex) {
    const pushedKeys = report.pushed.map((p) => p.ref.slice(prefix.length + 1));
    const keys = [...new Set([...(state.index.pending?.keys ?? []), ...pushedKeys])];
    if (keys.length) {
      const p = state.index.pending;
      state.index = { ...state.index, pending: { since: p?.since ?? Math.floor(Date.now() / 1000), attempts: p?.attempts ?? 0, error: p?.error ?? INDEX_QUEUED, keys } };
      report.indexQueued = true;
    }
    incoming.clear();
  }
  for (const key of state.index.pending?.keys ?? []) if (!opts.deferIndex) await addPendingKey(s, state, key, incoming);
  for (const [remote, entries] of incoming) {
    try {
      const repo = await repoName(s, remote);
      const res = await updateIndex(ctx, remote, { host, repo, incoming: entries, rebuild: () => indexFromWipRefs(ctx, remote, prefix, repo) });
      if (res.repairedCorrupt) appendLedger(ctx, { host, op: 'index.repair', ok: true, error: res.repairedCorrupt, detail: { remote } });
      if (res.changed) appendLedger(ctx, { host, op: 'index.update', ok: true, detail: { remote, keys: Object.keys(entries), attempts: res.attempts } });
      if (res.cut) {
        // The index another host wrote was over the limits (or held future times): cut, logged, said.
        appendLedger(ctx, { host, op: 'index.truncate', ok: true, detail: { remote, by: 'mirror', ...res.cut } });
        report.warnings.push(`dx-hooks: ${describeTruncation(res.cut)} (index of ${remote})`);
      }
      state.index = { lastOkAt: Math.floor(Date.now() / 1000) };
      report.index.push({ remote, ok: true, repairedCorrupt: res.repairedCorrupt, now: res.index });
    } catch (err) {
      const error = describeError(err);
      const now = Math.floor(Date.now() / 1000);
      const keys = [...new Set([...(state.index.pending?.keys ?? []), ...Object.keys(entries)])];
      state.index = { ...state.index, pending: { since: state.index.pending?.since ?? now, attempts: (state.index.pending?.attempts ?? 0) + 1, error, keys } };
      appendLedger(ctx, { host, op: 'index.update', ok: false, error, detail: { remote, keys } });
      report.index.push({ remote, ok: false, error });
    }
  }
  writeState(ctx, state);
  await writeBanner(s, state);
  return report;
}

/**
 * After a push of `ref`: a lease that failed on a value this machine never mirrored there, on a ref it had
 * landed a push of before, means another machine writes under this host id (collision.ts) — recorded,
 * logged, and shown by status and doctor. A lease that held clears the record: nobody wrote it since.
 */
async function noteCollision(s: Session, state: DxState, remote: string, ref: string, item: MirrorItem, found: string | undefined): Promise<void> {
  const { clearCollision, isOwnValue, recordCollision } = await import('./collision.js');
  if (!found) return clearCollision(state, ref);
  if (found === item.sha) return;
  const ours = state.wip[ref]?.lastPushed ?? (await gitTry(['rev-parse', '-q', '--verify', pushedRef(s.host, item.branch)], { cwd: s.ctx.top })).stdout.trim();
  if (!ours || (await isOwnValue(s, item.branch, found))) return;
  const c = { ref, host: s.host, remote, theirs: found, ours, seen: Math.floor(Date.now() / 1000), by: 'push' as const };
  recordCollision(state, c);
  appendLedger(s.ctx, { host: s.host, op: 'host.collision', ok: false, error: `${ref} on ${remote} held ${found}, which this host never pushed: another machine uses the host id "${s.host}"`, detail: { ref, remote, theirs: found, ours, pushing: item.sha } });
}

/**
 * The secret gate (src/core/secrets/gate.ts) for one push: throws SECRET_HELD, naming what was found and
 * the release command, when a commit it would send adds a secret; logs a newly held commit once.
 */
async function refuseHeld(s: Session, remote: string, shas: string[], ref: string): Promise<void> {
  const { GATE_MAX_BYTES, heldInPush, heldMessage } = await import('../secrets/gate.js');
  const rules = { allowSecrets: s.machine.allowSecrets, maxFileSize: GATE_MAX_BYTES };
  const held = (await Promise.all(shas.map((sha) => heldInPush(s.ctx, remote, sha, rules)))).flat();
  if (!held.length) return;
  const unique = [...new Map(held.map((h) => [h.sha, h])).values()];
  const message = heldMessage(unique);
  for (const h of unique.filter((x) => x.fresh)) {
    appendLedger(s.ctx, { host: s.host, op: 'secret.hold', ok: false, error: message, paths: h.findings.map((f) => f.path), detail: { commit: h.sha, ref, remote, findings: h.findings } });
  }
  throw new DxError('SECRET_HELD', message);
}

/** Re-create the index entry of a pending key from what state says was last pushed. */
async function addPendingKey(s: Session, state: DxState, key: string, incoming: Map<string, Record<string, IndexEntry>>): Promise<void> {
  const prefix = s.config.wip.refPrefix;
  const ref = `${prefix}/${key}`;
  const ws = state.wip[ref];
  const who = parseWipRef(prefix, ref);
  if (!ws?.lastPushed || !who) return;
  let remote: string;
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, branchOfSlot(who.branch));
  } catch {
    return;
  }
  const forRemote = incoming.get(remote) ?? {};
  if (forRemote[key]) return;
  const info = await commitInfo(s.ctx, ws.lastPushed);
  const dirty = /^Dx-Snapshot:/m.test(info.body);
  forRemote[key] = { host: who.host, branch: who.branch, ref, sha: ws.lastPushed, base: dirty ? (info.parents[0] ?? null) : ws.lastPushed, ts: ws.lastPushedAt ?? info.committed, message: info.subject, dirty };
  incoming.set(remote, forRemote);
}
