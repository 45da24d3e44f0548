/**
 * The inbox of turns to save (`<git-common-dir>/dx/agent/inbox/<unix s>-<pid>-<agent>.json`): agent-hook.sh
 * writes one per turn end in sh; `agent event` called directly (tests, other callers) writes the same, and
 * both start the same detached drain (turns.ts drainInbox).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Session } from '../../session.js';
import { createJson } from '../../store/index.js';
import type { Payload } from './payload.js';

/** Put a turn's end in the inbox (the caller starts the drain: commands/background.ts startDrain). Returns the file. @throws SymlinkRefused; fs errors */
export function queueTurnEnd(s: Session, agent: string, p: Payload): string {
  const file = path.join(s.ctx.dxDir, 'agent', 'inbox', `${Math.floor(Date.now() / 1000)}-${process.pid}${Math.floor(Math.random() * 10_000)}-${agent}.json`);
  createJson(s.ctx.commonDir, file, p);
  return file;
}

/** An inbox item's name: `<unix s>-<pid>-<agent>.json` (agent-hook.sh dx_inbox). */
export const ITEM = /^(\d+)-(\d+)-(claude-code|codex|gemini-cli)\.json$/;

/** The items in an inbox folder, oldest first (none when it is missing). */
export function listItems(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => ITEM.test(f)).sort((a, b) => Number(ITEM.exec(a)![1]) - Number(ITEM.exec(b)![1]) || a.localeCompare(b));
  } catch {
    return [];
  }
}

/** How many turns failed to save and wait for a retry (`dx/agent/failed/`), for the banner and status. */
export function failedTurns(dxDir: string): number {
  return listItems(path.join(dxDir, 'agent', 'failed')).length;
}
