/**
 * An agent's hook payload (the JSON on the hook's stdin: Claude Code, Codex and Gemini CLI share its
 * common keys — session_id, transcript_path, cwd, hook_event_name — and add per event tool_name and
 * tool_input, prompt, source, agent_id and agent_transcript_path). It is the agent's text, and the model's
 * inside it: validated with zod, bounded, and its paths trusted only where each agent keeps its files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { DxError, EXIT } from '../../errors.js';
import { SESSION_PATTERN } from '../names.js';
import type { AgentAdapter, DxEvent } from '../hooks/adapters.js';

/** The most a payload may hold (bytes): a tool's input can be large, a hook's answer must not wait on it. */
export const PAYLOAD_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The payload's keys dx-hooks reads (others are kept as they are). zod's mini build: the same validation in
 * a ~35 KB module, for the hook an agent waits on before every shell command.
 */
export const PayloadSchema = z.looseObject({
  session_id: z.string().check(z.regex(SESSION_PATTERN, 'not a session id (letters, digits, . _ -)')),
  hook_event_name: z.string().check(z.minLength(1), z.maxLength(64)),
  transcript_path: z.optional(z.nullable(z.string().check(z.maxLength(4096)))),
  cwd: z.optional(z.string().check(z.maxLength(4096))),
  tool_name: z.optional(z.string().check(z.maxLength(256))),
  tool_input: z.optional(z.unknown()),
  prompt: z.optional(z.string()),
  source: z.optional(z.string().check(z.maxLength(64))),
  agent_id: z.optional(z.string().check(z.maxLength(256))),
  agent_transcript_path: z.optional(z.nullable(z.string().check(z.maxLength(4096)))),
});
export type Payload = z.output<typeof PayloadSchema>;

/**
 * Parse a payload's text.
 * @throws DxError AGENT_PAYLOAD_INVALID (exit 2) naming what is wrong (never echoing the payload)
 */
export function parsePayload(text: string): Payload {
  if (Buffer.byteLength(text) > PAYLOAD_MAX_BYTES) throw new DxError('AGENT_PAYLOAD_INVALID', `the hook payload is larger than ${PAYLOAD_MAX_BYTES} bytes`, 'This is not an agent hook payload dx-hooks reads.', EXIT.USAGE);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DxError('AGENT_PAYLOAD_INVALID', `the hook payload is not JSON: ${(err as Error).message.slice(0, 200)}`, 'dx-hooks agent event reads the agent\'s hook JSON on stdin.', EXIT.USAGE);
  }
  const r = PayloadSchema.safeParse(raw);
  if (!r.success) throw new DxError('AGENT_PAYLOAD_INVALID', `the hook payload is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`, 'dx-hooks agent event reads the agent\'s hook JSON on stdin.', EXIT.USAGE);
  return r.data;
}

/** What the payload's event is to dx-hooks, for `adapter` (null: an event dx-hooks does not register). */
export function dxEventOf(adapter: AgentAdapter, p: Payload): DxEvent | null {
  return adapter.events.find((e) => e.event === p.hook_event_name)?.dx ?? null;
}

/** The shell command of a pre-tool payload for the agent's shell tool, else null. */
export function shellCommandOf(adapter: AgentAdapter, p: Payload): string | null {
  if (!p.tool_name || !adapter.shellTools.includes(p.tool_name)) return null;
  const input = p.tool_input as { command?: unknown } | undefined;
  return typeof input?.command === 'string' ? input.command : null;
}

/** Where each agent keeps its transcripts (the only places a payload's transcript path is read from). */
export function transcriptRoots(agent: AgentAdapter['name'], env: NodeJS.ProcessEnv = process.env): string[] {
  const home = os.homedir();
  switch (agent) {
    case 'claude-code':
      return [path.join(env.CLAUDE_CONFIG_DIR || path.join(home, '.claude'), 'projects')];
    case 'codex':
      return ['sessions', 'archived_sessions'].map((d) => path.join(env.CODEX_HOME || path.join(home, '.codex'), d));
    case 'gemini-cli':
      return [path.join(home, '.gemini', 'tmp')];
  }
}

/**
 * A payload's transcript path, when it is a regular file (`.jsonl` or `.json`) under one of the agent's own
 * folders (links resolved on both sides): a payload cannot make dx-hooks read, save and push any other file.
 * @returns the real path, or a reason it is not read
 */
export function trustedTranscript(agent: AgentAdapter['name'], file: string | null | undefined, env: NodeJS.ProcessEnv = process.env): { file: string } | { refused: string } | null {
  if (!file) return null;
  if (!path.isAbsolute(file) || !/\.jsonl?$/.test(file)) return { refused: 'not an absolute path to a .jsonl or .json file' };
  let real: string;
  try {
    real = fs.realpathSync(file);
    if (!fs.statSync(real).isFile()) return { refused: 'not a regular file' };
  } catch (err) {
    return { refused: `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  for (const root of transcriptRoots(agent, env)) {
    let r: string;
    try {
      r = fs.realpathSync(root);
    } catch {
      continue;
    }
    if (real.startsWith(r + path.sep)) return { file: real };
  }
  return { refused: `outside ${transcriptRoots(agent, env).join(' and ')}, where ${agent} keeps its transcripts` };
}
