/**
 * The tools `dx-hooks mcp` serves (issue 14 point 5): each a core operation, with input and output schemas
 * in zod (the MCP SDK turns them into JSON Schema, checks every call's arguments against the input, and its
 * client checks the result against the output), and honest hints: `readOnlyHint` for what changes nothing,
 * `destructiveHint` for what can take work away — those take a snapshot first and write an undoable ledger
 * line, as the CLI does (their core functions do it). Results are JSON objects (MCP's structured content).
 */
import { z } from 'zod';
import type { Session } from '../session.js';

/** Tool hints as MCP defines them (modelcontextprotocol.io, "Tool annotations"). */
export interface Hints { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean }

/** One tool: its schemas, hints and the operation (`s`: the session of the repository the server runs in). */
export interface ToolDef {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  hints: Hints;
  run(s: Session, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const read: Hints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const readRemote: Hints = { ...read, openWorldHint: true };
const adds: Hints = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
const destroys: Hints = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };

const Name = z.string().min(1).max(200);
const Obj = z.looseObject({});
/** A JSON round trip: what a core function returns, as plain JSON (Buffers and class instances out). */
const plain = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

export const TOOLS: ToolDef[] = [
  {
    name: 'status', title: 'Status', hints: readRemote,
    description: 'Where this host\'s work is: branch, upstream, uncommitted files, WIP pushes, other hosts\' newer WIP, the last commits, checkpoints and sessions (dx-hooks status --json).',
    input: z.object({ offline: z.boolean().optional().describe('do not fetch the WIP index') }),
    output: z.looseObject({ host: z.string(), branch: z.string().nullable(), head: z.string().nullable() }),
    run: async (s, a) => plain(await (await import('../status.js')).getStatus(s, { offline: a.offline === true })),
  },
  {
    name: 'checkpoint_create', title: 'Create a checkpoint', hints: adds,
    description: 'Tag a snapshot of the work tree (uncommitted work included) as checkpoint/<name> and push it; with session, record that agent session\'s last save.',
    input: z.object({ name: Name, message: z.string().max(10_000).optional(), session: Name.optional(), force: z.boolean().optional().describe('replace a checkpoint of that name') }),
    output: z.looseObject({ id: z.string(), checkpoint: Obj }),
    run: async (s, a) => plain(await (await import('../checkpoints/create.js')).createCheckpoint(s, a.name as string, { description: a.message as string | undefined, session: a.session as string | undefined, force: a.force === true })),
  },
  {
    name: 'checkpoint_list', title: 'List checkpoints', hints: readRemote,
    description: 'Named checkpoints, here and on the remote, newest first.',
    input: z.object({ offline: z.boolean().optional() }),
    output: z.looseObject({ entries: z.array(Obj) }),
    run: async (s, a) => plain(await (await import('../checkpoints/list.js')).listCheckpoints(s, { offline: a.offline === true })),
  },
  {
    name: 'checkpoint_restore', title: 'Restore a checkpoint', hints: destroys,
    description: 'Put branch, index and work tree back as they were at the checkpoint. A snapshot of now is taken first; undo reverses it. Protected paths are refused unless force.',
    input: z.object({ name: Name, force: z.boolean().optional() }),
    output: z.looseObject({ id: z.string(), snapshot: z.string() }),
    run: async (s, a) => plain(await (await import('../checkpoints/restore.js')).restoreCheckpoint(s, a.name as string, { force: a.force === true })),
  },
  {
    name: 'rollback', title: 'Roll back commits', hints: destroys,
    description: 'Take the last n commits (default 1) off the branch, keeping their changes staged. A snapshot first; undo reverses it.',
    input: z.object({ n: z.number().int().min(1).max(1000).optional(), force: z.boolean().optional() }),
    output: z.looseObject({ id: z.string(), snapshot: z.string() }),
    run: async (s, a) => plain(await (await import('../rollback.js')).rollback(s, (a.n as number | undefined) ?? 1, { force: a.force === true })),
  },
  {
    name: 'undo_list', title: 'What can be undone', hints: read,
    description: 'The operations in the ledger that undo can reverse, newest first.',
    input: z.object({}),
    output: z.looseObject({ entries: z.array(Obj) }),
    run: async (s) => plain(await (await import('../undo/list.js')).listUndoable(s.ctx)),
  },
  {
    name: 'undo', title: 'Undo', hints: destroys,
    description: 'Reverse an operation from the ledger (the newest by default). A snapshot first: the undo itself can be undone.',
    input: z.object({ id: z.string().max(100).optional(), force: z.boolean().optional() }),
    output: z.looseObject({ id: z.string() }),
    run: async (s, a) => plain(await (await import('../undo/apply.js')).undo(s, a.id as string | undefined, { force: a.force === true })),
  },
  {
    name: 'wip_restore', title: 'Restore another host\'s WIP', hints: adds,
    description: 'Bring another host\'s WIP of a branch here as a new branch rescue/<host>/<branch> (nothing of yours is changed).',
    input: z.object({ host: Name, branch: Name }),
    output: z.looseObject({ branch: z.string(), sha: z.string() }),
    run: async (s, a) => plain(await (await import('../restore.js')).restoreWip(s, a.host as string, a.branch as string)),
  },
  {
    name: 'commit', title: 'Attributed commit', hints: { ...adds, openWorldHint: false },
    description: 'Commit as an agent: "[<agent>] <task>: <description>" with the attribution trailers; every change, or only files. Secrets and oversized files are left out and named.',
    input: z.object({ agent: Name, task: Name, description: z.string().min(1).max(10_000), model: Name.optional(), session: Name.optional(), files: z.array(z.string().max(4096)).max(10_000).optional() }),
    output: z.looseObject({ commit: z.string().nullable(), message: z.string(), files: z.array(z.string()) }),
    run: async (s, a) => plain(await (await import('../agents/commit.js')).agentCommit(s, { agent: a.agent as string, task: a.task as string, description: a.description as string, model: a.model as string | undefined, session: a.session as string | undefined, files: a.files as string[] | undefined })),
  },
  {
    name: 'session_save', title: 'Save a session', hints: adds,
    description: 'Save an agent session\'s state (messages, agent_contexts, task_progress, current_task; other keys kept) as a new commit on its ref; secrets are redacted first; pushed in the background.',
    input: z.object({ id: Name, agent: Name, state: z.record(z.string(), z.unknown()), transcript: z.string().max(4096).optional().describe('the agent\'s own transcript file (absolute path)') }),
    output: z.looseObject({ ref: z.string(), commit: z.string(), turn: z.number() }),
    run: async (s, a) => {
      const { saveSession } = await import('../sessions/store.js');
      const r = await saveSession(s, { id: a.id as string, agent: a.agent as string, state: a.state, transcript: a.transcript ? { file: a.transcript as string } : undefined });
      if (s.config.wip.enabled && s.config.wip.push !== 'off') (await import('../wip/queue.js')).enqueue(s.ctx, { kind: 'ref', ref: r.ref });
      return plain(r);
    },
  },
  {
    name: 'session_list', title: 'List sessions', hints: readRemote,
    description: 'This host\'s sessions, or with allHosts every host\'s (described from each host\'s summary on the remote).',
    input: z.object({ allHosts: z.boolean().optional() }),
    output: z.looseObject({ sessions: z.array(Obj) }),
    run: async (s, a) => {
      if (a.allHosts !== true) return { sessions: plain(await (await import('../sessions/store.js')).listSessions(s)) };
      const [{ resolveRemote }, { headState }, { listAllHosts }] = await Promise.all([import('../wip/remote.js'), import('../head.js'), import('../sessions/summary.js')]);
      const all = await listAllHosts(s, await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch));
      return { sessions: plain(all.rows), problems: all.problems };
    },
  },
  {
    name: 'session_restore', title: 'Restore a session', hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    description: 'A session\'s state as saved (another host\'s is fetched first), or as a checkpoint recorded it.',
    input: z.object({ id: Name, host: Name.optional(), agent: Name.optional(), checkpoint: Name.optional() }),
    output: z.looseObject({ ref: z.string(), commit: z.string(), state: Obj, transcriptBytes: z.number() }),
    run: async (s, a) => {
      const store = await import('../sessions/store.js');
      const l = a.checkpoint ? await store.sessionAtCheckpoint(s, a.checkpoint as string) : await store.restoreSession(s, { id: a.id as string, host: a.host as string | undefined, agent: a.agent as string | undefined });
      return { ref: l.ref, commit: l.commit, state: plain(l.state), turns: l.meta.turns.length, transcriptBytes: l.transcript?.length ?? 0 };
    },
  },
  {
    name: 'session_rewind', title: 'Rewind a session', hints: destroys,
    description: 'Take the work tree (code) and/or the conversation back to the end of a turn. Code: a snapshot first, undoable, protected paths refused unless force. Conversation: a fork as a new session.',
    input: z.object({ id: Name, turn: z.number().int().min(1), code: z.boolean().optional(), conversation: z.boolean().optional(), dryRun: z.boolean().optional(), force: z.boolean().optional(), host: Name.optional() }),
    output: z.looseObject({ ref: z.string(), turn: z.number() }),
    run: async (s, a) => {
      const conversation = a.conversation === true;
      const r = await (await import('../sessions/rewind.js')).rewindSession(s, { id: a.id as string, host: a.host as string | undefined, turn: a.turn as number, code: a.code === true || !conversation, conversation, force: a.force === true, dryRun: a.dryRun === true });
      return plain({ ...r, conversation: r.conversation ? { session: r.conversation.session, lines: r.conversation.lines } : null });
    },
  },
  {
    name: 'diagnose', title: 'Diagnose a path', hints: read,
    description: 'Why a file vanished or changed: its history, the ledger and the guard\'s telemetry, with a verdict and the fix.',
    input: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(100) }),
    output: z.looseObject({ paths: z.array(Obj) }),
    run: async (s, a) => {
      const [{ resolvePaths }, { parseWindow }, { diagnose }] = await Promise.all([import('../diagnose/paths.js'), import('../diagnose/when.js'), import('../diagnose/run.js')]);
      const now = Math.floor(Date.now() / 1000);
      const { realpathSync } = await import('node:fs');
      const named = resolvePaths(realpathSync(s.ctx.top), s.ctx.top, a.paths as string[]);
      return plain(await diagnose(s, named, parseWindow(undefined, undefined, now)));
    },
  },
];
