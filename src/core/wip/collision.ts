/**
 * Two machines under one host id (issue 11): each one's WIP push moves the other's WIP ref. Noticed
 * when a WIP ref of this host holds a commit this machine never mirrored there — not the last landed
 * push (refs/dx/pushed/) nor any value in the local mirror's reflog (refs/dx/local/) of this
 * repository or of another clone of it registered here. Seen by a push whose lease failed, and by
 * `status` and `doctor` against the remote's refs; kept in state.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { git, gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { acquireLock, workerLockStaleMs } from '../lock.js';
import { machineConfigPath } from '../machine.js';
import type { Session } from '../session.js';
import { readState, writeState, type Collision, type DxState } from '../state.js';
import { safeText } from '../text/safe.js';
import { branchOfSlot, localMirrorRef, parseWipRef, pushedRef } from './ref.js';

/** Every value this host mirrored to its WIP ref of `branch` (null: detached HEAD) from the repository at `cwd`: the last landed push and the local mirror ref's reflog. Two git calls. */
export async function ownValues(cwd: string, host: string, branch: string | null): Promise<Set<string>> {
  const [pushed, log] = await Promise.all([
    gitTry(['rev-parse', '-q', '--verify', pushedRef(host, branch)], { cwd }),
    gitTry(['reflog', 'show', '--format=%H', localMirrorRef(host, branch), '--'], { cwd }),
  ]);
  const out = new Set<string>();
  if (pushed.code === 0) out.add(pushed.stdout.trim());
  if (log.code === 0) for (const l of log.stdout.split('\n')) if (/^[0-9a-f]{40}$/.test(l)) out.add(l);
  return out;
}

/**
 * Whether `sha` was mirrored to this host's WIP ref of `branch` from this machine: by this repository
 * (ownValues), or by another clone of it registered in the machine config (`repos`) — two clones on
 * one machine share the host id and take turns on the ref, which is not another machine.
 */
export async function isOwnValue(s: Pick<Session, 'ctx' | 'host' | 'machine'>, branch: string | null, sha: string): Promise<boolean> {
  if ((await ownValues(s.ctx.top, s.host, branch)).has(sha)) return true;
  for (const repo of s.machine.repos ?? []) {
    if (path.resolve(repo) === s.ctx.top || !fs.existsSync(path.join(repo, '.git'))) continue;
    if ((await ownValues(repo, s.host, branch)).has(sha)) return true;
  }
  return false;
}

/**
 * This host's WIP refs on `remote` that hold a value this machine never mirrored, from the remote's
 * refs (`refs`: ref → sha, one ls-remote of the WIP prefix). A ref this repository has no landed push
 * of is not judged (a fresh clone, or a branch only another clone pushed). One for-each-ref, plus the
 * reflogs of each ref whose value differs from the last landed push.
 */
export async function liveCollisions(s: Session, remote: string, refs: ReadonlyMap<string, string>, now = Math.floor(Date.now() / 1000)): Promise<Collision[]> {
  const { ctx, host } = s;
  const landed = { stdout: await git(['for-each-ref', '--format=%(refname) %(objectname)', `refs/dx/pushed/${host}/`], { cwd: ctx.top }) };
  const mine = new Map<string, string>();
  for (const line of landed.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) mine.set(line.slice(`refs/dx/pushed/${host}/`.length, sp), line.slice(sp + 1));
  }
  const out: Collision[] = [];
  for (const [ref, theirs] of refs) {
    const who = parseWipRef(s.config.wip.refPrefix, ref);
    if (!who || who.host !== host) continue;
    const ours = mine.get(who.branch);
    if (!ours || ours === theirs) continue;
    if (await isOwnValue(s, branchOfSlot(who.branch), theirs)) continue;
    out.push({ ref, host, remote, theirs, ours, seen: now, by: 'status' });
  }
  return out;
}

/**
 * Keep sightings from `status` or `doctor` in state.json (so `status --repos` and `status --offline`
 * show them) and the ledger. Takes the worker lock for a moment; when a worker holds it longer the
 * sightings are not kept (the caller still shows them). Returns whether they were kept.
 */
export async function keepSightings(ctx: RepoContext, found: Collision[]): Promise<boolean> {
  if (!found.length) return true;
  const release = await acquireLock(dxPaths(ctx).lock, 2_000, workerLockStaleMs());
  if (!release) return false;
  try {
    const { state } = readState(ctx);
    const fresh = found.filter((c) => !state.collisions?.some((x) => x.ref === c.ref && x.theirs === c.theirs));
    for (const c of found) recordCollision(state, c);
    writeState(ctx, state);
    for (const c of fresh) appendLedger(ctx, { host: c.host, op: 'host.collision', ok: false, error: `${c.ref} on ${c.remote} holds ${c.theirs}, which this host never pushed: another machine uses the host id "${c.host}"`, detail: { ref: c.ref, remote: c.remote, theirs: c.theirs, ours: c.ours, by: c.by } });
    return true;
  } finally {
    await release();
  }
}

/** Record `c` in `state` (replacing an earlier record of the same ref). Call under the worker lock. */
export function recordCollision(state: DxState, c: Collision): void {
  state.collisions = [...(state.collisions ?? []).filter((x) => x.ref !== c.ref), c];
}

/** Forget the record of `ref` (a push of it found its own last value there: nobody else wrote it since). */
export function clearCollision(state: DxState, ref: string): void {
  if (state.collisions?.some((x) => x.ref === ref)) state.collisions = state.collisions.filter((x) => x.ref !== ref);
}

/** The records and sightings that concern `host` (records made under an earlier host id are history), one per ref, newest sighting first. */
export function collisionsOf(host: string, ...lists: (Collision[] | undefined)[]): Collision[] {
  const byRef = new Map<string, Collision>();
  for (const c of lists.flat()) if (c && c.host === host && (!byRef.has(c.ref) || (byRef.get(c.ref) as Collision).seen < c.seen)) byRef.set(c.ref, c);
  return [...byRef.values()].sort((a, b) => b.seen - a.seen);
}

/** One line for `c`: what was found, and how to fix it. Ref names come from the remote: made safe for a terminal. */
export function collisionMessage(c: Collision): string {
  return safeText(
    `another machine writes this host's WIP ref ${c.ref} on ${c.remote} as host "${c.host}": it holds ${c.theirs.slice(0, 12)}, which this host never pushed` +
      `${c.ours ? ` (its last push there was ${c.ours.slice(0, 12)})` : ''} — two machines use the host id "${c.host}" and replace each other's WIP (what a push replaced is kept under refs/dx/displaced/)`,
  );
}

/** How to end a collision: a distinct host id on one of the machines. */
export function collisionFix(): string {
  return `On one of the machines set a distinct "host" in the machine config (${machineConfigPath()}), e.g. {"host": "<hostname>-2"}, or export DX_HOST there. The record here clears itself once a push from here finds the ref as this host left it (dx-hooks status shows it until then).`;
}
