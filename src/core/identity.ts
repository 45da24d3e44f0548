/** The commit identity for commits dx-hooks makes (snapshots, index updates) when the repository has none configured. */
import type { RepoContext } from './context.js';
import { gitTry } from './git.js';

/** Whether git has a committer identity, asked once per RepoContext (a checkpoint asked three times, a worker run twice). */
const configured = new WeakMap<RepoContext, Promise<boolean>>();

/** Author/committer variables to use when the repository has no identity configured (commit-tree would fail); `{}` when it has one. */
export async function identityEnv(ctx: RepoContext, host: string): Promise<Record<string, string>> {
  let known = configured.get(ctx);
  if (!known) {
    known = gitTry(['var', 'GIT_COMMITTER_IDENT'], { cwd: ctx.top }).then((r) => r.code === 0);
    configured.set(ctx, known);
  }
  if (await known) return {};
  const email = `dx-hooks@${host}.invalid`;
  return { GIT_AUTHOR_NAME: 'dx-hooks', GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'dx-hooks', GIT_COMMITTER_EMAIL: email };
}
