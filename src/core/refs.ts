/**
 * Moving refs the safe way for rollback, checkpoint restore and undo: every update names the value
 * it expects (compare-and-swap, so a racing writer is never clobbered), several refs move in ONE
 * atomic `update-ref --stdin` transaction, and the reference-transaction hook is told to stand
 * aside (DX_IN_REFTX=1) because the caller writes its own, richer ledger line.
 */
import type { RepoContext } from './context.js';
import { git, gitTry } from './git.js';

/** Environment for dx-hooks' own ref writes: the reference-transaction shim exits at once. */
export const OWN_REF_WRITE = { DX_IN_REFTX: '1' } as const;

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
  await git(['update-ref', '-m', reason, '--stdin'], { cwd: ctx.top, env: OWN_REF_WRITE, input: lines.join('\n') + '\n' });
}

/** Keep `shas` reachable (gc never prunes them) under `refs/dx/undo/<id>`, `<id>.1`, … Returns the refs written. */
export async function keepReachable(ctx: RepoContext, id: string, shas: string[]): Promise<string[]> {
  const unique = [...new Set(shas)];
  const refs = unique.map((_, i) => (i === 0 ? `refs/dx/undo/${id}` : `refs/dx/undo/${id}.${i}`));
  if (unique.length) {
    await git(['update-ref', '-m', 'dx-hooks: kept for undo', '--stdin'], { cwd: ctx.top, env: OWN_REF_WRITE, input: unique.map((sha, i) => `update ${refs[i]} ${sha}\n`).join('') });
  }
  return refs;
}
