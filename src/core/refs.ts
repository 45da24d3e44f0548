/**
 * Moving refs the safe way for rollback, checkpoint restore and undo: every update names the value
 * it expects (compare-and-swap, so a racing writer is never clobbered), several refs move in ONE
 * atomic `update-ref --stdin` transaction, and the reference-transaction hook does not record them
 * again because the caller writes its own, richer ledger line (ownRefWrite).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from './context.js';
import { git, gitTry } from './git.js';
import { createInside, mkdirInside, rmInside } from './nofollow.js';

/**
 * Run `fn` with an environment that tells the reference-transaction hook "this ref move is
 * dx-hooks' own, already recorded": DX_IN_REFTX carries a random one-use token (32 hex) naming
 * `<git-common-dir>/dx/own/<token>`, which exists only while `fn` runs. The variable alone is no
 * bypass (issue 10): without the file the hook ignores it, and even with it the hook still refuses
 * the deletion of a protected branch — the token only spares a second ledger record.
 */
export async function ownRefWrite<T>(ctx: RepoContext, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const token = crypto.randomBytes(16).toString('hex');
  const dir = path.join(ctx.dxDir, 'own');
  const file = path.join(dir, token);
  mkdirInside(ctx.commonDir, dir);
  // Tokens a killed process left behind are no use to anyone: gone after ten minutes.
  for (const old of fs.readdirSync(dir)) {
    try {
      if (Date.now() - fs.lstatSync(path.join(dir, old)).mtimeMs > 600_000) fs.rmSync(path.join(dir, old), { force: true });
    } catch {
      /* raced with its owner */
    }
  }
  createInside(ctx.commonDir, file, `${process.pid}\n`);
  try {
    return await fn({ DX_IN_REFTX: token });
  } finally {
    rmInside(ctx.commonDir, file);
  }
}

/** Whether `token` (the hook's DX_IN_REFTX) names a live ownRefWrite of this repository. */
export function isOwnRefWrite(ctx: RepoContext, token: string | undefined): boolean {
  return !!token && /^[0-9a-f]{32}$/.test(token) && fs.existsSync(path.join(ctx.dxDir, 'own', token));
}

/** One ref move: `value` null deletes the ref; `expect` null means "must not exist". */
export interface RefMove { ref: string; value: string | null; expect: string | null }

/** The object a ref points at (not peeled: a tag ref gives the tag object), or null when it does not exist. */
export async function readRef(ctx: RepoContext, ref: string): Promise<string | null> {
  const r = await gitTry(['rev-parse', '-q', '--verify', ref], { cwd: ctx.top });
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/**
 * Apply `moves` atomically (all or none). `HEAD` is moved without dereferencing (a detached HEAD).
 * @throws GitError when a ref is not at its expected value (nothing moved)
 */
export async function moveRefs(ctx: RepoContext, moves: RefMove[], reason: string): Promise<void> {
  const lines: string[] = [];
  for (const m of moves) {
    if (m.value === m.expect) continue;
    if (m.ref === 'HEAD') lines.push('option no-deref');
    if (m.value === null) lines.push(`delete ${m.ref} ${m.expect}`);
    else if (m.expect === null) lines.push(`create ${m.ref} ${m.value}`);
    else lines.push(`update ${m.ref} ${m.value} ${m.expect}`);
  }
  if (!lines.length) return;
  await ownRefWrite(ctx, (env) => git(['update-ref', '-m', reason, '--stdin'], { cwd: ctx.top, env, input: lines.join('\n') + '\n' }));
}

/** Keep `shas` reachable (gc never prunes them) under `refs/dx/undo/<id>`, `<id>.1`, … Returns the refs written. */
export async function keepReachable(ctx: RepoContext, id: string, shas: string[]): Promise<string[]> {
  const unique = [...new Set(shas)];
  const refs = unique.map((_, i) => (i === 0 ? `refs/dx/undo/${id}` : `refs/dx/undo/${id}.${i}`));
  if (unique.length) {
    await git(['update-ref', '-m', 'dx-hooks: kept for undo', '--stdin'], { cwd: ctx.top, input: unique.map((sha, i) => `update ${refs[i]} ${sha}\n`).join('') });
  }
  return refs;
}
