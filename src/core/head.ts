/** Where HEAD is: the branch it names (null when detached) and the commit (null on an unborn branch). */
import type { RepoContext } from './context.js';
import { gitTry } from './git.js';

/** HEAD of the work tree: `branch` is the short name (`feature/x`), null when detached; `sha` null when unborn. */
export interface HeadState { branch: string | null; sha: string | null }

/** Read HEAD without failing on an unborn branch or a detached HEAD. */
export async function headState(ctx: RepoContext): Promise<HeadState> {
  const [sym, sha] = await Promise.all([
    gitTry(['symbolic-ref', '-q', 'HEAD'], { cwd: ctx.top }),
    gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: ctx.top }),
  ]);
  const ref = sym.code === 0 ? sym.stdout.trim() : '';
  return {
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
    sha: sha.code === 0 ? sha.stdout.trim() : null,
  };
}

/** Subject line and committer time (Unix seconds) of a commit. */
export async function commitInfo(ctx: RepoContext, sha: string): Promise<{ subject: string; committed: number; parents: string[]; body: string }> {
  const r = await gitTry(['log', '-1', '--format=%ct%x00%P%x00%s%x00%B', sha], { cwd: ctx.top });
  const [ct, parents, subject, body] = r.stdout.split('\0');
  return { committed: Number(ct) || 0, parents: (parents ?? '').split(' ').filter(Boolean), subject: subject ?? '', body: (body ?? '').trim() };
}
