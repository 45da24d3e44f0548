/**
 * The hook's fast answer (issue 14 point 2: PreToolUse must not keep the agent waiting): what can be decided
 * from the payload and the command line alone, before the repository's config, the protection rules or
 * node's heavier modules are loaded. `allow`: the line destroys nothing inside this work tree, or the event
 * needs nothing in the foreground; `full`: the whole judgement (commands/agent-event.ts handleEvent).
 * Used by the hook's own entry (src/agent-hook.ts), a small bundle of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openRepo } from '../../context.js';
import { adapterFor } from '../hooks/adapters.js';
import { effectsInside, readShellLine } from '../shell/read.js';
import { dxEventOf, parsePayload, shellCommandOf } from './payload.js';

/** A shell line run from `dir`: `allow` when it destroys nothing inside the work tree there (and runs no `git clean`, whose answer needs the config). */
export async function fastShellAnswer(line: string, dir: string): Promise<'allow' | 'full'> {
  const read = readShellLine(line, dir);
  if (read.mayClean) return 'full';
  if (!read.effects.length) return 'allow';
  let top: string;
  try {
    top = (await openRepo(dir)).top;
  } catch {
    return 'full'; // not a repository here: the full path says so
  }
  return effectsInside(read.effects, top).length ? 'full' : 'allow';
}

/**
 * The fast answer to a payload's text for `agent`: `allow` (nothing to print, exit 0) or `full`. Anything it
 * cannot read (a bad payload, an unknown agent) is `full`, where it is named loudly.
 */
export async function fastAnswer(agent: string, text: string, cwd: string): Promise<'allow' | 'full'> {
  try {
    const adapter = adapterFor(agent);
    const p = parsePayload(text);
    const ev = dxEventOf(adapter, p);
    if (ev === 'post-tool') return 'allow';
    if (ev !== 'pre-tool') return 'full';
    const line = shellCommandOf(adapter, p);
    if (line === null) return 'allow';
    const dir = p.cwd && path.isAbsolute(p.cwd) && fs.existsSync(p.cwd) ? p.cwd : cwd;
    return await fastShellAnswer(line, dir);
  } catch {
    return 'full';
  }
}
