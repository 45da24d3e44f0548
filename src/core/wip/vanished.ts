/**
 * dx refs that vanished from the remote behind pre-push's back (`git push --mirror --no-verify`, a
 * clone without dx-hooks, a hosting UI): the next hook or command that talks to the remote notices
 * and puts them back from what this host knows — the index from the last fetched `refs/dx/index`,
 * each WIP ref the index names from this host's own push record (`refs/dx/pushed/`) or, for other
 * hosts, from objects this host fetched. Every restore leases "must not exist"
 * (`--force-with-lease=<ref>:`), so it never overwrites something new; each is a ledger line and a
 * notice the hooks print once. A WIP ref the index no longer names (pruned) is never brought back.
 */
import { createHash } from 'node:crypto';
import { dxPaths } from '../context.js';
import { debugNote } from '../debug.js';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { entriesNewestFirst, type WipIndex } from '../wipindex/format.js';
import { fetchIndexTip, INDEX_REF, localIndexTip, readIndexAt } from '../wipindex/store.js';
import { appendLedger } from '../ledger.js';
import { readRef } from '../refs.js';
import type { Session } from '../session.js';
import { readCacheText, readStoreText } from '../store/read.js';
import { rmInside, writeInside } from '../nofollow.js';
import { safeLine } from '../text/safe.js';
import { clock } from '../time.js';
import { parseWipRef, pushedRef, wipRef } from './ref.js';
import { lastLines, lsRemote, NETWORK_TIMEOUT_MS } from './remote.js';

/** At most this many refs are restored in one run (a hostile index cannot make one run push without end). */
export const MAX_RESTORES = 200;

/** One ref to put back: `from` says where this host knew its value. */
export interface Restore { ref: string; sha: string; from: string }

/** What a check did: refs put back, refs that could not be (this host never had their commits), and pushes that failed. */
export interface VanishedReport {
  remote: string;
  restored: Restore[];
  unknown: { ref: string; sha: string; why: string }[];
  failed: { ref: string; sha: string; error: string }[];
}

async function isCommit(s: Session, sha: string): Promise<boolean> {
  return (await gitTry(['cat-file', '-e', `${sha}^{commit}`], { cwd: s.ctx.top })).code === 0;
}

async function isAncestor(s: Session, a: string, b: string): Promise<boolean> {
  return (await gitTry(['merge-base', '--is-ancestor', a, b], { cwd: s.ctx.top })).code === 0;
}

/**
 * `sha` when this host fetched `ref` itself from `remote` at `sha` (or later): its remote-tracking
 * copy (`refs/remotes/<remote>/…`, which git's default refspec keeps for `refs/heads/wip/…`) holds or
 * contains it. Else null. Only such a value is restored for another host: a hostile index must not
 * make this host publish a commit of its own under another host's name (an undo snapshot, a commit
 * held for a secret), and a commit merely present here proves nothing about that ref.
 */
async function fetchedFrom(s: Session, copies: Map<string, string>, remote: string, ref: string, sha: string): Promise<string | null> {
  if (!ref.startsWith('refs/heads/')) return null;
  const copy = copies.get(`refs/remotes/${remote}/${ref.slice('refs/heads/'.length)}`);
  if (!copy) return null;
  return copy === sha || ((await isCommit(s, sha)) && (await isAncestor(s, sha, copy))) ? sha : null;
}

/** This host's remote-tracking refs of `remote` (ref → sha), in one git call: the index may name thousands of refs. */
async function trackingCopies(s: Session, remote: string): Promise<Map<string, string>> {
  const r = await gitTry(['for-each-ref', '--format=%(refname) %(objectname)', `refs/remotes/${remote}/`], { cwd: s.ctx.top });
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return out;
}

