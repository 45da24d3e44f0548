/**
 * pre-commit protection (also run as pre-merge-commit and pre-applypatch): refuse a commit whose
 * index deletes a protected path, changes its type (symlink, submodule) or drops its exec bit, or
 * removes protection that HEAD's committed .dxrc gives, unless DX_ALLOW_PROTECTED=1 (the override
 * is logged). Protected means protected by the protection in force (inforce.ts: the work tree's
 * .dxrc ∪ HEAD's ∪ the index's), so an uncommitted .dxrc edit cannot weaken this check.
 */
import type { Session } from '../session.js';
import { gitTry } from '../git.js';
import { appendLedger } from '../ledger.js';
import { shellQuote } from '../text/shell.js';
import { committedSource, protectionInForce, protectionRemoved } from './inforce.js';
import { operationInProgress } from './inflight.js';
import { describeLoss, protectedLosses, type ProtectedLoss } from './match.js';
import { safeText } from '../text/safe.js';

/** The verdict of a protection check: refused (with the losses and the message), allowed by override, or clean. `removed`: protection the commit takes away (pre-commit). */
export interface ProtectVerdict { refused: boolean; overridden: boolean; losses: ProtectedLoss[]; message: string | null; removed?: string[] }

/** Human text naming each loss and the override. */
export function refusalMessage(what: string, losses: ProtectedLoss[], override: string, restore?: (l: ProtectedLoss) => string): string {
  const lines = losses.map((l) => `  - ${safeText(l.path)}: ${describeLoss(l)}${restore ? `   (bring it back: ${restore(l)})` : ''}`);
  return `dx-hooks: refused ${what} — it would remove protected paths (protect.paths in .dxrc):\n${lines.join('\n')}\nIf this is really intended: ${override}=1 git …`;
}

/** The hooks that check the index about to be committed against HEAD: `git commit`, `git merge` (a merge commit), `git am`. */
export type IndexHook = 'pre-commit' | 'pre-merge-commit' | 'pre-applypatch';

/** How to bring one protected path back into the index and the work tree from HEAD (shell-quoted). */
export function restoreCommand(l: ProtectedLoss, source = 'HEAD'): string {
  return l.kind === 'lost-exec-bit' ? `git update-index --chmod=+x -- ${shellQuote(l.path)}` : `git restore --staged --worktree --source=${shellQuote(source)} -- ${shellQuote(l.path)}`;
}

/**
 * Check the index about to be committed against HEAD: protected paths it deletes or un-executes,
 * and protection its config takes away from HEAD's committed config.
 * @param indexFile the index git is committing (git exports GIT_INDEX_FILE into pre-commit; `git commit -a` uses a temporary one)
 * @param env       the hook's environment (for DX_ALLOW_PROTECTED)
 * @param hook      which hook asks: pre-merge-commit (git merge) and pre-applypatch (git am) name their route and its abort command;
 *                  pre-applypatch inside `git rebase --apply` checks nothing (the rebase's final branch update is checked instead, tip against tip)
 */
export async function checkPreCommit(s: Session, indexFile: string | undefined, env: NodeJS.ProcessEnv = process.env, hook: IndexHook = 'pre-commit'): Promise<ProtectVerdict> {
  const clean: ProtectVerdict = { refused: false, overridden: false, losses: [], message: null };
  const inflight = operationInProgress(s.ctx);
  if (hook === 'pre-applypatch' && inflight?.op === 'rebase') return clean;
  const head = await gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: s.ctx.top });
  if (head.code !== 0) return clean;
  const indexEnv: Record<string, string> = indexFile ? { GIT_INDEX_FILE: indexFile } : {};
  const index = { index: true as const, env: indexEnv };
  const inForce = await protectionInForce(s, [index]);
  const losses = await protectedLosses(s.ctx, inForce.isProtected, head.stdout.trim(), { index: true }, indexEnv);
  const headSource = inForce.sources.find((x) => x.from.startsWith('HEAD:')) ?? null;
  const removed = await protectionRemoved(s, headSource, await committedSource(s, index));
  if (!losses.length && !removed.length) return { ...clean, losses };
  const paths = losses.map((l) => l.path);
  const what = hook === 'pre-merge-commit' ? 'this merge' : hook === 'pre-applypatch' ? 'this patch (git am)' : 'this commit';
  const removedText = removed.length ? `it removes protection that ${headSource?.from ?? 'HEAD'} gives: ${removed.join(', ')}` : '';
  if (env.DX_ALLOW_PROTECTED === '1') {
    appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, paths, detail: { hook, override: 'DX_ALLOW_PROTECTED', losses, removed } });
    const did = [paths.length ? `committing the removal of protected paths: ${paths.join(', ')}` : '', removed.length ? `committing the removal of protection: ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
    return { refused: false, overridden: true, losses, removed, message: `dx-hooks: DX_ALLOW_PROTECTED=1 — ${did} (logged)` };
  }
  appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: losses.length ? `${what.replace(/^this /, '')} removes protected paths` : `${what.replace(/^this /, '')} removes protection`, paths, detail: { hook, losses, removed } });
  let message = losses.length
    ? refusalMessage(what, losses, 'DX_ALLOW_PROTECTED', (l) => restoreCommand(l)) + (removedText ? `\n(also, ${removedText})` : '')
    : `dx-hooks: refused ${what} — ${removedText}.\nProtection is taken away only by a commit made with the override: DX_ALLOW_PROTECTED=1 git commit …`;
  // git writes MERGE_HEAD only after pre-merge-commit refused: the merge's abort is named directly.
  const abort = hook === 'pre-merge-commit' ? { op: 'merge', abort: 'git merge --abort' } : hook === 'pre-applypatch' ? inflight : null;
  if (abort) message += `\nNothing was committed; to abandon the ${abort.op}: ${abort.abort}`;
  return { refused: true, overridden: false, losses, removed, message };
}
