/**
 * Where an agent reads a session's transcript back on this machine, so a rewound or restored conversation
 * lands where `claude --resume <id>` looks (issue 14 points 3 and 4). Claude Code keeps
 * `~/.claude/projects/<launch directory, each character that is not a letter or digit made "->/<session id>.jsonl`
 * (`CLAUDE_CONFIG_DIR` moves `~/.claude`; code.claude.com/docs/en/sessions). The folder name of a directory
 * longer than 200 characters carries a hash Anthropic does not document: such a path is not guessed (null).
 * Codex and Gemini CLI file sessions by date or by a registry of their own: not written there (null).
 */
import os from 'node:os';
import path from 'node:path';

/** The transcript file `agent` would read for session `id` launched in `cwd`, or null when dx-hooks cannot know it. */
export function agentTranscriptPath(agent: string, cwd: string, id: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (agent !== 'claude-code') return null;
  const folder = cwd.replace(/[^A-Za-z0-9]/g, '-');
  if (folder.length > 200) return null;
  return path.join(env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'projects', folder, `${id}.jsonl`);
}
