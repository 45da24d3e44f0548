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

/** What commitInfo returns: committer time (Unix seconds), parent shas, subject line, whole message trimmed. */
export interface CommitInfo { subject: string; committed: number; parents: string[]; body: string }

/** A commit named by its full sha never changes: read once per process and repository (the worker asked twice per push). */
const infoMemo = new Map<string, CommitInfo>();

/** Subject line and committer time (Unix seconds) of a commit; an unreadable one is all empty (never memoised). */
export async function commitInfo(ctx: RepoContext, sha: string): Promise<CommitInfo> {
  const key = /^[0-9a-f]{40}$/.test(sha) ? `${ctx.commonDir}\0${sha}` : null;
  const known = key ? infoMemo.get(key) : undefined;
  if (known) return known;
  const r = await gitTry(['log', '-1', '--format=%ct%x00%P%x00%s%x00%B', sha], { cwd: ctx.top });
  const [ct, parents, subject, body] = r.stdout.split('\0');
  const info = { committed: Number(ct) || 0, parents: (parents ?? '').split(' ').filter(Boolean), subject: subject ?? '', body: (body ?? '').trim() };
  if (key && r.code === 0) {
    if (infoMemo.size > 1000) infoMemo.clear();
    infoMemo.set(key, info);
  }
  return info;
}
