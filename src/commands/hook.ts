/** `dx-hooks hook <name> [args…]` (internal): the foreground checks the hook runtime hands to node — only when sh found something to check. */
import { describeError } from '../core/errors.js';
import { openSession } from '../core/session.js';

/** Exit code meaning "deliberately refused" (the runtime turns it into git's exit 1); anything else non-zero is a crash the runtime reports without blocking git. */
export const REFUSED = 10;

/** Run one hook's check. Returns 0 (allow) or REFUSED; failures of the check itself warn and allow. */
export async function run(opts: { name: string; args?: string[]; cwd: string }): Promise<number> {
  let s;
  try {
    s = await openSession(opts.cwd);
  } catch (err) {
    // A broken config must not block git: warn and let the operation through.
    process.stderr.write(`dx-hooks: ${opts.name} check skipped — ${describeError(err)}\n`);
    return 0;
  }
  switch (opts.name) {
    case 'pre-commit': {
      const { checkPreCommit } = await import('../core/protect/precommit.js');
      const v = await checkPreCommit(s, process.env.GIT_INDEX_FILE);
      if (v.message) process.stderr.write(v.message + '\n');
      return v.refused ? REFUSED : 0;
    }
    default:
      process.stderr.write(`dx-hooks: unknown hook ${opts.name}\n`);
      return 0;
  }
}