/** The WIP refs the index names that the remote lacks, with the value this host can put back. */
async function wipPlan(s: Session, remote: string, index: WipIndex | null, there: Map<string, string>, report: VanishedReport): Promise<Restore[]> {
  const prefix = s.config.wip.refPrefix;
  const plan: Restore[] = [];
  const seen = new Set<string>();
  // Listed only when an entry is missing from the remote (the common run finds none).
  let copiesOnce: Map<string, string> | null = null;
  const copiesNow = async () => (copiesOnce ??= await trackingCopies(s, remote));
  const own = async (branch: string, sha: string | null) => {
    const pushed = await readRef(s.ctx, pushedRef(s.host, branch));
    // Only what this host's own pushes landed (refs/dx/pushed): an index entry naming this host for a
    // branch it never pushed is another host's claim, not a record of ours.
    if (pushed && (!sha || sha === pushed || (await isAncestor(s, sha, pushed)))) return pushed;
    return null;
  };
  for (const e of index ? entriesNewestFirst(index) : []) {
    // Believe only entries whose ref is the WIP ref of the host and branch they name (never another ref).
    const ref = wipRef(prefix, e.host, e.branch);
    if (e.ref !== ref || parseWipRef(prefix, ref)?.host !== e.host || seen.has(ref)) continue;
    seen.add(ref);
    if (there.has(ref)) continue;
    const sha = e.host === s.host ? await own(e.branch, e.sha) : await fetchedFrom(s, await copiesNow(), remote, ref, e.sha);
    if (sha) plan.push({ ref, sha, from: e.host === s.host ? 'this host\'s last push (refs/dx/pushed)' : `the index entry, as fetched here from ${remote}` });
    // Another host's entry this host never fetched is not ours to speak of: any host can write such entries.
    else if (e.host === s.host) report.unknown.push({ ref, sha: e.sha, why: 'this host never pushed that commit' });
  }
  if (!index) {
    // No index anywhere: this host's own pushes are still known (refs/dx/pushed/<host>/…).
    const mine = await gitTry(['for-each-ref', '--format=%(refname) %(objectname)', `refs/dx/pushed/${s.host}/`], { cwd: s.ctx.top });
    for (const line of mine.stdout.split('\n').filter(Boolean)) {
      const [name, sha] = line.split(' ') as [string, string];
      const branch = name.slice(`refs/dx/pushed/${s.host}/`.length);
      const ref = wipRef(prefix, s.host, branch);
      if (!there.has(ref) && !seen.has(ref)) plan.push({ ref, sha, from: 'this host\'s last push (refs/dx/pushed)' });
    }
  }
  return plan;
}

