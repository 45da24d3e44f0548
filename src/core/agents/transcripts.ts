/**
 * Where an agent reads a session's transcript back on this machine, so a rewound or restored conversation
 * lands where `claude --resume <id>` looks (issue 14 points 3 and 4). Claude Code keeps
 * `~/.claude/projects/<launch directory, each character that is not a letter or digit made "->/<session id>.jsonl`
 * (`CLAUDE_CONFIG_DIR` moves `~/.claude`; code.claude.com/docs/en/sessions). The folder name of a directory
 * longer than 200 characters carries a hash Anthropic does not document: such a path is not guessed (null).
 * Codex keeps `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl` (`CODEX_HOME` defaults to
 * `~/.codex`; `codex resume <id>` finds it by id). Gemini CLI files chats under a per-project folder named in a
 * registry of its own (`~/.gemini/projects.json`): not written there (null).
 */
import os from 'node:os';
import path from 'node:path';

/** The transcript file `agent` would read for session `id` launched in `cwd`, or null when dx-hooks cannot know it. */
export function agentTranscriptPath(agent: string, cwd: string, id: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): string | null {
  if (agent === 'codex') {
    const p = (n: number) => String(n).padStart(2, '0');
    const [y, mo, d] = [now.getFullYear(), p(now.getMonth() + 1), p(now.getDate())];
    const stamp = `${y}-${mo}-${d}T${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`;
    return path.join(env.CODEX_HOME || path.join(os.homedir(), '.codex'), 'sessions', String(y), mo, d, `rollout-${stamp}-${id}.jsonl`);
  }
  if (agent !== 'claude-code') return null;
  const folder = cwd.replace(/[^A-Za-z0-9]/g, '-');
  if (folder.length > 200) return null;
  return path.join(env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'projects', folder, `${id}.jsonl`);
}
