/**
 * The prepare-commit-msg hook's work (DESIGN §9) once sh found an agent named in the environment: add
 * the attribution trailers to the message file git passed. A person's commit never gets here (the
 * runtime ends it in sh), and nothing here may cost the commit: an invalid name, an unreadable file or
 * a failing git is said (stderr, ledger) and the message is left as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { appendLedger } from '../ledger.js';
import { writeInside } from '../nofollow.js';
import type { Session } from '../session.js';
import { agentFromEnv, ATTRIBUTED_ENV } from './names.js';
import { attributionTrailers, withTrailers } from './trailers.js';

/** What the hook did: `added` the trailers, `none` (no agent named, or dx-hooks commit wrote them), or `skipped` with why. */
export type PrepareResult = { kind: 'added'; agent: string } | { kind: 'none' } | { kind: 'skipped'; why: string };

/**
 * Add the trailers for the agent `env` names to the message file `file` (relative to the work tree's
 * top, as git passes it; it must lie in this worktree's git dir and be a regular file, never a link).
 * The file is replaced atomically. Never throws: a failure is `skipped` with why, and a ledger line.
 */
export async function prepareCommitMessage(s: Session, file: string, env: NodeJS.ProcessEnv): Promise<PrepareResult> {
  if (env[ATTRIBUTED_ENV] === '1') return { kind: 'none' };
  const found = agentFromEnv(env);
  if (!found) return { kind: 'none' };
  const skip = (why: string): PrepareResult => {
    try {
      appendLedger(s.ctx, { host: s.host, op: 'agent.trailers', ok: false, error: why });
    } catch {
      /* said on stderr by the caller all the same */
    }
    return { kind: 'skipped', why };
  };
  if ('invalid' in found) return skip(`the agent's environment names values dx-hooks cannot put in a trailer: ${found.invalid.join('; ')}`);
  const abs = path.resolve(s.ctx.top, file);
  const rel = path.relative(s.ctx.gitDir, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return skip(`the message file ${JSON.stringify(file)} is not inside ${s.ctx.gitDir}`);
  try {
    if (!fs.lstatSync(abs).isFile()) return skip(`the message file ${JSON.stringify(file)} is not a regular file`);
    const text = fs.readFileSync(abs, 'utf8');
    const id = found.identity;
    const next = await withTrailers(s.ctx.top, text, attributionTrailers(id, s.host, s.machine.agentCoAuthors?.[id.agent]));
    if (next !== text) writeInside(s.ctx.gitDir, abs, next, { fsync: false });
    return { kind: 'added', agent: id.agent };
  } catch (err) {
    return skip(`could not add the trailers: ${err instanceof Error ? err.message : String(err)}`);
  }
}
