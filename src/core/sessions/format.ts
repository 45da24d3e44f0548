/**
 * The session formats (DESIGN §9): the state object an agent or its orchestrator saves (the seed's four
 * keys, any other key kept), and `session.json`, the record each save commit carries beside it. Both are
 * validated with zod on every read: a session ref can come from another host.
 */
import { z } from 'zod';

/** Unix seconds. */
const Seconds = z.number().int().nonnegative();
const Sha = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/);
/** A chunk file's name: six digits and `.jsonl` (`000001.jsonl`), so the names sort in order and climb out of nothing. */
const ChunkName = z.string().regex(/^\d{6}\.jsonl$/);

/**
 * The state object (the seed's names): `messages` (the conversation), `agent_contexts`, `task_progress`,
 * `current_task`; every other key is kept as it is.
 */
export const SessionStateSchema = z.looseObject({
  messages: z.array(z.unknown()),
  agent_contexts: z.record(z.string(), z.unknown()),
  task_progress: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
  current_task: z.union([z.string(), z.record(z.string(), z.unknown()), z.null()]),
});
export type SessionState = z.output<typeof SessionStateSchema>;

/** One stored chunk: its file name, its blob, its size in bytes (as stored, after redaction), and how many lines (messages) it holds. */
export const ChunkSchema = z.object({ name: ChunkName, blob: Sha, bytes: z.number().int().nonnegative(), lines: z.number().int().nonnegative() });
export type Chunk = z.output<typeof ChunkSchema>;

/**
 * One save: when (Unix s), the code snapshot at the turn's end that went with it (null: none) and, from an
 * agent hook, the one at its start, and how much was saved by then.
 */
export const TurnSchema = z.object({ n: z.number().int().positive(), ts: Seconds, snapshot: Sha.nullable(), start: Sha.optional(), messages: z.number().int().nonnegative(), transcriptBytes: z.number().int().nonnegative() });
export type Turn = z.output<typeof TurnSchema>;

/** A transcript stream: the agent's file's bytes as read (`sourceBytes`), a sampled sha256 of them (`tail`), and its chunks. */
export const TranscriptSchema = z.object({ sourceBytes: z.number().int().nonnegative(), tail: z.string(), chunks: z.array(ChunkSchema) });
export type TranscriptMeta = z.output<typeof TranscriptSchema>;

/**
 * `session.json`. `messages.last` is the sha256 of the last saved message's JSON (an append is recognised by
 * it); `transcript.sourceBytes` counts the agent's own file as read (before redaction), and `tail` is a
 * sampled sha256 of those bytes (store.ts sampleHash), so the next save knows whether the file only grew.
 */
export const SessionMetaSchema = z.object({
  schema_version: z.literal(1),
  agent: z.string(),
  session: z.string(),
  host: z.string(),
  branch: z.string().nullable(),
  worktree: z.string(),
  /** the work tree's absolute path on the saving host (what a restore elsewhere re-homes the transcript's paths from); absent in older saves */
  top: z.string().optional(),
  created: Seconds,
  updated: Seconds,
  messages: z.object({ count: z.number().int().nonnegative(), last: z.string().nullable(), chunks: z.array(ChunkSchema) }),
  transcript: TranscriptSchema.nullable(),
  /** subagents' own transcripts (Claude Code's SubagentStop), by agent id, under `subagents/<id>/`; absent in older saves */
  subagents: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/), TranscriptSchema).optional(),
  turns: z.array(TurnSchema),
});
export type SessionMeta = z.output<typeof SessionMetaSchema>;

/**
 * The most a chunk holds (bytes): a save rewrites at most the last chunk and adds new ones. DESIGN §9 sets
 * 1 MiB as the bound; 128 KiB keeps the rewrite of the last chunk (read, hashed, compressed) small beside
 * the one message an append adds (bench 18), at 8 files per MiB of history.
 */
export const CHUNK_BYTES = 128 * 1024;
