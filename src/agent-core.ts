/**
 * The part of the agent hook the fast entry (src/agent-hook.ts) loads when its fast answer is not enough:
 * the whole event handling, from the CLI's own bundle with its code cache (launch/code-cache.ts), so
 * nothing is built twice.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtBundle, loadBundle } from './launch/code-cache.js';

/** commands/agent-event.ts handleEvent, from the bundle. Returns the exit code. */
export async function handleEvent(agent: string, text: string, cwd: string): Promise<number> {
  const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bundle', 'dx-hooks.js');
  return loadBundle(bundle, 'agent-core', builtBundle()).handleEvent(agent, text, cwd);
}
