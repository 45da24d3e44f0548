// Driving an agent's hooks as the agent does: the command line dx-hooks wrote into the agent's settings file,
// run through sh in the repository with the payload (the agent's documented JSON) on stdin.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, type Host, type RunResult } from './git.ts';

/** The command dx-hooks wrote into the agent's settings `file` (relative to the work tree) for `event`. */
export function hookLine(h: Host, file: string, event: string): string {
  const settings = JSON.parse(fs.readFileSync(path.join(h.dir, file), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  const cmd = settings.hooks[event]?.flatMap((g) => g.hooks).find((x) => x.command.includes('agent-hook.sh'))?.command;
  assert.ok(cmd, `no dx-hooks entry for ${event} in ${file}`);
  return cmd;
}

/** Run the agent's hook for `event` as the agent would. */
export function fire(h: Host, file: string, event: string, payload: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run('sh', ['-c', hookLine(h, file, event)], { cwd: h.dir, env: { ...h.env, ...env }, input: JSON.stringify(payload) });
}
