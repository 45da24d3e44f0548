/** `dx-hooks commit --agent <name> --task <id> -m <description> [--model <m>] [--session <id>] [--files <path…>] [--json]`: an attributed commit (DESIGN §9). */
import pc from 'picocolors';
import { agentCommit } from '../core/agents/commit.js';
import { DxError, EXIT } from '../core/errors.js';
import { openSession } from '../core/session.js';
import { out, printJson, safe, warn } from './common.js';

interface CommitFlags { agent?: string; task?: string; message?: string; model?: string; session?: string; files?: string[]; json?: boolean; cwd: string }

/** Commit; returns 0 (committed, or nothing to commit). Refusals and bad input throw DxError (exit 1 / 2). */
export async function run(opts: CommitFlags): Promise<number> {
  for (const [flag, v] of [['--agent', opts.agent], ['--task', opts.task], ['-m', opts.message]] as const) {
    if (v === undefined) throw new DxError('USAGE', `${flag} is required`, 'dx-hooks commit --agent <name> --task <id> -m "<description>" [--files <path…>]', EXIT.USAGE);
  }
  const s = await openSession(opts.cwd);
  const r = await agentCommit(s, { agent: opts.agent!, task: opts.task!, description: opts.message!, model: opts.model, session: opts.session, files: opts.files, cwd: opts.cwd });
  if (opts.json) {
    printJson({ commit: r.commit, message: r.message, ts: r.ts, files: r.files, excluded: r.excluded });
    return 0;
  }
  for (const x of r.excluded) warn(`left out: ${safe(x.path)} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : 'a secret file name: the built-in exclusions or wip.exclude'})`);
  if (!r.commit) out('nothing to commit: no change to stage in the files named (or in the work tree)');
  else out(pc.green(`✔ ${r.commit.slice(0, 12)} ${safe(r.message.split('\n')[0] ?? '')} (${r.files.length} file${r.files.length === 1 ? '' : 's'})`));
  return 0;
}
