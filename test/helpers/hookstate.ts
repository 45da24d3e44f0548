// The hook state of a worktree (src/core/hookstate/format.ts), read the way node reads it, for assertions.
import fs from 'node:fs';
import path from 'node:path';
import { parseHookState, type HookState } from '../../src/core/hookstate/format.ts';

/** The hook state file of the main worktree at `dir` (`<dir>/.git/dx/hook-state`), or of a linked worktree's git dir. */
export function hookStateFile(dir: string, gitDir = path.join(dir, '.git')): string {
  return path.join(gitDir, 'dx', 'hook-state');
}

/** Parse `file` strictly; throws naming the problem so a test fails with it. */
export function readHookStateFile(file: string): HookState {
  const r = parseHookState(fs.readFileSync(file, 'utf8'));
  if ('error' in r) throw new Error(`${file}: ${r.error}`);
  return r;
}
