/**
 * `dx-hooks session rewind <id> --turn <n>` (issue 14 point 3): an agent session taken back to the end of
 * turn n — its code, its conversation, or both.
 * - Code: the work tree as the turn's end snapshot holds it (files changed from the shell included), through
 *   the one function behind checkpoint restore and undo (workingtree/restore.ts): a snapshot of now first,
 *   only files that snapshot holds are removed or overwritten (those created after turn n), ignored and
 *   excluded files are left alone, HEAD and its branch stay where they are. Protected paths it would change
 *   are refused unless forced. One undoable ledger line: `dx-hooks undo` puts the work tree back.
 * - Conversation: the transcript as that turn's save stored it, written as a fork (a new session id; the
 *   original stays whole under its ref), saved as its own session, with the command that resumes the agent there.
 */
import { randomUUID } from 'node:crypto';
import { DxError, EXIT, describeError } from '../errors.js';
import { gitTry } from '../git.js';
import { headState } from '../head.js';
import { appendLedger, newEventId } from '../ledger.js';
import { protectedLosses } from '../protect/match.js';
import { protectionInForce } from '../protect/inforce.js';
import { keepReachable } from '../refs.js';
import type { Session } from '../session.js';
import { snapshotBefore } from '../workingtree/before.js';
import { removedPaths, restoreWorkingTree } from '../workingtree/restore.js';
import type { Turn } from './format.js';
import { findSession, loadSessionAt, type LoadedSession } from './store.js';

/** What a rewind does or did (`dryRun`: only said). Paths are repository-relative. */
export interface RewindResult {
  ref: string;
  turn: number;
  /** the turn's end snapshot the code goes back to */
  target: string | null;
  code: { changed: string[]; removed: string[]; kept: string[]; snapshot: string | null; eventId: string | null } | null;
  conversation: { session: string; lines: number; transcript: Buffer } | null;
  forced: string[];
  dryRun: boolean;
}

/** The save of turn `n` on the session's first-parent history (each save adds one turn), and that turn's record. */
async function saveOfTurn(s: Session, ref: string, tip: LoadedSession, n: number): Promise<{ commit: string; turn: Turn }> {
  const last = tip.meta.turns.at(-1);
  const turn = tip.meta.turns.find((t) => t.n === n);
  if (!last || !turn) throw new DxError('SESSION_TURN_NOT_FOUND', `session ${tip.meta.session} has no turn ${n} (turns 1–${last?.n ?? 0})`, 'Name a turn dx-hooks session show lists.', EXIT.USAGE);
  const back = last.n - n;
  const r = await gitTry(['rev-parse', '--verify', '--quiet', `${tip.commit}~${back}^{commit}`], { cwd: s.ctx.top });
  const commit = r.stdout.trim();
  if (r.code !== 0 || !commit) throw new DxError('SESSION_CORRUPT', `${ref}: the save of turn ${n} is not in its history`, 'The session was rewritten; rewind to a turn its newest save lists.');
  return { commit, turn };
}

/**
 * Rewind session `id` (this host's, or a fetched host's with `host`) to the end of turn `n`.
 * @param what `code`, `conversation` or both
 * @throws DxError SESSION_NOT_FOUND / SESSION_TURN_NOT_FOUND / SESSION_NO_SNAPSHOT (nothing changed); PROTECTED (exit 1,
 *   nothing changed) unless `force`; GitError when git refuses a file changed meanwhile (nothing changed then)
 */
