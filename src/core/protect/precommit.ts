/**
 * pre-commit protection: refuse a commit whose index deletes a protected path or drops its exec
 * bit, unless DX_ALLOW_PROTECTED=1 (the override is logged).
 */
import type { Session } from '../session.js';
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { protectedLosses, protectedMatcher, type ProtectedLoss } from './match.js';
import { shellQuote } from '../text/shell.js';

/** The verdict of a protection check: refused (with the losses and the message), allowed by override, or clean. */
export interface ProtectVerdict { refused: boolean; overridden: boolean; losses: ProtectedLoss[]; message: string | null }

/** Human text naming each loss and the override. */
export function refusalMessage(what: string, losses: ProtectedLoss[], override: string, restore?: (l: ProtectedLoss) => string): string {
  const lines = losses.map((l) => `  - ${l.path}: ${l.kind === 'deleted' ? 'deleted' : 'loses its exec bit'}${restore ? `   (bring it back: ${restore(l)})` : ''}`);
  return `dx-hooks: refused ${what} — it would remove protected paths (protect.paths in .dxrc):\n${lines.join('\n')}\nIf this is really intended: ${override}=1 git …`;
}

/**
 * Check the index about to be committed against HEAD.
 * @param indexFile the index git is committing (git exports GIT_INDEX_FILE into pre-commit; `git commit -a` uses a temporary one)
 * @param env       the hook's environment (for DX_ALLOW_PROTECTED)
 */
export async function checkPreCommit(s: Session, indexFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ProtectVerdict> {
  const head = await gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: s.ctx.top });
  if (head.code !== 0) return { refused: false, overridden: false, losses: [], message: null };
  const losses = await protectedLosses(s.ctx, protectedMatcher(s.config), head.stdout.trim(), { index: true }, indexFile ? { GIT_INDEX_FILE: indexFile } : {});
  if (!losses.length) return { refused: false, overridden: false, losses, message: null };
  if (env.DX_ALLOW_PROTECTED === '1') {
    appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, paths: losses.map((l) => l.path), detail: { hook: 'pre-commit', override: 'DX_ALLOW_PROTECTED', losses } });
    return { refused: false, overridden: true, losses, message: `dx-hooks: DX_ALLOW_PROTECTED=1 — committing the removal of protected paths: ${losses.map((l) => l.path).join(', ')} (logged)` };
  }
  appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'commit removes protected paths', paths: losses.map((l) => l.path), detail: { hook: 'pre-commit', losses } });
  return { refused: true, overridden: false, losses, message: refusalMessage('this commit', losses, 'DX_ALLOW_PROTECTED', (l) => (l.kind === 'deleted' ? `git restore --staged --worktree --source=HEAD -- ${shellQuote(l.path)}` : `git update-index --chmod=+x -- ${shellQuote(l.path)}`)) };
}
