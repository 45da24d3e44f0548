/**
 * One line on stderr under `DX_DEBUG=1`, and nothing otherwise: for what dx-hooks decides quietly
 * (a cache from another version rebuilt, a file reread in an older format), so a user tracing a
 * hook can see it. Like git.ts's trace of git commands, the one kind of output core may write.
 */
import { safeLine } from './text/safe.js';

/** Print `dx-hooks: <msg>` on stderr when `DX_DEBUG=1` (the text goes through the terminal filter). */
export function debugNote(msg: string): void {
  if (process.env.DX_DEBUG === '1') process.stderr.write(`dx-hooks: ${safeLine(msg)}\n`);
}
