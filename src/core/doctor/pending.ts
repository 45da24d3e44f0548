/**
 * Doctor's `WIP_PENDING`: work that is not on the remote yet — what `dx-hooks status` shows as
 * pending (state.json: WIP pushes, the index update, other ref pushes) plus commits queued by the
 * shims that no worker is handling. `--fix` runs the worker in the foreground and says what remains.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { appendLedger } from '../ledger.js';
import { isLocked, workerLockStaleMs } from '../lock.js';
import type { Session } from '../session.js';
import { readState, type DxState } from '../state.js';
import { age } from '../time.js';
import { parseQueue } from '../wip/queue.js';
import { once } from './shared.js';
import type { Diagnostic } from './types.js';

/** Queued mirror requests (the queue and files a killed worker left), counted without taking them. */
export function queuedCount(ctx: RepoContext): number {
  let text = '';
  try {
    for (const f of fs.readdirSync(ctx.dxDir)) if (f === 'queue' || /^queue\..+\.work$/.test(f)) text += fs.readFileSync(path.join(ctx.dxDir, f), 'utf8') + '\n';
  } catch {
    return 0; // no dx dir yet, or the worker took the file meanwhile
  }
  return parseQueue(text).items.length;
}

/** How long an index update queued for the background worker (no attempt yet) counts as on its way, in seconds. */
export const QUEUED_GRACE_SECONDS = 60;

/**
 * What is pending in `state` (and `queued` unhandled queue lines), one phrase each; empty: nothing.
 * `now` in Unix seconds. An index update queued for the background worker (a checkpoint's) counts only
 * when no worker is running (`working` false) and it has waited QUEUED_GRACE_SECONDS. Pure.
 */
export function pendingItems(state: DxState, queued: number, now: number, working = false): string[] {
  const out: string[] = [];
  for (const [ref, w] of Object.entries(state.wip)) {
    const p = w.pending;
    if (p) out.push(`${ref} → ${p.sha.slice(0, 12)}${p.dirty ? ' (uncommitted work)' : ''}, failing since ${age(p.since, now)} after ${p.attempts} attempt(s): ${p.error}`);
  }
  const ip = state.index.pending;
  const onItsWay = ip && ip.attempts === 0 && (working || now - ip.since < QUEUED_GRACE_SECONDS);
  if (ip && !onItsWay) out.push(`the index update (${ip.keys.join(', ') || 'entries'}), ${ip.attempts ? `failing since ${age(ip.since, now)}: ${ip.error}` : `${ip.error} ${age(ip.since, now)}`}`);
  for (const r of state.refPushes) {
    // attempts 0: queued for the background worker (a session save), not failing — like the index update above.
    if (r.attempts === 0 && (working || now - r.since < QUEUED_GRACE_SECONDS)) continue;
    const to = r.remote ? `"${r.remote}"` : 'the remote (none set up yet)';
    out.push(r.attempts ? `${r.refs.join(', ')} to ${to}, failing since ${age(r.since, now)}: ${r.error}` : `${r.refs.join(', ')} to ${to}, queued ${age(r.since, now)} and not pushed by any worker yet`);
  }
  if (queued) out.push(`${queued} queued commit(s) that no worker is pushing`);
  return out;
}

/** Pending items now: the queue counts only when no live worker holds the lock (a running worker is pushing it). */
async function pendingNow(s: Session): Promise<string[]> {
  const working = await isLocked(dxPaths(s.ctx).lock, workerLockStaleMs());
  const items = pendingItems(readState(s.ctx).state, working ? 0 : queuedCount(s.ctx), Math.floor(Date.now() / 1000), working);
  // A commit the hook could not queue (the dx dir was not writable): nothing else would say so.
  const { unmirroredHead } = await import('../wip/unmirrored.js');
  const missed = working ? null : await unmirroredHead(s);
  if (missed) items.push(`${missed.branch} at ${missed.sha.slice(0, 12)} was never queued for backup (the hook could not write ${s.ctx.dxDir}?) and is on no remote`);
  return items;
}

/**
 * The push fix: ledger line first, then the worker in the foreground (waiting up to 30 s for a
 * running one), then what remains. @throws DxError WORKER_BUSY, STILL_PENDING (what could not be pushed)
 */
export function pusher(s: Session): (code: string) => Promise<string> {
  return once(async () => {
    appendLedger(s.ctx, { host: s.host, op: 'doctor.fix', ok: true, detail: { code: 'WIP_PENDING', fix: 'push pending' } });
    const { runWorker } = await import('../wip/worker.js');
    const r = await runWorker(s, { waitLockMs: 30_000, refreshWarnings: false });
    if (r.busy) throw new DxError('WORKER_BUSY', 'another dx-hooks worker held the lock for 30 s', 'It is pushing now; run dx-hooks doctor again in a moment.');
    const pushed = r.reports.flatMap((x) => x.pushed.map((p) => p.ref));
    const left = await pendingNow(s);
    const did = pushed.length ? `pushed ${pushed.join(', ')}` : 'pushed no WIP ref';
    if (left.length) throw new DxError('STILL_PENDING', `${did}; still pending: ${left.join('; ')}`);
    return `${did}; nothing is pending any more`;
  });
}

/** Check for pending pushes. Fixable when the config is valid and WIP pushing is on. */
export async function checkPending(s: Session, configOk: boolean, push: (code: string) => Promise<string>): Promise<Diagnostic[]> {
  const items = await pendingNow(s);
  if (!items.length) return [];
  const on = s.config.wip.enabled && s.config.wip.push !== 'off';
  const canFix = configOk && on;
  return [{
    code: 'WIP_PENDING', severity: 'error', fixable: canFix, ...(canFix ? { fix: () => push('WIP_PENDING') } : {}),
    message: `work not on the remote yet: ${items.join('; ')}`,
    hint: !configOk ? 'Fix .dxrc first (CONFIG_INVALID), then: dx-hooks doctor --fix' : !on ? 'WIP pushing is off in .dxrc (wip.enabled / wip.push); turn it on to push these' : 'dx-hooks doctor --fix pushes them now (or any dx-hooks command retries them); if it still fails, see REMOTE_UNREACHABLE',
  }];
}
