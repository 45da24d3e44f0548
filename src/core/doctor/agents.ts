/**
 * Doctor's agent checks (issue 14 point 6):
 * - `AGENT_HOOKS_MISSING` / `AGENT_HOOKS_OUTDATED`: an agent `dx-hooks agent install` set up here (its record in
 *   `<git-dir>/dx/agents/`) whose entries are gone from its settings file, or are not this version's (an
 *   entry edited, an event added since), or whose hook script is gone. `--fix` installs them again.
 * - `AGENT_RETENTION`: Claude Code deletes transcripts older than `cleanupPeriodDays` (default 30;
 *   ~/.claude/settings.json, then the project's settings). A transcript of this work tree that will be deleted
 *   within 7 days and is not (or not wholly) in a session ref is named; `--fix` saves it now.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import type { Session } from '../session.js';
import { readCacheJson, readCacheText } from '../store/index.js';
import { adapterFor } from '../agents/hooks/adapters.js';
import { agentHookScript, installAgent } from '../agents/hooks/install.js';
import { InstallRecordSchema, entriesState } from '../agents/hooks/settings.js';
import { agentTranscriptPath } from '../agents/transcripts.js';
import { SESSION_PATTERN } from '../agents/names.js';
import type { Diagnostic } from './types.js';

/** Days before Claude Code's cleanup that a transcript not saved is named. */
const WARN_DAYS = 7;

/** AGENT_HOOKS_MISSING / AGENT_HOOKS_OUTDATED for each agent installed here. */
export async function checkAgentHooks(s: Session): Promise<Diagnostic[]> {
  const dir = path.join(s.ctx.gitDir, 'dx', 'agents');
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Diagnostic[] = [];
  const script = fs.existsSync(agentHookScript(s.ctx));
  for (const f of files) {
    const read = readCacheJson(path.join(dir, f), InstallRecordSchema, 'agent install record');
    if (read.kind !== 'ok') continue;
    const rec = read.value;
    let adapter;
    try {
      adapter = adapterFor(rec.agent);
    } catch {
      continue;
    }
    const shared = adapter.hasLocalFile && rec.file === adapter.settingsFile(true);
    const st = entriesState(s.ctx, adapter, shared);
    const fix = async () => {
      const r = installAgent(s.ctx, s.host, adapter.name, shared);
      return `installed ${adapter.name}'s hooks again in ${r.settings.file}`;
    };
    const again = `dx-hooks agent install ${adapter.name}${shared ? ' --shared' : ''}`;
    if (st.state === 'missing' || !script) {
      out.push({ code: 'AGENT_HOOKS_MISSING', id: `AGENT_HOOKS_MISSING:${adapter.name}:${rec.file}`, severity: 'error', fixable: true, fix, message: `${adapter.name}'s hooks were installed here but ${!script ? 'their script (.git/dx/hooks/agent-hook.sh) is gone' : `are gone from ${rec.file}`}: its turns are not snapshot or saved, and its shell commands are not judged`, hint: `Run: ${again}` });
    } else if (st.state === 'outdated') {
      out.push({ code: 'AGENT_HOOKS_OUTDATED', id: `AGENT_HOOKS_OUTDATED:${adapter.name}:${rec.file}`, severity: 'warning', fixable: true, fix, message: `${adapter.name}'s hooks in ${rec.file} are not this version's (an entry was edited, or this version registers more events)`, hint: `Run: ${again}` });
    } else if (st.state === 'invalid') {
      out.push({ code: 'AGENT_HOOKS_OUTDATED', id: `AGENT_HOOKS_OUTDATED:${adapter.name}:${rec.file}`, severity: 'error', fixable: false, message: `${rec.file} cannot be read: ${st.error ?? 'invalid'}`, hint: 'Fix the file, then run dx-hooks doctor again.' });
    }
  }
  return out;
}

/** Claude Code's `cleanupPeriodDays`: the project's settings over the user's, default 30. */
function cleanupDays(top: string, env: NodeJS.ProcessEnv): number {
  const files = [
    path.join(env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude'), 'settings.json'),
    path.join(top, '.claude', 'settings.json'),
    path.join(top, '.claude', 'settings.local.json'),
  ];
  let days = 30;
  for (const f of files) {
    const text = readCacheText(f);
    if (!text) continue;
    const v = parse(text) as { cleanupPeriodDays?: unknown } | undefined;
    if (typeof v?.cleanupPeriodDays === 'number' && Number.isInteger(v.cleanupPeriodDays) && v.cleanupPeriodDays >= 1) days = v.cleanupPeriodDays;
  }
  return days;
}

/** AGENT_RETENTION: this work tree's Claude Code transcripts that cleanup will delete soon and no session ref holds whole. */
export async function checkAgentRetention(s: Session, env: NodeJS.ProcessEnv = process.env): Promise<Diagnostic[]> {
  const probe = agentTranscriptPath('claude-code', s.ctx.top, 'x', env);
  if (!probe) return [];
  const dir = path.dirname(probe);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl') && SESSION_PATTERN.test(f.slice(0, -6)));
  } catch {
    return [];
  }
  if (!names.length) return [];
  const days = cleanupDays(s.ctx.top, env);
  const due = Date.now() - (days - WARN_DAYS) * 86_400_000;
  const { listSessionRefs } = await import('../sessions/store.js');
  const { readNamed } = await import('../blobs.js');
  const mine = new Map((await listSessionRefs(s.ctx, `refs/dx/sessions/${s.host}/claude-code/`)).map((r) => [r.id, r]));
  const metas = await readNamed(s.ctx.top, [...mine.values()].map((r) => `${r.commit}:session.json`));
  const unsaved: Array<{ id: string; file: string; size: number }> = [];
  for (const n of names) {
    const file = path.join(dir, n);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!st?.isFile() || st.mtimeMs > due) continue;
    const id = n.slice(0, -6);
    const r = mine.get(id);
    let savedBytes = 0;
    if (r) {
      try {
        savedBytes = (JSON.parse(metas.get(`${r.commit}:session.json`)?.bytes.toString('utf8') ?? '{}') as { transcript?: { sourceBytes?: number } }).transcript?.sourceBytes ?? 0;
      } catch {
        savedBytes = 0;
      }
    }
    if (savedBytes < st.size) unsaved.push({ id, file, size: st.size });
  }
  if (!unsaved.length) return [];
  return [{
    code: 'AGENT_RETENTION', severity: 'warning', fixable: true,
    message: `Claude Code deletes transcripts after ${days} day(s) (cleanupPeriodDays): ${unsaved.length} of this work tree's, due within ${WARN_DAYS} days, are not saved in a session ref: ${unsaved.slice(0, 5).map((u) => u.id).join(', ')}${unsaved.length > 5 ? ', …' : ''}`,
    hint: 'dx-hooks doctor --fix saves them now (dx-hooks agent install claude-code saves every turn from then on).',
    fix: async () => {
      const { saveSession } = await import('../sessions/store.js');
      for (const u of unsaved) await saveSession(s, { id: u.id, agent: 'claude-code', state: { messages: [], agent_contexts: {}, task_progress: {}, current_task: null }, transcript: { file: u.file } });
      return `saved ${unsaved.length} transcript(s) to refs/dx/sessions/${s.host}/claude-code/ (pushed by the next hook or command)`;
    },
  }];
}
