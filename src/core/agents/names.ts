/**
 * Who made a change, for an agent's work (DESIGN §9): the agent (a slug in the `AI_AGENT` convention),
 * the task, the session and the model — as a caller names them (`dx-hooks commit --agent …`) or as the
 * agent's own environment shows them (the prepare-commit-msg hook). Every value ends up in a commit
 * trailer, and the session id in a ref name (`refs/dx/sessions/<host>/<agent>/<session-id>`), so each
 * is checked against a strict pattern here, and a bad one is an error naming it — never cleaned up.
 */
import { DxError, EXIT } from '../errors.js';
import { safeJson } from '../text/safe.js';

/** Set in the environment of the commit `dx-hooks commit` makes: its message carries the trailers already, so our prepare-commit-msg leaves it alone. */
export const ATTRIBUTED_ENV = 'DX_ATTRIBUTED';

/** An agent name: lowercase letters, digits and inner dashes, at most 64 (`claude-code`, `codex`, `gemini-cli`, `aider`). */
export const AGENT_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** A task id: a letter or digit, then letters, digits and `._:#/-`, at most 128 (`PROJ-123`, `issue#13`, `gh/42`). */
export const TASK_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/;
/** A session id: a letter or digit, then letters, digits and `._-`, at most 128 (a UUID fits); it is one ref name component. */
export const SESSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A model name: a letter or digit, then letters, digits and `._:@/+-`, at most 128 (`claude-opus-4-5`, `openai/gpt-5`). */
export const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;

/** What an agent's commit or session is attributed to. Every field is checked (checkAttribution). */
export interface AgentIdentity {
  agent: string;
  task?: string;
  session?: string;
  model?: string;
}

const KINDS = {
  agent: { pattern: AGENT_PATTERN, what: 'an agent name', shape: 'lowercase letters, digits and dashes (a slug such as claude-code), at most 64' },
  task: { pattern: TASK_PATTERN, what: 'a task id', shape: 'letters, digits and . _ : # / - starting with a letter or digit, at most 128' },
  session: { pattern: SESSION_PATTERN, what: 'a session id', shape: 'letters, digits and . _ - starting with a letter or digit, at most 128, with no ".." and not ending in ".lock" or "."' },
  model: { pattern: MODEL_PATTERN, what: 'a model name', shape: 'letters, digits and . _ : @ / + - starting with a letter or digit, at most 128' },
} as const;

/** Whether `value` is a valid `kind` (a session id is also a ref name component: git check-ref-format's rules). */
export function validName(kind: keyof typeof KINDS, value: string): boolean {
  if (!KINDS[kind].pattern.test(value)) return false;
  if (kind === 'session' && (value.includes('..') || value.endsWith('.lock') || value.endsWith('.'))) return false;
  return true;
}

/**
 * Check one value.
 * @throws DxError AGENT_NAME_INVALID (exit 2) naming the value (JSON-quoted: never raw) and the allowed shape
 */
export function checkName(kind: keyof typeof KINDS, value: string, flag = `--${kind}`): string {
  if (!validName(kind, value)) {
    throw new DxError('AGENT_NAME_INVALID', `${safeJson(value)} is not ${KINDS[kind].what} (${flag})`, `Use ${KINDS[kind].shape}.`, EXIT.USAGE);
  }
  return value;
}

/**
 * Check every field of an identity.
 * @throws DxError AGENT_NAME_INVALID (exit 2) for the first bad field
 */
export function checkAttribution(id: AgentIdentity): AgentIdentity {
  checkName('agent', id.agent);
  if (id.task !== undefined) checkName('task', id.task);
  if (id.session !== undefined) checkName('session', id.session);
  if (id.model !== undefined) checkName('model', id.model);
  return id;
}

/**
 * The agent a process environment names, in this order: our own `DX_AGENT`, the `AI_AGENT` convention,
 * then what each agent sets in the shells it starts — Claude Code `CLAUDECODE=1` / `CLAUDE_CODE_SESSION_ID`,
 * Codex `CODEX_THREAD_ID`, Gemini CLI `GEMINI_CLI=1`. The session is `DX_SESSION`, else the agent's own id
 * (Claude Code's session, Codex's thread); the task `DX_TASK`; the model `DX_MODEL`.
 * Returns null when no agent is named (a person's commit), the identity when every value is valid, or
 * `invalid` naming each value that is not (the caller leaves the commit as it is and says why).
 */
export function agentFromEnv(env: NodeJS.ProcessEnv): { identity: AgentIdentity } | { invalid: string[] } | null {
  const set = (k: string) => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined);
  let agent = set('DX_AGENT') ?? set('AI_AGENT');
  let own: string | undefined;
  if (!agent && (set('CLAUDECODE') === '1' || set('CLAUDE_CODE_SESSION_ID'))) agent = 'claude-code';
  if (!agent && set('CODEX_THREAD_ID')) agent = 'codex';
  if (!agent && set('GEMINI_CLI') === '1') agent = 'gemini-cli';
  if (!agent) return null;
  if (agent === 'claude-code') own = set('CLAUDE_CODE_SESSION_ID');
  if (agent === 'codex') own = set('CODEX_THREAD_ID');
  const fields: Array<[keyof typeof KINDS, string, string | undefined]> = [
    ['agent', set('DX_AGENT') ? 'DX_AGENT' : set('AI_AGENT') ? 'AI_AGENT' : 'the agent\'s environment', agent],
    ['task', 'DX_TASK', set('DX_TASK')],
    ['session', set('DX_SESSION') ? 'DX_SESSION' : agent === 'codex' ? 'CODEX_THREAD_ID' : 'CLAUDE_CODE_SESSION_ID', set('DX_SESSION') ?? own],
    ['model', 'DX_MODEL', set('DX_MODEL')],
  ];
  const invalid = fields.filter(([kind, , v]) => v !== undefined && !validName(kind, v)).map(([kind, name, v]) => `${name}=${safeJson(v)} is not ${KINDS[kind].what} (${KINDS[kind].shape})`);
  if (invalid.length) return { invalid };
  const [, , task] = fields[1]!;
  const [, , session] = fields[2]!;
  const [, , model] = fields[3]!;
  return { identity: { agent, ...(task ? { task } : {}), ...(session ? { session } : {}), ...(model ? { model } : {}) } };
}
