/**
 * pre-push protection: refuse a push that would delete protected files the remote tip has, force
 * (non-fast-forward) a protected branch, delete dx/index, or delete or rewrite another host's WIP
 * ref, or take away protection that the remote tip's committed .dxrc gives. DX_ALLOW_PROTECTED=1
 * lets it through, logged. Protected means protected by the protection in force (inforce.ts): the
 * work tree's .dxrc ∪ HEAD's ∪ each remote tip's, so an uncommitted .dxrc edit weakens nothing.
 */
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { parseWipRef } from '../wip/ref.js';
import { committedSource, protectionInForce, protectionRemoved } from './inforce.js';
import { describeLoss, protectedLosses } from './match.js';
import { refusalMessage } from './precommit.js';

/** One line of pre-push's stdin (githooks(5)): `<local ref> <local sha> <remote ref> <remote sha>`. */
export interface PushUpdate { localRef: string; localSha: string; remoteRef: string; remoteSha: string }

const isZero = (sha: string) => /^0+$/.test(sha);

/** Parse pre-push's stdin. */
export function parsePushUpdates(text: string): PushUpdate[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((p) => p.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({ localRef: localRef as string, localSha: localSha as string, remoteRef: remoteRef as string, remoteSha: remoteSha as string }));
}

/** Why one ref update is refused. */
export interface PushProblem { ref: string; why: string }

/** Verdict for the whole push. */
export interface PushVerdict { refused: boolean; overridden: boolean; problems: PushProblem[]; message: string | null }

async function have(s: Session, sha: string): Promise<boolean> {
  return (await gitTry(['cat-file', '-e', `${sha}^{commit}`], { cwd: s.ctx.top })).code === 0;
}

/** Check every ref the user is pushing to `remote`. */
export async function checkPrePush(s: Session, remote: string, updates: PushUpdate[], env: NodeJS.ProcessEnv = process.env): Promise<PushVerdict> {
  const problems: PushProblem[] = [];
  const prefix = s.config.wip.refPrefix;
  const tips: string[] = [];
  for (const u of updates) if (!isZero(u.remoteSha) && (await have(s, u.remoteSha))) tips.push(u.remoteSha);
  const inForce = await protectionInForce(s, [...new Set(tips)], remote);
  const branches = new Set(inForce.branches);
  const isProtected = inForce.isProtected;
  for (const u of updates) {
    const short = u.remoteRef.startsWith('refs/heads/') ? u.remoteRef.slice('refs/heads/'.length) : null;
    const deleting = isZero(u.localSha);
    const wip = parseWipRef(prefix, u.remoteRef);
    if (u.remoteRef === 'refs/heads/dx/index' && deleting) problems.push({ ref: u.remoteRef, why: 'deletes the index branch dx/index (every host\'s map of its WIP)' });
    if (wip && wip.host !== s.host && !isZero(u.remoteSha)) {
      if (deleting) problems.push({ ref: u.remoteRef, why: `deletes host "${wip.host}"'s WIP ref` });
      else if (!(await have(s, u.remoteSha)) || (await gitTry(['merge-base', '--is-ancestor', u.remoteSha, u.localSha], { cwd: s.ctx.top })).code !== 0) {
        problems.push({ ref: u.remoteRef, why: `rewrites host "${wip.host}"'s WIP ref (not a fast-forward)` });
      }
    }
    if (short && branches.has(short) && !isZero(u.remoteSha)) {
      if (deleting) problems.push({ ref: u.remoteRef, why: `deletes protected branch ${short}` });
      else if (!(await have(s, u.remoteSha)) || (await gitTry(['merge-base', '--is-ancestor', u.remoteSha, u.localSha], { cwd: s.ctx.top })).code !== 0) {
        problems.push({ ref: u.remoteRef, why: `force-pushes protected branch ${short} (not a fast-forward: commits on ${remote} would be lost)` });
      }
    }
    if (!deleting && !isZero(u.remoteSha) && (await have(s, u.remoteSha))) {
      const losses = await protectedLosses(s.ctx, isProtected, u.remoteSha, u.localSha);
      for (const l of losses.filter((x) => x.kind !== 'lost-exec-bit')) problems.push({ ref: u.remoteRef, why: `${l.kind === 'deleted' ? 'deletes' : `replaces (${describeLoss(l)})`} protected path ${l.path} that ${remote}'s ${short ?? u.remoteRef} has` });
      const removed = await protectionRemoved(s, await committedSource(s, u.remoteSha), await committedSource(s, u.localSha), remote);
      if (removed.length) problems.push({ ref: u.remoteRef, why: `removes protection that ${remote}'s ${short ?? u.remoteRef} gives: ${removed.join(', ')}` });
    }
  }
  if (!problems.length) return { refused: false, overridden: false, problems, message: null };
  const refs = Object.fromEntries(updates.map((u) => [u.remoteRef, { old: isZero(u.remoteSha) ? null : u.remoteSha, new: isZero(u.localSha) ? null : u.localSha }]));
  if (env.DX_ALLOW_PROTECTED === '1') {
    appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, refs, detail: { hook: 'pre-push', remote, override: 'DX_ALLOW_PROTECTED', problems } });
    return { refused: false, overridden: true, problems, message: `dx-hooks: DX_ALLOW_PROTECTED=1 — pushing anyway: ${problems.map((p) => p.why).join('; ')} (logged)` };
  }
  appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'push refused', refs, detail: { hook: 'pre-push', remote, problems } });
  const lines = problems.map((p) => `  - ${p.ref}: ${p.why}`).join('\n');
  return { refused: true, overridden: false, problems, message: `dx-hooks: refused this push to ${remote}:\n${lines}\nIf this is really intended: DX_ALLOW_PROTECTED=1 git push …` };
}

export { refusalMessage };
