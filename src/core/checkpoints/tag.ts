/**
 * A named checkpoint is an annotated tag `refs/tags/checkpoint/<name>` pointing at a snapshot
 * commit. Its message is the description followed by machine-readable trailers, so any clone
 * (another host, after a fetch) can list and restore it without dx-hooks' local state:
 *
 *   <description>
 *
 *   Dx-Checkpoint: <name>
 *   Dx-Host: <host>
 *   Dx-Branch: <branch>            (empty: detached HEAD)
 *   Dx-Base: <HEAD sha under the snapshot>   (empty: unborn branch)
 *   Dx-Dirty: true|false
 *   Dx-Time: <unix seconds>
 *   Dx-Session: <session ref> <save commit>   (only with `checkpoint create --session`, DESIGN §9)
 */
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';

/** Everything a checkpoint records. `snapshot` is the commit the tag points at. */
export interface CheckpointInfo {
  name: string;
  ref: string;
  /** the tag object */
  tag: string;
  snapshot: string;
  host: string;
  branch: string | null;
  base: string | null;
  dirty: boolean;
  time: number;
  description: string;
  /** the agent session saved with it (`--session`): its ref and the save's commit; null: none */
  session?: { ref: string; commit: string } | null;
}

/** A `Dx-Session` value as written: a session ref (refs/dx/sessions/<host>/<agent>/<id>) and a full commit id. Anything else is not believed (a tag can come from another host). */
export function parseSessionTrailer(v: string | undefined): { ref: string; commit: string } | null {
  const m = /^(refs\/dx\/sessions\/[A-Za-z0-9][A-Za-z0-9._-]*\/[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}) ([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(v ?? '');
  if (!m || m[1]!.includes('..') || m[1]!.endsWith('.lock')) return null;
  return { ref: m[1]!, commit: m[2]! };
}

/** The tag ref of checkpoint `name`. */
export function checkpointRef(name: string): string {
  return `refs/tags/checkpoint/${name}`;
}

/**
 * Check `name` is usable as a checkpoint name (a valid ref component path, per git check-ref-format).
 * @throws DxError BAD_CHECKPOINT_NAME (exit 2)
 */
export async function validateCheckpointName(ctx: RepoContext, name: string): Promise<void> {
  const ok = name.length > 0 && !name.startsWith('-') && (await gitTry(['check-ref-format', checkpointRef(name)], { cwd: ctx.top })).code === 0;
  if (!ok) throw new DxError('BAD_CHECKPOINT_NAME', `"${name}" is not a valid checkpoint name`, 'Use letters, digits, ".", "_", "-" and "/" (no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\"); e.g. before-refactor.', EXIT.USAGE);
}

/** The tag message for a checkpoint. */
export function formatCheckpointMessage(info: Omit<CheckpointInfo, 'ref' | 'tag' | 'snapshot'>): string {
  const description = info.description.trim() || `checkpoint ${info.name}`;
  return `${description}\n\n` +
    `Dx-Checkpoint: ${info.name}\nDx-Host: ${info.host}\nDx-Branch: ${info.branch ?? ''}\nDx-Base: ${info.base ?? ''}\n` +
    `Dx-Dirty: ${info.dirty}\nDx-Time: ${info.time}\n` +
    (info.session ? `Dx-Session: ${info.session.ref} ${info.session.commit}\n` : '');
}

/** Parse a tag message: the description and the `Dx-*` trailers of its last paragraph (missing ones: undefined). */
export function parseCheckpointMessage(message: string): { description: string; trailers: Record<string, string> } {
  const text = message.replace(/\r\n/g, '\n').replace(/-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '').trimEnd();
  const cut = text.lastIndexOf('\n\n');
  const last = cut >= 0 ? text.slice(cut + 2) : text;
  const trailers: Record<string, string> = {};
  const lines = last.split('\n');
  const isTrailers = lines.length > 0 && lines.every((l) => /^Dx-[A-Za-z-]+:/.test(l));
  if (isTrailers) for (const l of lines) trailers[l.slice(0, l.indexOf(':'))] = l.slice(l.indexOf(':') + 1).trim();
  return { description: (isTrailers ? (cut >= 0 ? text.slice(0, cut) : '') : text).trim(), trailers };
}
