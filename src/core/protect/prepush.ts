/**
 * pre-push protection: refuse a push that would delete protected files the remote tip has, force
 * (non-fast-forward) a protected branch, delete or rewind dx/index, delete any dx-hooks ref (any
 * host's WIP, refs/dx/**, checkpoint tags: dxrefs.ts) — also the ones a mirror push deletes without
 * telling the hook — rewrite another host's WIP ref, or take away protection that the remote tip's
 * committed .dxrc gives. DX_ALLOW_PROTECTED=1 lets it through, logged. Protected means protected by
 * the protection in force (inforce.ts): the work tree's .dxrc ∪ HEAD's ∪ each remote tip's, so an
 * uncommitted .dxrc edit weakens nothing.
 */
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { parseWipRef, pushedRef } from '../wip/ref.js';
import { forgetEntries } from '../wip/forget.js';
import { moveRefs, readRef } from '../refs.js';
import { committedSource, protectionInForce, protectionRemoved } from './inforce.js';
import { describeLoss, protectedLosses } from './match.js';
import { lsRemote } from '../wip/remote.js';
import { dxRefKind, privateRefKind, REMOTE_INDEX_REF } from './dxrefs.js';
import { localOnlyInPush } from '../secrets/localonly.js';
import { shellQuote } from '../text/shell.js';
import { refusalMessage } from './precommit.js';
import { isMirrorPush, pushCommandLine } from './pushcmd.js';
import { safeText } from '../text/safe.js';

/** One line of pre-push's stdin (githooks(5)): `<local ref> <local sha> <remote ref> <remote sha>`. */
export interface PushUpdate { localRef: string; localSha: string; remoteRef: string; remoteSha: string; implied?: boolean }

const isZero = (sha: string) => /^0+$/.test(sha);

/** Parse pre-push's stdin. */
export function parsePushUpdates(text: string): PushUpdate[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((p) => p.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({ localRef: localRef as string, localSha: localSha as string, remoteRef: remoteRef as string, remoteSha: remoteSha as string }));
}

/** Why one ref update is refused. `hard`: not even DX_ALLOW_PROTECTED lets it through (it would publish secrets). */
export interface PushProblem { ref: string; why: string; hard?: boolean }

/** Verdict for the whole push. */
export interface PushVerdict { refused: boolean; overridden: boolean; problems: PushProblem[]; message: string | null }

async function have(s: Session, sha: string): Promise<boolean> {
  return (await gitTry(['cat-file', '-e', `${sha}^{commit}`], { cwd: s.ctx.top })).code === 0;
}

async function fastForward(s: Session, from: string, to: string): Promise<boolean> {
  return (await have(s, from)) && (await gitTry(['merge-base', '--is-ancestor', from, to], { cwd: s.ctx.top })).code === 0;
}

async function mirrorConfigured(s: Session, remote: string): Promise<boolean> {
  const r = await gitTry(['config', '--bool', '--get', `remote.${remote}.mirror`], { cwd: s.ctx.top });
  return r.code === 0 && r.stdout.trim() === 'true';
}

/**
 * The deletions a mirror push makes that pre-push's stdin does not show: every dx-hooks ref on the
 * remote (dxrefs.ts) that this clone has no ref of the same name for. `remoteRefs` (ref → sha) may
 * be given; else the remote is asked (ls-remote). A remote that cannot be read is a refusal of its own
 * (fail closed: the mirror would delete what cannot be checked).
 */
async function mirrorDeletions(s: Session, remote: string, updates: PushUpdate[], remoteRefs?: Map<string, string>): Promise<PushUpdate[]> {
  let there = remoteRefs;
  if (!there) {
    try {
      there = await lsRemote(s.ctx, remote, []);
    } catch (err) {
      return [{ localRef: '(unknown)', localSha: ZERO, remoteRef: `(the refs of ${remote}: ${(err as Error).message})`, remoteSha: ZERO, implied: true }];
    }
  }
  const seen = new Set(updates.map((u) => u.remoteRef));
  const out: PushUpdate[] = [];
  for (const [ref, sha] of there) {
    if (seen.has(ref) || !dxRefKind(s.config.wip.refPrefix, ref)) continue;
    if ((await gitTry(['rev-parse', '-q', '--verify', ref], { cwd: s.ctx.top })).code === 0) continue;
    out.push({ localRef: '(delete)', localSha: ZERO, remoteRef: ref, remoteSha: sha, implied: true });
  }
  return out;
}

