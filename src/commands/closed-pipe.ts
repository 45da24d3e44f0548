/**
 * Output into a closed pipe (`dx-hooks status --all | head -1`) is not an error: node ignores
 * SIGPIPE and raises EPIPE on the next write, which would crash with a stack. The rest of the
 * output goes nowhere and the command finishes with its own exit code.
 */

/** Codes of a write into a pipe whose reader is gone (EPIPE), and of every write after it. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/** Install, once, at the CLI boundary: stdout and stderr drop their output once their reader has gone; any other stream error still throws. */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!CLOSED.has(err.code ?? '')) throw err;
    });
  }
}
