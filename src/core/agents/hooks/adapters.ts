/**
 * The agents whose lifecycle hooks dx-hooks sits in (issue 14 point 1), each in its own documented format:
 * where its settings live, which events dx-hooks registers (and the tool matchers), the unit of its
 * `timeout`, its shell tool's name, and how it takes an answer (a refusal, extra context).
 * - Claude Code: `.claude/settings.local.json` (or `.claude/settings.json`, `--shared`); `timeout` in seconds;
 *   a refusal is `hookSpecificOutput.permissionDecision: "deny"` (code.claude.com/docs/en/hooks).
 * - Codex: `.codex/hooks.json` (same nesting as Claude Code; loaded for a trusted project once the hooks are
 *   approved in `/hooks`); seconds; the same refusal, with a reason that must not be empty (developers.openai.com/codex/hooks).
 * - Gemini CLI: `.gemini/settings.json` (JSON with comments); `timeout` in milliseconds; a refusal is a
 *   top-level `decision: "deny"` and `reason` (google-gemini/gemini-cli docs/hooks/reference.md).
 */
import path from 'node:path';

/** What an agent's event means to dx-hooks. */
export type DxEvent = 'session-start' | 'prompt' | 'pre-tool' | 'post-tool' | 'stop' | 'subagent-stop' | 'compact' | 'session-end';

/** One hook registration: the agent's event name, its matcher (tool names; none: every), and what it is to dx-hooks. */
export interface EventEntry { event: string; matcher?: string; dx: DxEvent }

/** An agent's hook format. */
export interface AgentAdapter {
  name: 'claude-code' | 'codex' | 'gemini-cli';
  /** The settings file, relative to the work tree top. */
  settingsFile(shared: boolean): string;
  /** Whether `--shared` names a different file (Claude Code only: the others have one project file). */
  hasLocalFile: boolean;
  /** Whether the file may hold comments (Gemini CLI reads JSON with comments). */
  comments: boolean;
  events: EventEntry[];
  /** The handler's `timeout` for dx-hooks' entries, in the agent's unit. */
  timeout: number;
  /** The shell tool's name in `tool_name`. */
  shellTools: string[];
  /** The answer that refuses a tool call: stdout JSON (exit 0). */
  deny(reason: string, event: string): unknown;
  /** The answer that adds context (SessionStart): stdout JSON (exit 0). */
  context(text: string, event: string): unknown;
  /** The command that resumes a session in the agent. */
  resume(id: string): string[];
}

/** Claude Code's events, which Codex has too (its own tool names for the ones that change files: `fileTools`). */
function claudeEvents(fileTools: string): EventEntry[] {
  return [
    { event: 'SessionStart', dx: 'session-start' },
    { event: 'UserPromptSubmit', dx: 'prompt' },
    { event: 'PreToolUse', matcher: 'Bash', dx: 'pre-tool' },
    { event: 'PostToolUse', matcher: fileTools, dx: 'post-tool' },
    { event: 'Stop', dx: 'stop' },
    { event: 'SubagentStop', dx: 'subagent-stop' },
    { event: 'PreCompact', dx: 'compact' },
    { event: 'SessionEnd', dx: 'session-end' },
  ];
}

/** Claude Code's answers, which Codex reads too. */
const claudeLike: Pick<AgentAdapter, 'shellTools' | 'deny' | 'context'> = {
  shellTools: ['Bash'],
  deny: (reason, event) => ({ hookSpecificOutput: { hookEventName: event, permissionDecision: 'deny', permissionDecisionReason: reason } }),
  context: (text, event) => ({ hookSpecificOutput: { hookEventName: event, additionalContext: text } }),
};

export const ADAPTERS: Record<AgentAdapter['name'], AgentAdapter> = {
  'claude-code': {
    name: 'claude-code',
    settingsFile: (shared) => path.join('.claude', shared ? 'settings.json' : 'settings.local.json'),
    hasLocalFile: true,
    comments: false,
    timeout: 60,
    events: claudeEvents('Bash|Edit|MultiEdit|Write|NotebookEdit'),
    ...claudeLike,
    resume: (id) => ['claude', '--resume', id],
  },
  codex: {
    name: 'codex',
    settingsFile: () => path.join('.codex', 'hooks.json'),
    hasLocalFile: false,
    comments: false,
    timeout: 60,
    events: claudeEvents('Bash|apply_patch'),
    ...claudeLike,
    resume: (id) => ['codex', 'resume', id],
  },
  'gemini-cli': {
    name: 'gemini-cli',
    settingsFile: () => path.join('.gemini', 'settings.json'),
    hasLocalFile: false,
    comments: true,
    timeout: 60_000,
    events: [
      { event: 'SessionStart', dx: 'session-start' },
      { event: 'BeforeAgent', dx: 'prompt' },
      { event: 'BeforeTool', matcher: 'run_shell_command', dx: 'pre-tool' },
      { event: 'AfterTool', matcher: 'run_shell_command|write_file|replace', dx: 'post-tool' },
      { event: 'AfterAgent', dx: 'stop' },
      { event: 'PreCompress', dx: 'compact' },
      { event: 'SessionEnd', dx: 'session-end' },
    ],
    shellTools: ['run_shell_command'],
    deny: (reason) => ({ decision: 'deny', reason }),
    context: (text, event) => ({ hookSpecificOutput: { hookEventName: event, additionalContext: text } }),
    resume: (id) => ['gemini', '--resume', id],
  },
};

/** The agents `agent install` knows, in the order they are documented. */
export const AGENT_NAMES = Object.keys(ADAPTERS) as Array<AgentAdapter['name']>;

/**
 * The repository's git common dir as an absolute path, in sh: `--path-format=absolute` (git 2.31+); an older
 * git echoes that option back instead, so anything that is not an absolute path falls back to `cd` into the
 * relative answer.
 */
export const COMMON_DIR_SH = 'd=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null); case $d in /*) ;; *) d=; g=$(git rev-parse --git-common-dir 2>/dev/null) && d=$(cd "$g" 2>/dev/null && pwd -P) ;; esac';

/** What dx-hooks' entries run: the hook script in the repository's own dx dir, found through git, so the same line works in a shared file on every clone (a clone without dx-hooks runs nothing). */
export function hookCommand(agent: AgentAdapter['name']): string {
  return `sh -c '${COMMON_DIR_SH}; [ -n "$d" ] && [ -f "$d/dx/hooks/agent-hook.sh" ] && exec sh "$d/dx/hooks/agent-hook.sh" ${agent}; exit 0'`;
}

/** The marker that tells dx-hooks' entries from the user's own (uninstall removes those, and only those). */
export const HOOK_MARKER = 'dx/hooks/agent-hook.sh';

/** An agent's adapter by name. @throws Error naming the agents known */
export function adapterFor(name: string): AgentAdapter {
  const a = (ADAPTERS as Record<string, AgentAdapter | undefined>)[name];
  if (!a) throw new Error(`unknown agent ${JSON.stringify(name)}: dx-hooks knows ${AGENT_NAMES.join(', ')}`);
  return a;
}
