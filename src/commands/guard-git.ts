/** `dx-hooks guard-git -- <git args>` (internal): what the git guard (shell-init, shim) calls before a destructive command. */
import { describeError } from '../core/errors.js';
import { guardCommand, parseGitArgs } from '../core/guard/destructive.js';
import { openSession } from '../core/session.js';
import { errLine } from './print.js';

/** Returns 0 (run git), 10 (refused). Any other failure exits non-zero and the guard refuses, so nothing is lost unguarded. */
export async function run(opts: { gitArgs?: string[]; cwd: string }): Promise<number> {
  const cmd = parseGitArgs(opts.gitArgs ?? [], opts.cwd);
  if (cmd.unguardable) {
    errLine(`dx-hooks: not guarding a git command with ${cmd.unguardable} (no snapshot taken)`);
    return 0;
  }
  try {
    const s = await openSession(cmd.cwd);
    const v = await guardCommand(s, cmd);
    if (v.message) errLine(v.message);
    return v.exitCode;
  } catch (err) {
    errLine(`dx-hooks: could not snapshot before \`git ${cmd.sub}\`: ${describeError(err)}`);
    return 3;
  }
}
