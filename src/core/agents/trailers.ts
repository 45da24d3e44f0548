/**
 * Attribution trailers (DESIGN §9, git trailer syntax so `git interpret-trailers --parse` reads them):
 * `Assisted-by: <agent>:<model>` (the Linux kernel's form; `<agent>` alone when the model is unknown),
 * `Agent: <name>`, `Task: <id>`, `Agent-Session: <agent>/<session-id>`, `Dx-Host: <host>`, and
 * `Co-authored-by` only when the machine config names one for that agent (`agentCoAuthors`). Never
 * `Signed-off-by`. Written by `git interpret-trailers` itself (argv only), so a message's comments,
 * its existing trailers and git's trailer config are handled the way `git commit --trailer` does.
 */
import { git } from '../git.js';
import type { AgentIdentity } from './names.js';

/** One trailer: `[key, value]`. */
export type Trailer = [string, string];

/**
 * The trailers for `id` on host `host`, in DESIGN §9's order.
 * @param coAuthor a `Name <email>` the machine config gives for this agent, or undefined
 */
export function attributionTrailers(id: AgentIdentity, host: string, coAuthor?: string): Trailer[] {
  const out: Trailer[] = [['Assisted-by', id.model ? `${id.agent}:${id.model}` : id.agent], ['Agent', id.agent]];
  if (id.task) out.push(['Task', id.task]);
  if (id.session) out.push(['Agent-Session', `${id.agent}/${id.session}`]);
  out.push(['Dx-Host', host]);
  if (coAuthor) out.push(['Co-authored-by', coAuthor]);
  return out;
}

/**
 * `message` with `trailers` added by `git interpret-trailers` (a trailer already there with the same
 * value is not added twice: `--if-exists addIfDifferent`). Runs in `cwd` so the repository's trailer
 * config applies. Returns the new text.
 * @throws GitError when git fails
 */
export async function withTrailers(cwd: string, message: string, trailers: readonly Trailer[]): Promise<string> {
  const args = ['interpret-trailers', '--if-exists', 'addIfDifferent', ...trailers.flatMap(([k, v]) => ['--trailer', `${k}: ${v}`])];
  return git(args, { cwd, input: message });
}