export async function rewindSession(s: Session, opts: { id: string; agent?: string; host?: string; turn: number; code: boolean; conversation: boolean; force?: boolean; dryRun?: boolean }): Promise<RewindResult> {
  if (!Number.isInteger(opts.turn) || opts.turn < 1) throw new DxError('USAGE', `--turn ${opts.turn} is not a turn number`, 'Give a turn number (1, 2, …) from dx-hooks session show.', EXIT.USAGE);
  const { ref, commit } = await findSession(s, { id: opts.id, agent: opts.agent, host: opts.host });
  const tip = await loadSessionAt(s, ref, commit);
  const save = await saveOfTurn(s, ref, tip, opts.turn);
  const result: RewindResult = { ref, turn: opts.turn, target: save.turn.snapshot, code: null, conversation: null, forced: [], dryRun: opts.dryRun === true };
  if (opts.code) {
    const target = save.turn.snapshot;
    if (!target) throw new DxError('SESSION_NO_SNAPSHOT', `turn ${opts.turn} of ${ref} recorded no code snapshot`, 'Rewind the conversation only (--conversation), or a turn saved by the agent hooks.', EXIT.FAILED);
    result.code = await rewindCode(s, ref, opts.turn, target, opts.force === true, opts.dryRun === true, result.forced);
  }
  if (opts.conversation) {
    const at = await loadSessionAt(s, ref, save.commit);
    if (!at.transcript) throw new DxError('SESSION_NO_TRANSCRIPT', `turn ${opts.turn} of ${ref} has no transcript saved`, 'Rewind the code only (--code).', EXIT.FAILED);
    const fork = randomUUID();
    // The agent's own lines name their session: the fork's name them as the fork.
    const transcript = renameSession(at.transcript, tip.meta.session, fork);
    result.conversation = { session: fork, lines: transcript.toString('utf8').split('\n').filter(Boolean).length, transcript };
    if (!opts.dryRun) {
      const { saveSession } = await import('./store.js');
      const saved = await saveSession(s, { id: fork, agent: tip.meta.agent, state: { ...at.state, current_task: at.state.current_task }, transcript, snapshot: save.turn.snapshot });
      appendLedger(s.ctx, { host: s.host, op: 'session.rewind', ok: true, refs: { [saved.ref]: { new: saved.commit } }, detail: { session: tip.meta.session, turn: opts.turn, fork, summary: `forked ${tip.meta.agent}/${tip.meta.session} at turn ${opts.turn} as ${fork}` } });
    }
  }
  return result;
}

/** A JSON-lines transcript with each line's `sessionId` / `session_id` naming `from` renamed to `to` (other lines byte for byte). */
function renameSession(transcript: Buffer, from: string, to: string): Buffer {
  const lines = transcript.toString('utf8').split('\n');
  return Buffer.from(lines.map((line) => {
    if (!line.includes(from)) return line;
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      let hit = false;
      for (const k of ['sessionId', 'session_id']) if (v[k] === from) {
        v[k] = to;
        hit = true;
      }
      return hit ? JSON.stringify(v) : line;
    } catch {
      return line;
    }
  }).join('\n'), 'utf8');
}

async function rewindCode(s: Session, ref: string, n: number, target: string, force: boolean, dryRun: boolean, forced: string[]): Promise<NonNullable<RewindResult['code']>> {
  const { ctx } = s;
  const head = await headState(ctx);
  const before = await snapshotBefore(s, `session rewind ${ref.split('/').pop()} turn ${n}`);
  const diff = await gitTry(['diff-tree', '-r', '-z', '--no-renames', '--name-status', before.sha, target], { cwd: ctx.top });
  const recs = diff.stdout.split('\0').filter(Boolean);
  const changed: string[] = [];
  const removed: string[] = [];
  for (let i = 0; i + 1 < recs.length; i += 2) (recs[i] === 'D' ? removed : changed).push(recs[i + 1]!);
  const { isProtected } = await protectionInForce(s);
  const hit = [...changed, ...removed].filter((p) => isProtected(p));
  for (const l of await protectedLosses(ctx, isProtected, before.sha, target)) if (!hit.includes(l.path)) hit.push(l.path);
  if (hit.length) {
    if (!force && !dryRun) throw new DxError('PROTECTED', `refused: rewinding to turn ${n} would change protected paths: ${hit.slice(0, 20).join(', ')}${hit.length > 20 ? ', …' : ''}`, `Nothing was changed. If that is really intended: add --force (dx-hooks undo puts it back).`, EXIT.FAILED);
    if (force) forced.push('PROTECTED');
  }
  if (dryRun) return { changed, removed, kept: [], snapshot: null, eventId: null };
  const id = newEventId();
  await keepReachable(ctx, id, [before.sha]);
  appendLedger(ctx, {
    id, host: s.host, op: 'session.rewind', ok: true, paths: [...changed, ...removed].slice(0, 200),
    detail: {
      ref, turn: n, target, snapshot: before.sha, removed: await removedPaths(ctx, before.sha, target), forced,
      summary: `rewound the work tree to the end of turn ${n} of ${ref.split('/').slice(-2).join('/')} (${changed.length} changed, ${removed.length} removed; the state before is in the snapshot)`,
      undo: { worktree: { snapshot: before.sha, head: head.sha, branch: head.branch } },
    },
  });
  try {
    const { kept } = await restoreWorkingTree(ctx, { snapshot: target, head: head.sha, branch: head.branch }, before);
    return { changed, removed, kept, snapshot: before.sha, eventId: id };
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'session.rewind', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
}
