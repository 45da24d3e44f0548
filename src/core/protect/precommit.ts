/**
 * pre-commit protection: refuse a commit whose index deletes a protected path or drops its exec
 * bit, or removes protection that HEAD's committed .dxrc gives, unless DX_ALLOW_PROTECTED=1 (the
 * override is logged). Protected means protected by the protection in force (inforce.ts: the work
 * tree's .dxrc ∪ HEAD's ∪ the index's), so an uncommitted .dxrc edit cannot weaken this check.
 */
import type { Session } from '../session.js';
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { committedSource, protectionInForce, protectionRemoved } from './inforce.js';
import { protectedLosses, type ProtectedLoss } from './match.js';

/** The verdict of a protection check: refused (with the losses and the message), allowed by override, or clean. `removed`: protection the commit takes away (pre-commit). */
export interface ProtectVerdict { refused: boolean; overridden: boolean; losses: ProtectedLoss[]; message: string | null; removed?: string[] }

/** Human text naming each loss and the override. */
export function refusalMessage(what: string, losses: ProtectedLoss[], override: string, restore?: (l: ProtectedLoss) => string): string {
  const lines = losses.map((l) => `  - ${l.path}: ${l.kind === 'deleted' ? 'deleted' : 'loses its exec bit'}${restore ? `   (bring it back: ${restore(l)})` : ''}`);
  return `dx-hooks: refused ${what} — it would remove protected paths (protect.paths in .dxrc):\n${lines.join('\n')}\nIf this is really intended: ${override}=1 git …`;
}

/**
 * Check the index about to be committed against HEAD: protected paths it deletes or un-executes,
 * and protection its config takes away from HEAD's committed config.
 * @param indexFile the index git is committing (git exports GIT_INDEX_FILE into pre-commit; `git commit -a` uses a temporary one)
 * @param env       the hook's environment (for DX_ALLOW_PROTECTED)
 */
export async function checkPreCommit(s: Session, indexFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ProtectVerdict> {
  const head = await gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: s.ctx.top });
  if (head.code !== 0) return { refused: false, overridden: false, losses: [], message: null };
  const indexEnv: Record<string, string> = indexFile ? { GIT_INDEX_FILE: indexFile } : {};
  const index = { index: true as const, env: indexEnv };
  const inForce = await protectionInForce(s, [index]);
  const losses = await protectedLosses(s.ctx, inForce.isProtected, head.stdout.trim(), { index: true }, indexEnv);
  const headSource = inForce.sources.find((x) => x.from.startsWith('HEAD:')) ?? null;
  const removed = await protectionRemoved(s, headSource, await committedSource(s, index));
  if (!losses.length && !removed.length) return { refused: false, overridden: false, losses, message: null };
  const paths = losses.map((l) => l.path);
  const removedText = removed.length ? `it removes protection that ${headSource?.from ?? 'HEAD'} gives: ${removed.join(', ')}` : '';
  if (env.DX_ALLOW_PROTECTED === '1') {
    appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, paths, detail: { hook: 'pre-commit', override: 'DX_ALLOW_PROTECTED', losses, removed } });
    const what = [paths.length ? `committing the removal of protected paths: ${paths.join(', ')}` : '', removed.length ? `committing the removal of protection: ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
    return { refused: false, overridden: true, losses, removed, message: `dx-hooks: DX_ALLOW_PROTECTED=1 — ${what} (logged)` };
  }
  appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: losses.length ? 'commit removes protected paths' : 'commit removes protection', paths, detail: { hook: 'pre-commit', losses, removed } });
  const message = losses.length
    ? refusalMessage('this commit', losses, 'DX_ALLOW_PROTECTED', (l) => (l.kind === 'deleted' ? `git restore --staged --worktree --source=HEAD -- ${l.path}` : `git update-index --chmod=+x -- ${l.path}`)) + (removedText ? `\n(also, ${removedText})` : '')
    : `dx-hooks: refused this commit — ${removedText}.\nProtection is taken away only by a commit made with the override: DX_ALLOW_PROTECTED=1 git commit …`;
  return { refused: true, overridden: false, losses, removed, message };
}
