/**
 * Where an agent reads a session's transcript back on this machine, so a rewound or restored conversation
 * lands where `claude --resume <id>` looks (issue 14 points 3 and 4). Claude Code keeps
 * `~/.claude/projects/<launch directory, each character that is not a letter or digit made "->/<session id>.jsonl`
 * (`CLAUDE_CONFIG_DIR` moves `~/.claude`; code.claude.com/docs/en/sessions). The folder name of a directory
 * longer than 200 characters carries a hash Anthropic does not document: such a path is not guessed (null).
 * Codex keeps `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl` (`CODEX_HOME` defaults to
 * `~/.codex`; `codex resume <id>` finds it by id). Gemini CLI keeps `~/.gemini/tmp/<project>/chats/session-<YYYY-MM-DDTHH-MM>-<first 8 of
 * the id>.jsonl`, where `<project>` is the folder its registry `~/.gemini/projects.json` names for the directory
 * (v0.29 on), or the sha256 of the directory's path (before; a later version moves that folder into its
 * registry's): google-gemini/gemini-cli packages/core (projectRegistry.ts, chatRecordingService.ts).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readCacheText } from '../store/index.js';

/** Gemini CLI's project registry (`~/.gemini/projects.json`): directory → folder name (a slug). */
const GeminiRegistry = z.object({ projects: z.record(z.string(), z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/)) });

/** The transcript file `agent` would read for session `id` launched in `cwd`, or null when dx-hooks cannot know it. */
export function agentTranscriptPath(agent: string, cwd: string, id: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): string | null {
  if (agent === 'codex') {
    const p = (n: number) => String(n).padStart(2, '0');
    const [y, mo, d] = [now.getFullYear(), p(now.getMonth() + 1), p(now.getDate())];
    const stamp = `${y}-${mo}-${d}T${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`;
    return path.join(env.CODEX_HOME || path.join(os.homedir(), '.codex'), 'sessions', String(y), mo, d, `rollout-${stamp}-${id}.jsonl`);
  }
  if (agent === 'gemini-cli') {
    const base = path.join(os.homedir(), '.gemini');
    let folder = createHash('sha256').update(cwd).digest('hex');
    // No registry (an older Gemini CLI, or none run here yet), or one that does not validate: the sha256 folder, which a newer one adopts.
    const text = readCacheText(path.join(base, 'projects.json'));
    let reg: unknown = null;
    try {
      reg = text ? JSON.parse(text) : null;
    } catch {
      reg = null;
    }
    const r = GeminiRegistry.safeParse(reg);
    const slug = r.success ? r.data.projects[cwd] : undefined;
    if (slug) folder = slug;
    const p = (n: number) => String(n).padStart(2, '0');
    const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}T${p(now.getHours())}-${p(now.getMinutes())}`;
    return path.join(base, 'tmp', folder, 'chats', `session-${stamp}-${id.slice(0, 8)}.jsonl`);
  }
  if (agent !== 'claude-code') return null;
  const folder = cwd.replace(/[^A-Za-z0-9]/g, '-');
  if (folder.length > 200) return null;
  return path.join(env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'projects', folder, `${id}.jsonl`);
}
