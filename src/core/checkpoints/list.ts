/**
 * `checkpoint list`: the local checkpoints plus the remote's (fetched when it is reachable, so
 * checkpoints made on other hosts show up), each marked with whether the remote has it.
 */
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { fetchQuiet } from '../wip/fetch.js';
import { lastLines, lsRemote, resolveRemote } from '../wip/remote.js';
import { readLocalCheckpoints } from './read.js';
import type { CheckpointInfo } from './tag.js';

/** A listed checkpoint: `remote` true/false when the remote was read, null when it could not be. */
export interface ListedCheckpoint extends CheckpointInfo { remote: boolean | null }

/** The list (newest first), the remote read (null: none), and a note when the remote could not be read fully. */
export interface CheckpointList { remote: string | null; entries: ListedCheckpoint[]; note: string | null }

/** List checkpoints; `offline` skips the remote. */
export async function listCheckpoints(s: Session, opts: { offline?: boolean } = {}): Promise<CheckpointList> {
  let remote: string | null = null;
  let remoteRefs: Map<string, string> | null = null;
  let note: string | null = null;
  if (!opts.offline) {
    try {
      remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
      remoteRefs = await lsRemote(s.ctx, remote, ['refs/tags/checkpoint/*']);
    } catch (err) {
      note = `remote not read (${err instanceof Error ? err.message : String(err)}): local checkpoints only`;
    }
  }
  if (remote && remoteRefs?.size) {
    // Bring in what this clone lacks; a tag that differs locally is kept as it is (never clobbered).
    const f = await fetchQuiet(s.ctx, remote, ['refs/tags/checkpoint/*:refs/tags/checkpoint/*']);
    if (f.code !== 0) note = `some checkpoints on ${remote} could not be fetched: ${lastLines(f.stderr)}`;
  }
  const entries = (await readLocalCheckpoints(s.ctx)).map((c) => ({ ...c, remote: remoteRefs ? remoteRefs.get(c.ref) === c.tag : null }));
  return { remote, entries, note };
}
