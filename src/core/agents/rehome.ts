/**
 * A transcript moved to another clone (issue 14 point 4): the agent files a session under the directory it
 * was launched in and records absolute paths in it (Claude Code's `cwd` on every line, tool inputs' file
 * paths), so a session restored on another host, in another directory, would point at paths that do not
 * exist there. Every JSON string that is the old work tree's path, or a path under it, is rewritten under the
 * new one; lines that are not JSON, and every other byte, are kept as they are.
 */

/** `transcript` (JSON lines) with paths under `from` moved under `to` (both absolute, no trailing slash). Returns the text and how many strings moved. */
export function rehomeTranscript(transcript: Buffer, from: string, to: string): { text: Buffer; moved: number } {
  if (!from || from === to) return { text: transcript, moved: 0 };
  let moved = 0;
  const move = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v === from || v.startsWith(from + '/')) {
        moved++;
        return to + v.slice(from.length);
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(move);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, move(x)]));
    return v;
  };
  const lines = transcript.toString('utf8').split('\n').map((line) => {
    if (!line.includes(from)) return line;
    try {
      return JSON.stringify(move(JSON.parse(line)));
    } catch {
      return line;
    }
  });
  return { text: Buffer.from(lines.join('\n'), 'utf8'), moved };
}

/** The launch directory a transcript records (the first `cwd` of its lines), for saves that predate session.json's `top`. */
export function transcriptCwd(transcript: Buffer): string | null {
  for (const line of transcript.toString('utf8').split('\n', 200)) {
    try {
      const v = JSON.parse(line) as { cwd?: unknown; payload?: { cwd?: unknown } };
      const cwd = typeof v.cwd === 'string' ? v.cwd : typeof v.payload?.cwd === 'string' ? v.payload.cwd : null;
      if (cwd && cwd.startsWith('/')) return cwd;
    } catch {
      // not a JSON line
    }
  }
  return null;
}
