/**
 * Every route that makes a commit goes through the protected-path check (issue 10, class 4).
 * The reference-transaction shim hands over, in the `prepared` phase (where a non-zero exit aborts
 * the update), each branch update whose new tip deletes, type-changes or un-executes a path:
 * a fast-forward merge or pull, cherry-pick, revert, `git am`, a commit made with --no-verify,
 * and rebase's final branch update (tip against tip). Pure rewinds and sideways moves outside a
 * rebase (reset, `branch -f`) are not commits: the `committed` phase records them for undo (reftx.ts).
 * `git stash pop` has no hook that can refuse: when the stash it applied removed a protected path
 * from the work tree, the shim hands over the stash drop (`committed`); this says so at once with
 * the recovery command and records an undoable event that puts the path back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../errors.js';
import { git, gitTry } from '../git.js';
import { headState } from '../head.js';
import { identityEnv } from '../identity.js';
import { appendLedger, newEventId } from '../ledger.js';
import { keepReachable } from '../refs.js';
import type { Session } from '../session.js';
import { snapshotBefore } from '../workingtree/before.js';
import { shellQuote } from '../text/shell.js';
import { operationInProgress } from './inflight.js';
import { protectionInForce } from './inforce.js';
import { describeLoss, protectCheckFailed, protectedLosses, type ProtectedLoss } from './match.js';
import { restoreCommand } from './precommit.js';
import type { RefUpdate } from './reftx.js';
import { safeText } from '../text/safe.js';

const isZero = (sha: string) => /^0+$/.test(sha);

/** Result of one check: refused (the shim aborts the ref update), the message for stderr, and ledger ids of undoable records. */
export interface RouteVerdict { refused: boolean; message: string | null; recorded: string[] }

/**
 * `prepared`: refuse each branch update that moves a branch forward (or finishes a rebase) to a tip
 * that loses protected paths, unless DX_ALLOW_PROTECTED=1 (logged).
 */
export async function checkBranchMoves(s: Session, updates: RefUpdate[], env: NodeJS.ProcessEnv = process.env): Promise<RouteVerdict> {
  const { ctx } = s;
  const inflight = operationInProgress(ctx);
  const head = await headState(ctx);
  const messages: string[] = [];
  let refused = false;
  for (const u of updates) {
    if (!u.ref.startsWith('refs/heads/') || isZero(u.new)) continue;
    // `git rebase --apply` updates the branch with an all-zero old value: the ref still holds the old tip.
    let old = u.old;
    if (isZero(old)) {
      const cur = await gitTry(['rev-parse', '-q', '--verify', `${u.ref}^{commit}`], { cwd: ctx.top });
      if (cur.code !== 0) continue; // a new branch: nothing to lose
      old = cur.stdout.trim();
    }
    if (old === u.new) continue;
    // Protection in force: the work tree's .dxrc ∪ HEAD's ∪ the old tip's (a fast-forward has already
    // written the new .dxrc into the work tree: the tip being left still protects what it had).
    const { isProtected } = await protectionInForce(s, [old]);
    const losses = await protectedLosses(ctx, isProtected, old, u.new);
    if (!losses.length) continue;
    const forward = (await gitTry(['merge-base', '--is-ancestor', old, u.new], { cwd: ctx.top })).code === 0;
    if (!forward && inflight?.op !== 'rebase') continue;
    const branch = u.ref.slice('refs/heads/'.length);
    const route = inflight ? `git ${inflight.op}` : branch === head.branch ? 'a commit or a fast-forward (merge, pull)' : 'a branch update';
    const refs = { [u.ref]: { old, new: u.new } };
    const paths = losses.map((l) => l.path);
    if (env.DX_ALLOW_PROTECTED === '1') {
      appendLedger(ctx, { host: s.host, op: 'protect.override', ok: true, refs, paths, detail: { hook: 'reference-transaction', route, override: 'DX_ALLOW_PROTECTED', losses } });
      messages.push(`dx-hooks: DX_ALLOW_PROTECTED=1 — moving ${branch} to a tip without protected paths: ${paths.map((p) => safeText(p)).join(', ')} (logged)`);
      continue;
    }
    refused = true;
    appendLedger(ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'branch update removes protected paths', refs, paths, detail: { hook: 'reference-transaction', route, losses } });
    // The apply backend has already dropped rebase-apply/head-name when the final update is refused: --abort fails there, --quit works.
    const abort = inflight?.op === 'rebase' && fs.existsSync(path.join(ctx.gitDir, 'rebase-apply')) && !fs.existsSync(path.join(ctx.gitDir, 'rebase-apply', 'head-name'))
      ? `git rebase --quit && git switch ${shellQuote(branch)}`
      : inflight?.abort ?? null;
    messages.push(refusal(branch, old, route, losses, inflight?.op === 'rebase' ? null : branch === head.branch, abort));
  }
  return { refused, message: messages.length ? messages.join('\n') : null, recorded: [] };
}

function refusal(branch: string, old: string, route: string, losses: ProtectedLoss[], onHead: boolean | null, abort: string | null): string {
  const lines = [
    `dx-hooks: refused moving branch ${branch} (${route}) — its new tip would remove protected paths (protect.paths in .dxrc):`,
    ...losses.map((l) => `  - ${safeText(l.path)}: ${describeLoss(l)}`),
    `The branch was not moved: ${branch} is still at ${old.slice(0, 12)}.`,
  ];
  if (abort) lines.push(`To abandon the ${route.replace(/^git /, '')}: ${abort}`);
  if (onHead) lines.push(`Bring the paths back into the index and the work tree: ${losses.map((l) => restoreCommand(l)).join(' && ')}`);
  lines.push('If this is really intended: DX_ALLOW_PROTECTED=1 git …');
  return lines.join('\n');
}

