/**
 * The part of the agent hook the fast entry (src/agent-hook.ts) loads when its fast answer is not enough:
 * the whole event handling, built with the CLI (its chunks are shared, so nothing is loaded twice).
 */
export { handleEvent } from './commands/agent-event.js';