const ZERO = '0'.repeat(40);

/** Options of checkPrePush: the push's command line (default: read from /proc) and the remote's refs (default: ls-remote when needed). */
export interface PrePushOptions { env?: NodeJS.ProcessEnv; pushArgs?: string[] | null; remoteRefs?: Map<string, string> }

/**
 * Check every ref the user is pushing to `remote`: `updates` is pre-push's stdin, plus (for a mirror
 * push, which git does not show) the deletions the mirror would make.
 */
export async function checkPrePush(s: Session, remote: string, stdinUpdates: PushUpdate[], opts: PrePushOptions = {}): Promise<PushVerdict> {
  const env = opts.env ?? process.env;
  const problems: PushProblem[] = [];
  const prefix = s.config.wip.refPrefix;
  const pushArgs = opts.pushArgs === undefined ? pushCommandLine() : opts.pushArgs;
  // git 2.39 hands a mirror push's deletions to no hook: ask the remote what the mirror would delete.
  const mirrorLike = isMirrorPush(pushArgs) || (await mirrorConfigured(s, remote)) || stdinUpdates.some((u) => u.remoteRef.startsWith('refs/remotes/'));
  const updates = mirrorLike ? [...stdinUpdates, ...(await mirrorDeletions(s, remote, stdinUpdates, opts.remoteRefs))] : stdinUpdates;
  const tips: string[] = [];
  for (const u of updates) if (!isZero(u.remoteSha) && (await have(s, u.remoteSha))) tips.push(u.remoteSha);
  const inForce = await protectionInForce(s, [...new Set(tips)], remote);
  const branches = new Set(inForce.branches);
  const isProtected = inForce.isProtected;
  for (const u of updates) {
    const short = u.remoteRef.startsWith('refs/heads/') ? u.remoteRef.slice('refs/heads/'.length) : null;
    const deleting = isZero(u.localSha);
    const wip = parseWipRef(prefix, u.remoteRef);
    const dxKind = dxRefKind(prefix, u.remoteRef);
    if (u.implied && u.remoteRef.startsWith('(')) {
      problems.push({ ref: remote, why: `a mirror push, and what it would delete cannot be checked ${u.remoteRef}` });
      continue;
    }
    const priv = deleting ? null : privateRefKind(u.remoteRef);
    if (priv) {
      problems.push({ ref: u.remoteRef, why: `publishes ${priv}, private to this host`, hard: u.remoteRef.startsWith('refs/dx/undo/') });
      continue;
    }
    // A local-only undo snapshot (the git guard's) may hold secret files: no push sends one, under any name.
    const local = deleting ? [] : await localOnlyInPush(s.ctx.top, u.localSha, ['--remotes', ...(!isZero(u.remoteSha) && (await have(s, u.remoteSha)) ? [u.remoteSha] : [])]).catch(async (err: unknown) => {
      // A tag of a tree or blob has no history to hold a snapshot; any other failure fails the check (loudly).
      if ((await gitTry(['rev-parse', '-q', '--verify', `${u.localSha}^{commit}`], { cwd: s.ctx.top })).code !== 0) return [];
      throw err;
    });
    if (local.length) {
      problems.push({ ref: u.remoteRef, why: `sends ${local.map((c) => c.slice(0, 12)).join(', ')}, a local-only undo snapshot of the git guard (it may hold secret files; take it out of the branch)`, hard: true });
      continue;
    }
    if (dxKind && deleting) {
      problems.push({ ref: u.remoteRef, why: `deletes ${dxKind}${u.implied ? ' (a mirror push deletes every remote ref this clone lacks)' : ''}` });
      continue;
    }
    if (u.remoteRef === REMOTE_INDEX_REF && !isZero(u.remoteSha) && !(await fastForward(s, u.remoteSha, u.localSha))) {
      problems.push({ ref: u.remoteRef, why: 'rewrites the index branch dx/index (not a fast-forward: other hosts\' entries would be lost)' });
    }
    if (wip && wip.host !== s.host && !isZero(u.remoteSha)) {
      if (!(await have(s, u.remoteSha)) || (await gitTry(['merge-base', '--is-ancestor', u.remoteSha, u.localSha], { cwd: s.ctx.top })).code !== 0) {
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
      for (const l of losses.filter((x) => x.kind !== 'lost-exec-bit')) problems.push({ ref: u.remoteRef, why: `${l.kind === 'deleted' ? 'deletes' : `replaces (${describeLoss(l)})`} protected path ${safeText(l.path)} that ${remote}'s ${short ?? u.remoteRef} has` });
      const removed = await protectionRemoved(s, await committedSource(s, u.remoteSha), await committedSource(s, u.localSha), remote);
      if (removed.length) problems.push({ ref: u.remoteRef, why: `removes protection that ${remote}'s ${short ?? u.remoteRef} gives: ${removed.join(', ')}` });
    }
  }
  if (!problems.length) return { refused: false, overridden: false, problems, message: null };
  const refs = Object.fromEntries(updates.map((u) => [u.remoteRef, { old: isZero(u.remoteSha) ? null : u.remoteSha, new: isZero(u.localSha) ? null : u.localSha }]));
  const hard = problems.filter((p) => p.hard);
  if (env.DX_ALLOW_PROTECTED === '1' && hard.length) {
    // Undo records may hold the secret files a guarded command would have destroyed: no override publishes them.
    appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'push refused (not overridable)', refs, detail: { hook: 'pre-push', remote, problems: hard, override: 'DX_ALLOW_PROTECTED' } });
    return { refused: true, overridden: false, problems: hard, message: `dx-hooks: refused this push to ${remote}, even with DX_ALLOW_PROTECTED=1:\n${hard.map((p) => `  - ${p.ref}: ${p.why}`).join('\n')}\nThese hold this host's undo records, which may keep secret files: push the branch without them.` };
  }
  if (env.DX_ALLOW_PROTECTED === '1') {
    appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, refs, detail: { hook: 'pre-push', remote, override: 'DX_ALLOW_PROTECTED', problems } });
    const forgot = await forgetDeletedWip(s, remote, updates);
    return { refused: false, overridden: true, problems, message: `dx-hooks: DX_ALLOW_PROTECTED=1 — pushing anyway: ${problems.map((p) => p.why).join('; ')} (logged)${forgot}` };
  }
  appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'push refused', refs, detail: { hook: 'pre-push', remote, problems } });
  const lines = problems.map((p) => `  - ${p.ref}: ${p.why}`).join('\n');
  const again = pushArgs ? `git ${pushArgs.map(shellQuote).join(' ')}` : 'git push …';
  return { refused: true, overridden: false, problems, message: `dx-hooks: refused this push to ${remote}:\n${lines}\nIf this is really intended: DX_ALLOW_PROTECTED=1 ${again}` };
}