/** Protected paths the work tree lacks, or has as another type or without the exec bit, compared with HEAD. */
async function worktreeLosses(s: Session, paths: string[]): Promise<ProtectedLoss[]> {
  if (!paths.length) return [];
  const args = ['--literal-pathspecs', 'diff-index', '-r', '-z', '--no-renames', '--raw', 'HEAD', '--', ...paths];
  const r = await gitTry(args, { cwd: s.ctx.top });
  if (r.code !== 0) throw protectCheckFailed(args, r.stderr);
  const want = new Set(paths);
  const parts = r.stdout.split('\0');
  const out: ProtectedLoss[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const p = parts[i + 1] ?? '';
    const [oldMode, newMode, , , status] = (parts[i] ?? '').slice(1).split(' ');
    if (!want.has(p)) continue;
    if (status === 'D') out.push({ path: p, kind: 'deleted' });
    else if (status === 'T') out.push({ path: p, kind: 'type-changed', to: newMode });
    else if (oldMode === '100755' && newMode === '100644') out.push({ path: p, kind: 'lost-exec-bit' });
  }
  return out;
}

/**
 * `committed`, refs/stash moved away from a stash entry (`git stash pop` drops what it applied):
 * when that entry removes protected paths and the work tree now lacks them, say so and record an
 * undoable event whose snapshot is the work tree as it is, with those paths as HEAD has them.
 */
export async function checkStashPop(s: Session, updates: RefUpdate[]): Promise<RouteVerdict> {
  const { ctx } = s;
  const u = updates.find((x) => x.ref === 'refs/stash' && !isZero(x.old) && x.old !== x.new);
  if (!u) return { refused: false, message: null, recorded: [] };
  const parent = await gitTry(['rev-parse', '-q', '--verify', `${u.old}^1`], { cwd: ctx.top });
  if (parent.code !== 0) return { refused: false, message: null, recorded: [] };
  const { isProtected } = await protectionInForce(s);
  const stashLosses = await protectedLosses(ctx, isProtected, parent.stdout.trim(), u.old);
  const losses = await worktreeLosses(s, stashLosses.map((l) => l.path));
  if (!losses.length) return { refused: false, message: null, recorded: [] };
  const head = await headState(ctx);
  if (!head.sha) return { refused: false, message: null, recorded: [] };
  // The target of undo: the work tree as it is now, with the lost paths as HEAD has them.
  const now = await snapshotBefore(s, 'undo of a git stash pop that removed protected paths');
  const tree = await patchTree(s, now.tree, head.sha, losses.map((l) => l.path));
  const snapshot = await git(['commit-tree', tree, '-p', head.sha, '-m', `dx-hooks: the work tree after git stash pop, with protected paths put back: ${losses.map((l) => l.path).join(', ')}`], { cwd: ctx.top, env: await identityEnv(ctx, s.host) });
  const id = newEventId();
  const kept = await keepReachable(ctx, id, [snapshot.trim(), u.old]);
  const paths = losses.map((l) => l.path);
  appendLedger(ctx, {
    id, host: s.host, op: 'protect.stash-pop', ok: true, paths,
    refs: { 'refs/stash': { old: u.old, new: isZero(u.new) ? null : u.new } },
    detail: {
      summary: `git stash pop removed protected path(s) ${paths.join(', ')} from the work tree`,
      losses, stash: u.old, kept,
      undo: { worktree: { snapshot: snapshot.trim(), head: head.sha, branch: head.branch } },
    },
  });
  const message = [
    'dx-hooks: git stash pop removed protected paths from the work tree (the stash entry it applied removes them; git has no hook that can refuse this):',
    ...losses.map((l) => `  - ${safeText(l.path)}: ${describeLoss(l)}`),
    `Bring them back now: ${losses.map((l) => restoreCommand(l)).join(' && ')}`,
    `or: dx-hooks undo ${shellQuote(id)}   (the stash entry stays reachable as ${kept[1] ?? kept[0]})`,
  ].join('\n');
  return { refused: false, message, recorded: [id] };
}

/** Entries of `tree` at or under `paths`, as `[mode, sha, path]`. */
async function entriesAt(s: Session, tree: string, paths: string[], recursive: boolean): Promise<[string, string, string][]> {
  const out = await git(['--literal-pathspecs', 'ls-tree', ...(recursive ? ['-r'] : []), '-z', '--full-tree', tree, '--', ...paths], { cwd: s.ctx.top });
  return out.split('\0').filter(Boolean).map((rec) => {
    const tab = rec.indexOf('\t');
    const [mode, , sha] = rec.slice(0, tab).split(' ');
    return [mode as string, sha as string, rec.slice(tab + 1)];
  });
}

/** `tree` with each of `paths` (and anything under it) replaced by HEAD's entry, built in a private index. */
async function patchTree(s: Session, tree: string, head: string, paths: string[]): Promise<string> {
  const { ctx } = s;
  const tmp = path.join(ctx.dxDir, `stash-index-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const env = { GIT_INDEX_FILE: tmp };
  try {
    await git(['read-tree', tree], { cwd: ctx.top, env });
    const drop = (await entriesAt(s, tree, paths, true)).map(([, , p]) => `0 ${'0'.repeat(40)}\t${p}`);
    const put = (await entriesAt(s, head, paths, false)).map(([mode, sha, p]) => `${mode} ${sha}\t${p}`);
    const lines = [...drop, ...put];
    if (lines.length) await git(['update-index', '-z', '--index-info'], { cwd: ctx.top, env, input: lines.join('\0') + '\0' });
    return (await git(['write-tree'], { cwd: ctx.top, env })).trim();
  } catch (err) {
    throw new DxError('STASH_RECORD_FAILED', `could not record the protected paths git stash pop removed: ${(err as Error).message}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