/** Push each restore with a "must not exist" lease; returns the ones git rejected, with its words. */
async function pushRestores(s: Session, remote: string, plan: Restore[]): Promise<Map<string, string>> {
  const args = ['push', '--no-verify', '--porcelain', ...plan.map((p) => `--force-with-lease=${p.ref}:`), '--', remote, ...plan.map((p) => `${p.sha}:${p.ref}`)];
  const r = await gitTry(args, { cwd: s.ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  const rejected = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [flag, spec, summary] = line.split('\t');
    if (flag !== '!' || !spec) continue;
    rejected.set(spec.slice(spec.indexOf(':') + 1), summary ?? 'rejected');
  }
  if (r.code !== 0 && !rejected.size) for (const p of plan) rejected.set(p.ref, lastLines(r.stderr));
  return rejected;
}

/**
 * Check `remote` for dx refs this host knows that are gone, and put them back (see the header).
 * `remoteRefs` (ref → sha, all of the remote's refs) may be passed when the caller already listed them.
 * @throws DxError REMOTE_UNREACHABLE when the remote cannot be listed (nothing was changed)
 */
export async function restoreVanished(s: Session, remote: string, remoteRefs?: Map<string, string>): Promise<VanishedReport> {
  const report: VanishedReport = { remote, restored: [], unknown: [], failed: [] };
  const there = remoteRefs ?? (await lsRemote(s.ctx, remote, []));
  const plan: Restore[] = [];
  let index: WipIndex | null = null;
  const remoteTip = there.get(INDEX_REF) ?? null;
  const localTip = await localIndexTip(s.ctx);
  let source: string | null = remoteTip;
  if (!remoteTip && localTip) {
    // The newest copy this host has: its own (refs/dx/index) or a plain `git fetch`'s remote-tracking one.
    const tracking = await readRef(s.ctx, `refs/remotes/${remote}/dx/index^{commit}`);
    const newest = tracking && tracking !== localTip && (await isAncestor(s, localTip, tracking)) ? tracking : localTip;
    plan.push({ ref: INDEX_REF, sha: newest, from: newest === localTip ? 'the last fetched index (refs/dx/index)' : `the last fetched index (refs/remotes/${remote}/dx/index)` });
    source = newest;
  } else if (remoteTip && remoteTip !== localTip) {
    source = await fetchIndexTip(s.ctx, remote);
  }
  // The last check that found every ref present read this same index against the same ref names:
  // the answer is the same (wipPlan looks only at which refs the remote has), so the index is not read.
  const key = !plan.length && source ? checkKey(remote, source, there) : null;
  if (key && readCacheText(checkedFile(s)) === key + '\n') return report;
  if (source) {
    const read = await readIndexAt(s.ctx, source);
    if ('index' in read) index = read.index;
  }
  plan.push(...(await wipPlan(s, remote, source ? index : null, there, report)));
  const allThere = !plan.length && !report.unknown.length;
  report.unknown = onlyNew(s, report.unknown);
  if (!plan.length) {
    recordVanished(s, report);
    if (key && allThere && index) rememberCheck(s, key);
    return report;
  }
  const batch = plan.slice(0, MAX_RESTORES);
  const rejected = await pushRestores(s, remote, batch);
  let now: Map<string, string> | null = null;
  for (const p of batch) {
    const why = rejected.get(p.ref);
    if (why === undefined) {
      report.restored.push(p);
      continue;
    }
    // Lost a race to another host restoring (or writing) the same ref: fine when it holds our value.
    now ??= await lsRemote(s.ctx, remote, []).catch(() => new Map<string, string>());
    if (now.get(p.ref) === p.sha) continue;
    report.failed.push({ ref: p.ref, sha: p.sha, error: why });
  }
  if (plan.length > batch.length) report.unknown.push(...plan.slice(batch.length).map((p) => ({ ref: p.ref, sha: p.sha, why: `more than ${MAX_RESTORES} refs vanished: the rest on the next run` })));
  recordVanished(s, report);
  return report;
}

/** `<dx dir>/vanished-checked`: the key of the last check that found every ref the index names on the remote. */
function checkedFile(s: Session): string {
  return dxPaths(s.ctx).banner.replace(/banner$/, 'vanished-checked');
}

/** What a check's answer depends on: the remote, the index commit read, and the names of the remote's refs (sha256, hex). */
function checkKey(remote: string, source: string, there: Map<string, string>): string {
  const h = createHash('sha256').update(`${remote}\0${source}\0`);
  for (const name of [...there.keys()].sort()) h.update(name + '\n');
  return h.digest('hex');
}

/** Remember a check that found everything present (a cache: a failure to write is a DX_DEBUG note). */
function rememberCheck(s: Session, key: string): void {
  try {
    writeInside(s.ctx.commonDir, checkedFile(s), key + '\n', { fsync: false });
  } catch (err) {
    debugNote(`could not remember the remote's dx refs check: ${String(err)}`);
  }
}

/** The words for a report: one line, or null when nothing was missing. */
export function vanishedMessage(r: VanishedReport): string | null {
  const parts: string[] = [];
  if (r.restored.length) parts.push(`restored ${r.restored.length} ref(s) that had vanished from ${r.remote} (deleted by a push dx-hooks could not check): ${r.restored.map((x) => `${x.ref} ${x.sha.slice(0, 12)}`).join(', ')}`);
  if (r.failed.length) parts.push(`could not restore ${r.failed.map((x) => `${x.ref} (${x.error})`).join(', ')}`);
  const SHOWN = 5;
  if (r.unknown.length) parts.push(`gone from ${r.remote} and not known here: ${r.unknown.slice(0, SHOWN).map((x) => `${x.ref} ${x.sha.slice(0, 12)} (${x.why})`).join(', ')}${r.unknown.length > SHOWN ? ` and ${r.unknown.length - SHOWN} more (dx-hooks log)` : ''}`);
  return parts.length ? `dx-hooks: ${parts.join('; ')} — dx-hooks log` : null;
}

/** Ledger lines, and a notice the hooks print once (`<dx dir>/notice`). */
function recordVanished(s: Session, r: VanishedReport): void {
  if (r.restored.length) {
    appendLedger(s.ctx, { host: s.host, op: 'remote.restore', ok: true, refs: Object.fromEntries(r.restored.map((x) => [x.ref, { old: null, new: x.sha }])), detail: { remote: r.remote, why: 'vanished from the remote', from: Object.fromEntries(r.restored.map((x) => [x.ref, x.from])) } });
  }
  if (r.failed.length || r.unknown.length) {
    appendLedger(s.ctx, { host: s.host, op: 'remote.restore', ok: false, error: 'dx refs vanished from the remote and could not all be restored', refs: Object.fromEntries([...r.failed, ...r.unknown].map((x) => [x.ref, { old: x.sha, new: null }])), detail: { remote: r.remote, failed: r.failed, unknown: r.unknown } });
  }
  const msg = vanishedMessage(r);
  if (msg) writeInside(s.ctx.commonDir, noticeFile(s), `${safeLine(msg)} (${clock(Math.floor(Date.now() / 1000))})\n`);
}

/** Unknown vanished refs are said once each: `<dx dir>/vanished-seen` holds the ones already said (and still gone). */
function onlyNew(s: Session, unknown: VanishedReport['unknown']): VanishedReport['unknown'] {
  const file = noticeFile(s).replace(/notice$/, 'vanished-seen');
  const key = (x: { ref: string; sha: string }) => `${x.sha} ${x.ref}`;
  const said = new Set((readStoreText(file) ?? '').split('\n').filter(Boolean));
  const fresh = unknown.filter((x) => !said.has(key(x)));
  const now = unknown.map(key).join('\n');
  if (now !== [...said].join('\n')) {
    if (now) writeInside(s.ctx.commonDir, file, now + '\n');
    else rmInside(s.ctx.commonDir, file);
  }
  return fresh;
}

/** `<git-common-dir>/dx/notice`: a one-time message the hooks print (and delete) before the banner. */
export function noticeFile(s: Session): string {
  return dxPaths(s.ctx).banner.replace(/banner$/, 'notice');
}

/**
 * The check as hooks and commands run it: the WIP remote of the current branch, skipped (null) when
 * WIP is off, there is no remote, or it cannot be reached (the mirror's own push reports that).
 * Call with the worker lock held, or pass `lock: true` to take it (null when another process holds it).
 */
export async function guardRemoteRefs(s: Session, opts: { lock?: boolean } = {}): Promise<VanishedReport | null> {
  if (!s.config.wip.enabled || s.config.wip.push === 'off') return null;
  const [{ headState }, { resolveRemote }] = await Promise.all([import('../head.js'), import('./remote.js')]);
  let remote: string;
  try {
    remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  } catch {
    return null;
  }
  let release: (() => Promise<void>) | null = null;
  if (opts.lock) {
    const { acquireLock, workerLockStaleMs } = await import('../lock.js');
    release = await acquireLock(dxPaths(s.ctx).lock, 5000, workerLockStaleMs(), s.ctx.commonDir);
    if (!release) return null;
  }
  try {
    return await restoreVanished(s, remote);
  } catch (err) {
    if (err instanceof DxError && err.code === 'REMOTE_UNREACHABLE') return null;
    // A failure here must not stop the backups that follow it: said (ledger, the report's failed list), not thrown.
    const error = err instanceof Error ? err.message : String(err);
    try {
      appendLedger(s.ctx, { host: s.host, op: 'remote.restore', ok: false, error: `checking the remote's dx refs failed: ${error}` });
    } catch {
      /* the report below still says it */
    }
    return { remote, restored: [], unknown: [], failed: [{ ref: '(the check itself)', sha: '', error }] };
  } finally {
    if (release) await release();
  }
}
