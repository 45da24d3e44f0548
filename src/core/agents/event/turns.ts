/**
 * An agent's turns in git (issue 14 point 2): the snapshot at a turn's start (the prompt event, before
 * the agent acts: taken in the foreground), and at its end the snapshot, the new part of the transcript
 * and the turn record saved to the session ref (sessions/store.ts: the end snapshot is the save's second
 * parent, the start its third) and pushed like any session. The end is saved by a detached drain of the
 * inbox (`<git-common-dir>/dx/agent/inbox/`, written by agent-hook.sh), so the agent never waits for it;
 * an item that fails stays (in `failed/`), is said in the ledger and the banner, and is retried.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseSize } from '../../config/schema.js';
import { DxError, describeError } from '../../errors.js';
import { gitRaw, gitTry } from '../../git.js';
import { appendLedger } from '../../ledger.js';
import { acquireLock } from '../../lock.js';
import { renameInside, rmInside } from '../../nofollow.js';
import type { RepoContext } from '../../context.js';
import { openSession, type Session } from '../../session.js';
import { takeSnapshot } from '../../snapshot.js';
import { readCacheJson, writeJson } from '../../store/index.js';
import { adapterFor, type AgentAdapter } from '../hooks/adapters.js';
import { SESSION_PATTERN } from '../names.js';
import { ITEM, listItems } from './inbox.js';
import { parsePayload, trustedTranscript, type Payload } from './payload.js';

/** What dx-hooks remembers of a session between its hook events (`dx/agent/sessions/<agent>-<id>.json`): the turn's start snapshot and prompt, the last end snapshot. */
const AgentStateSchema = z.object({
  schema_version: z.literal(1),
  start: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/).nullable(),
  end: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/).nullable(),
  endAt: z.number(),
  prompt: z.string().max(500).nullable(),
});
type AgentState = z.output<typeof AgentStateSchema>;

const agentDir = (s: Session) => path.join(s.ctx.dxDir, 'agent');
const stateFile = (s: Session, agent: string, id: string) => path.join(agentDir(s), 'sessions', `${agent}-${id}.json`);
/** Where a turn's start snapshot is kept reachable until its end is saved. */
export const startRef = (agent: string, id: string) => `refs/dx/agent/start/${agent}/${id}`;

function readAgentState(s: Session, agent: string, id: string): AgentState {
  const r = readCacheJson(stateFile(s, agent, id), AgentStateSchema, 'agent session state');
  // Missing or unreadable: the turn starts afresh (a new end snapshot is taken; nothing is lost).
  return r.kind === 'ok' ? r.value : { schema_version: 1, start: null, end: null, endAt: 0, prompt: null };
}

function writeAgentState(s: Session, agent: string, id: string, st: AgentState): void {
  writeJson(s.ctx.commonDir, stateFile(s, agent, id), st, { indent: 0 });
}

/** The first line of a prompt, at most 200 characters (the state's `current_task`; redacted when saved). */
function firstLine(prompt: string | undefined): string | null {
  const line = (prompt ?? '').split('\n').find((l) => l.trim())?.trim() ?? '';
  return line ? (line.length > 200 ? `${line.slice(0, 200)}…` : line) : null;
}

/** A snapshot of the work tree for a turn (what WIP would push: secret names and wip.exclude left out). Null on an unborn branch with no files. */
async function turnSnapshot(s: Session, message: string): Promise<string | null> {
  try {
    return (await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host, message })).sha;
  } catch (err) {
    if (err instanceof Error && /nothing to snapshot/i.test(err.message)) return null;
    throw err;
  }
}

/**
 * The prompt event: snapshot the work tree before the agent acts, and remember it (and the prompt's first
 * line) for the turn's end. Returns the snapshot (null: nothing to snapshot).
 * @throws GitError / DxError when the snapshot cannot be taken
 */
export async function startTurn(s: Session, adapter: AgentAdapter, p: Payload): Promise<string | null> {
  const sha = await turnSnapshot(s, `dx-hooks: ${adapter.name} turn start (${p.session_id})`);
  if (sha) await gitRaw(['update-ref', startRef(adapter.name, p.session_id), sha], { cwd: s.ctx.top, noHooks: true });
  const st = readAgentState(s, adapter.name, p.session_id);
  writeAgentState(s, adapter.name, p.session_id, { ...st, start: sha, prompt: firstLine(p.prompt) ?? st.prompt });
  return sha;
}

