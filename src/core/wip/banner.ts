/**
 * The failure banner: one line that every hook (in sh, from `<git-common-dir>/dx/banner`) and
 * every command prints while a WIP or index push is failing — "WIP backup failing since 14:02 —
 * 3 commits only on this machine — remote rejected: …". Deleted when everything succeeded.
 */
import { failedTurns } from '../agents/event/inbox.js';
import { alertEpisode } from '../alert/send.js';
import { dxPaths } from '../context.js';
import { gitTry } from '../git.js';
import type { Session } from '../session.js';
import type { DxState } from '../state.js';
import { rmInside, writeInside } from '../nofollow.js';
import { safeText } from '../text/safe.js';
import { clock } from '../time.js';

/** Count commits reachable from `sha` that no remote-tracking ref has (work only on this machine). */
export async function localOnlyCount(s: Session, sha: string): Promise<number> {
  const r = await gitTry(['rev-list', '--count', sha, '--not', '--remotes'], { cwd: s.ctx.top });
  return r.code === 0 ? Number(r.stdout.trim()) || 0 : 0;
}

/** The banner text for `state`, or null when nothing is pending. */
export async function bannerText(s: Session, state: DxState): Promise<string | null> {
  const pending = Object.values(state.wip).flatMap((w) => (w.pending ? [w.pending] : []));
  if (pending.length) {
    const since = Math.min(...pending.map((p) => p.since));
    let commits = 0;
    let snapshots = 0;
    for (const p of pending) {
      if (p.dirty) snapshots++;
      commits += await localOnlyCount(s, p.dirty ? (await gitTry(['rev-parse', `${p.sha}^`], { cwd: s.ctx.top })).stdout.trim() || p.sha : p.sha);
    }
    const what = [commits ? `${commits} commit${commits === 1 ? '' : 's'}` : '', snapshots ? `${snapshots} uncommitted snapshot${snapshots === 1 ? '' : 's'}` : '']
      .filter(Boolean)
      .join(' and ');
    const newest = pending.reduce((a, b) => (b.since >= a.since ? b : a));
    return `dx-hooks: WIP backup failing since ${clock(since)} — ${what || 'work'} only on this machine — ${newest.error} (details: dx-hooks status)`;
  }
  // attempts 0: queued for the background worker (a session save), not failing.
  const failingRefs = state.refPushes.filter((p) => p.attempts > 0);
  const rp = failingRefs[0];
  if (rp) {
    const refs = failingRefs.flatMap((p) => p.refs);
    return `dx-hooks: push of ${refs.join(', ')} failing since ${clock(Math.min(...failingRefs.map((p) => p.since)))} — only on this machine — ${rp.error} (details: dx-hooks status)`;
  }
  const ip = state.index.pending;
  // attempts 0: queued for the background worker (a checkpoint's index update), not failing.
  if (ip && ip.attempts > 0) return `dx-hooks: WIP index update failing since ${clock(ip.since)} — ${ip.error} (details: dx-hooks status)`;
  // An agent's turns that could not be saved (agents/event/turns.ts): kept, retried by the next turn's drain.
  const turns = failedTurns(s.ctx.dxDir);
  if (turns) return `dx-hooks: ${turns} agent turn${turns === 1 ? '' : 's'} NOT saved to the session — retried at the next turn (details: dx-hooks log)`;
  return null;
}

/**
 * Write or delete `<git-common-dir>/dx/banner` to match `state`. Returns the text written (null: deleted).
 * The hooks print the file raw, so it is written as one safe line: a remote's error text cannot carry
 * escape sequences or extra lines into every hook's output.
 */
export async function writeBanner(s: Session, state: DxState): Promise<string | null> {
  const raw = await bannerText(s, state);
  const text = raw === null ? null : safeText(raw);
  const file = dxPaths(s.ctx).banner;
  if (text) writeInside(s.ctx.commonDir, file, text + '\n');
  else rmInside(s.ctx.commonDir, file);
  // A failure episode starting or ending reaches the user where they are (webhook, desktop): once each (core/alert/).
  alertEpisode(s.ctx, s.machine, s.host, 'backup', text);
  return text;
}