/**
 * An intended deletion of WIP refs (the override) must stay deleted: their index entries go first
 * (wip/forget.ts), and this host's own push record of them, so no host's vanished-ref check puts
 * them back. Returns words to add to the override message ('' when there was nothing to do).
 */
async function forgetDeletedWip(s: Session, remote: string, updates: PushUpdate[]): Promise<string> {
  const prefix = s.config.wip.refPrefix;
  const gone = new Map<string, string>();
  for (const u of updates) if (isZero(u.localSha) && !isZero(u.remoteSha) && parseWipRef(prefix, u.remoteRef)) gone.set(u.remoteRef, u.remoteSha);
  if (!gone.size) return '';
  for (const [ref, sha] of gone) {
    const wip = parseWipRef(prefix, ref);
    if (wip?.host !== s.host) continue;
    const mine = pushedRef(s.host, wip.branch);
    // Compare-and-swap: only the record of the very value being deleted.
    if ((await readRef(s.ctx, mine)) === sha) await moveRefs(s.ctx, [{ ref: mine, value: null, expect: sha }], `dx-hooks: ${ref} deleted with DX_ALLOW_PROTECTED`).catch(() => undefined);
  }
  const r = await forgetEntries(s, remote, gone, 'pre-push (DX_ALLOW_PROTECTED)');
  if (!r.ok) return `; the index entries of the deleted WIP refs could not be taken out first (${r.error ?? 'unknown error'}): other hosts may put them back — dx-hooks index rebuild after the push`;
  return r.removed.length ? `; took ${r.removed.join(', ')} out of the index first` : '';
}

export { refusalMessage };