/** What a turn's end saved. */
export interface SavedTurn { ref: string; commit: string; turn: number; snapshot: string | null; transcript: string | null; subagent: string | null; queued: boolean }

/**
 * A turn's end (`stop`, `subagent-stop`) or a flush (`compact`, `session-end`): the end snapshot (a new one
 * when a tool that changes files ran since the last, see agent-hook.sh PostToolUse), the transcript's new
 * part, the turn record; queued for the push. A subagent's transcript goes into the same session, under
 * `subagents/<agent id>/`. A transcript path outside the agent's own folders is not read (said in the ledger).
 * @throws as saveSession
 */
export async function endTurn(s: Session, adapter: AgentAdapter, p: Payload, kind: 'stop' | 'subagent-stop' | 'compact' | 'session-end'): Promise<SavedTurn> {
  const { saveSession } = await import('../../sessions/store.js');
  const agent = adapter.name;
  const st = readAgentState(s, agent, p.session_id);
  let end = st.end;
  if (kind === 'stop' || kind === 'subagent-stop') {
    const touched = fs.statSync(path.join(agentDir(s), 'touched'), { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
    if (!end || touched >= st.endAt * 1000 - 1000) end = await turnSnapshot(s, `dx-hooks: ${agent} turn end (${p.session_id})`);
  }
  // A subagent's end: its own transcript goes into the same session, under subagents/<agent id>/.
  const sub = kind === 'subagent-stop' && p.agent_id && SESSION_PATTERN.test(p.agent_id) ? p.agent_id : null;
  const id = p.session_id;
  const trusted = (file: string | null | undefined) => {
    const t = trustedTranscript(agent, file);
    if (t && 'refused' in t) appendLedger(s.ctx, { host: s.host, op: 'agent.transcript-refused', ok: false, error: `the ${agent} payload named a transcript dx-hooks does not read: ${t.refused}`, detail: { agent, session: id } });
    return t && 'file' in t ? t.file : null;
  };
  const transcript = trusted(p.transcript_path);
  const subFile = sub ? trusted(p.agent_transcript_path) : null;
  const state = { messages: [], agent_contexts: {}, task_progress: {}, current_task: st.prompt };
  const r = await saveSession(s, { id, agent, state, transcript: transcript ? { file: transcript } : undefined, subagent: sub && subFile ? { id: sub, transcript: { file: subFile } } : undefined, snapshot: end, start: sub ? null : st.start });
  if (!sub) {
    writeAgentState(s, agent, p.session_id, { schema_version: 1, start: null, end, endAt: Math.floor(Date.now() / 1000), prompt: st.prompt });
    if (st.start) await gitTry(['update-ref', '-d', startRef(agent, p.session_id)], { cwd: s.ctx.top, noHooks: true });
  }
  const queued = await queuePush(s, r.ref);
  appendLedger(s.ctx, { host: s.host, op: 'agent.turn', ok: true, refs: { [r.ref]: { new: r.commit } }, detail: { agent, session: id, event: kind, turn: r.turn, snapshot: end, transcript: !!transcript } });
  return { ref: r.ref, commit: r.commit, turn: r.turn, snapshot: end, transcript, subagent: sub && subFile ? sub : null, queued };
}

/** Queue the session ref for the background worker, like `session save` (the caller starts the worker: DrainResult.pushes). */
async function queuePush(s: Session, ref: string): Promise<boolean> {
  if (!s.config.wip.enabled || s.config.wip.push === 'off') return false;
  const { enqueue } = await import('../../wip/queue.js');
  enqueue(s.ctx, { kind: 'ref', ref });
  return true;
}

/** What a drain did: items saved, items that failed (kept in `failed/`), and why each failed (`<item>: <error>`). */
export interface DrainResult { saved: number; failed: number; errors: string[]; pushes: RepoContext[] }

/**
 * Save every turn waiting in `<dxDir>/agent/inbox/` (oldest first), then retry those in `failed/`. One drain
 * at a time (a lock); a drain started while another runs leaves the work to it, which looks at the inbox
 * again after it lets go. An item is removed once saved; one that fails moves to `failed/` (retried by the next
 * drain, counted in the banner), or to `rejected/` when no retry can save it (a payload that does not validate or
 * names another repository); either way with a ledger line and the reason on stderr (the drain's log).
 * @param dxDir the repository's `<git-common-dir>/dx` (the hook script's own)
 */
export async function drainInbox(dxDir: string): Promise<DrainResult> {
  const res: DrainResult = { saved: 0, failed: 0, errors: [], pushes: [] };
  const box = path.join(dxDir, 'agent', 'inbox');
  const failedDir = path.join(dxDir, 'agent', 'failed');
  const rejectedDir = path.join(dxDir, 'agent', 'rejected');
  const common = path.dirname(dxDir);
  const sessions = new Map<string, Session>();
  // The repository's own session, for the ledger and the banner whatever the items hold.
  let home: Session | null = null;
  try {
    home = await openSession(path.dirname(common));
  } catch {
    home = null; // each item's own session is used instead
  }
  for (let round = 0; round < 20; round++) {
    const release = await acquireLock(path.join(dxDir, 'agent', 'drain'), 0, 120_000, common);
    if (!release) return res;
    try {
      const items = [...listItems(box).map((f) => ({ dir: box, f })), ...(round === 0 ? listItems(failedDir).map((f) => ({ dir: failedDir, f })) : [])];
      for (const { dir, f } of items) {
        const file = path.join(dir, f);
        try {
          await drainOne(file, f, dxDir, sessions, res);
          rmInside(common, file);
          res.saved++;
        } catch (err) {
          const error = describeError(err);
          const permanent = forGood(err);
          res.errors.push(`${f}: ${error}${permanent ? ' (set aside in dx/agent/rejected/, not retried)' : ' (kept in dx/agent/failed/, retried at the next turn)'}`);
          res.failed++;
          const to = permanent ? rejectedDir : failedDir;
          if (dir !== to) {
            try {
              renameInside(common, file, path.join(to, f));
            } catch {
              // it stays where it is: retried by the next drain
            }
          }
          const s = home ?? (sessions.values().next().value as Session | undefined);
          if (s) appendLedger(s.ctx, { host: s.host, op: 'agent.turn', ok: false, error: `an agent turn was not saved: ${error}`, detail: { item: f, retried: !permanent } });
        }
      }
    } finally {
      await release();
    }
    if (!listItems(box).length) break;
  }
  const s = home ?? (sessions.values().next().value as Session | undefined);
  if (s) {
    const [{ writeBanner }, { readState }] = await Promise.all([import('../../wip/banner.js'), import('../../state.js')]);
    await writeBanner(s, readState(s.ctx).state);
  }
  return res;
}

/** An item no retry can save (not a turn's end, not this repository's, not a file): set aside, not retried. */
const rejected = (why: string) => new DxError('AGENT_TURN_REJECTED', why, 'Nothing to retry: the item is kept in dx/agent/rejected/.');

/** Whether a drain failure is for good (a payload that will never validate or belong here), not worth a retry. */
const forGood = (err: unknown) => err instanceof DxError && (err.code === 'AGENT_TURN_REJECTED' || err.code === 'AGENT_PAYLOAD_INVALID');

async function drainOne(file: string, name: string, dxDir: string, sessions: Map<string, Session>, res: DrainResult): Promise<void> {
  const st = fs.lstatSync(file);
  if (!st.isFile()) throw rejected('not a regular file');
  const p = parsePayload(fs.readFileSync(file, 'utf8'));
  const adapter = adapterFor(ITEM.exec(name)![3]!);
  const cwd = p.cwd && path.isAbsolute(p.cwd) && fs.existsSync(p.cwd) ? p.cwd : path.dirname(path.dirname(dxDir));
  let s = sessions.get(cwd);
  if (!s) {
    s = await openSession(cwd);
    sessions.set(cwd, s);
  }
  // The payload's cwd must be this repository (the inbox's own): a payload cannot aim the save elsewhere.
  if (fs.realpathSync(s.ctx.dxDir) !== fs.realpathSync(dxDir)) throw rejected(`its cwd ${JSON.stringify(cwd)} is not in this repository`);
  const ev = adapter.events.find((e) => e.event === p.hook_event_name)?.dx;
  if (ev !== 'stop' && ev !== 'subagent-stop' && ev !== 'compact' && ev !== 'session-end') throw rejected(`event ${JSON.stringify(p.hook_event_name)} is not a turn's end`);
  if ((await endTurn(s, adapter, p, ev)).queued && !res.pushes.includes(s.ctx)) res.pushes.push(s.ctx);
}
