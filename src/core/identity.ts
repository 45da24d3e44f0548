/** The commit identity for commits dx-hooks makes (snapshots, index updates) when the repository has none configured. */
import type { RepoContext } from './context.js';
import { gitTry } from './git.js';

/** Author/committer variables to use when the repository has no identity configured (commit-tree would fail). */
export async function identityEnv(ctx: RepoContext, host: string): Promise<Record<string, string>> {
  const r = await gitTry(['var', 'GIT_COMMITTER_IDENT'], { cwd: ctx.top });
  if (r.code === 0) return {};
  const email = `dx-hooks@${host}.invalid`;
  return { GIT_AUTHOR_NAME: 'dx-hooks', GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'dx-hooks', GIT_COMMITTER_EMAIL: email };
}
