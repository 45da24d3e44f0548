/** `dx-hooks guard-git -- <git args>` (internal): what the git guard (shell-init, shim) calls before a destructive command. */
import path from 'node:path';
import { describeError, DxError } from '../core/errors.js';
import { gitTry } from '../core/git.js';
import { guardCommand, parseGitArgs, type GitCommand } from '../core/gitguard/destructive.js';
import { shellQuote } from '../core/text/shell.js';
import { openSession } from '../core/session.js';
import { errLine } from './print.js';

/**
 * Where the command really acts. `--git-dir`/`--work-tree` (or GIT_DIR/GIT_WORK_TREE in the caller's
 * environment) are followed when they name an ordinary repository (the git dir its work tree finds
 * by itself); a git dir kept apart from its work tree cannot be snapshot by dx-hooks.
 * @throws DxError GUARD_SEPARATE_GIT_DIR
 */
async function target(cmd: GitCommand, env: NodeJS.ProcessEnv): Promise<GitCommand> {
  const gitDir = cmd.gitDir ?? (env.GIT_DIR ? path.resolve(cmd.cwd, env.GIT_DIR) : null);
  const workTree = cmd.workTree ?? (env.GIT_WORK_TREE ? path.resolve(cmd.cwd, env.GIT_WORK_TREE) : null);
  if (!gitDir && !workTree) return cmd;
  const opts = [...(gitDir ? [`--git-dir=${gitDir}`] : []), ...(workTree ? [`--work-tree=${workTree}`] : [])];
  const asked = await gitTry([...opts, 'rev-parse', '--show-toplevel', '--absolute-git-dir'], { cwd: cmd.cwd });
  const [top, dir] = asked.stdout.trim().split('\n');
  const found = top ? await gitTry(['rev-parse', '--absolute-git-dir'], { cwd: top }) : null;
  if (asked.code === 0 && top && dir && found?.code === 0 && found.stdout.trim() === dir) {
    const inside = cmd.cwd === top || cmd.cwd.startsWith(top + path.sep);
    return { ...cmd, cwd: inside ? cmd.cwd : top, gitDir: null, workTree: null };
  }
  throw new DxError('GUARD_SEPARATE_GIT_DIR', `dx-hooks cannot snapshot a work tree whose git dir is kept elsewhere (${[gitDir ? `git dir ${gitDir}` : '', workTree ? `work tree ${workTree}` : ''].filter(Boolean).join(', ')})`, 'Run it without the guard if you mean it: DX_HOOKS=0 git …');
}

/** The worktree `git worktree remove [--force] <path>` removes (absolute), or null. */
function removedWorktree(cmd: GitCommand): string | null {
  if (cmd.sub !== 'worktree' || !cmd.args.includes('remove')) return null;
  const rest = cmd.args.slice(cmd.args.indexOf('remove') + 1).filter((a) => !a.startsWith('-'));
  return rest[0] ? path.resolve(cmd.cwd, rest[0]) : null;
}

/** Returns 0 (run git), 10 (refused). Any other failure exits non-zero and the guard refuses, so nothing is lost unguarded. */
export async function run(opts: { gitArgs?: string[]; cwd: string }): Promise<number> {
  const argv = opts.gitArgs ?? [];
  let cmd = parseGitArgs(argv, opts.cwd);
  const line = `git ${argv.map(shellQuote).join(' ')}`;
  try {
    cmd = await target(cmd, process.env);
  } catch (err) {
    errLine(`dx-hooks: refused \`${line}\` — ${describeError(err)}. Run it without the guard if you mean it: DX_HOOKS=0 ${line}`);
    return 10;
  }
  try {
    const wt = removedWorktree(cmd);
    const s = await openSession(wt ?? cmd.cwd);
    const v = await guardCommand(s, wt ? { ...cmd, cwd: wt } : cmd, process.env, { shellAlias: process.env.DX_GUARD_SHELL_ALIAS || undefined, removedWorktree: wt ?? undefined });
    if (v.message) errLine(v.message);
    return v.exitCode;
  } catch (err) {
    errLine(`dx-hooks: could not snapshot before \`${line}\`: ${describeError(err)}`);
    return 3;
  }
}
