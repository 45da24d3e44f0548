/**
 * The CLI's one bundle (dist/bundle/dx-hooks.js, CommonJS, loaded by launch/code-cache.ts): what the
 * executable and the agent hook's full path call. Each command's module is still imported only when it runs.
 */
export { commandPaths, main } from './cli.js';

/** The agent hook's full event handling (commands/agent-event.ts), loaded when called. Returns the exit code. */
export async function handleEvent(agent: string, text: string, cwd: string): Promise<number> {
  return (await import('./commands/agent-event.js')).handleEvent(agent, text, cwd);
}
