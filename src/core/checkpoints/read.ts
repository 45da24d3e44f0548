/**
 * Reading checkpoints: every local `refs/tags/checkpoint/*` tag in one `for-each-ref`, and one
 * checkpoint by name — fetched from the remote first when only the remote has it (another host
 * made it).
 */
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { git, gitTry } from '../git.js';
import { headState } from '../head.js';
import type { Session } from '../session.js';
import { SNAPSHOT_TRAILER } from '../snapshot.js';
import { fetchQuiet } from '../wip/fetch.js';
import { lastLines, resolveRemote } from '../wip/remote.js';
import { checkpointRef, parseCheckpointMessage, parseSessionTrailer, type CheckpointInfo } from './tag.js';

const PREFIX = 'refs/tags/checkpoint/';

/** A tag made by hand (no trailers): its base is the snapshot's parent when it is a dx-hooks snapshot, else the commit itself. */
async function fallbackBase(ctx: RepoContext, commit: string): Promise<{ base: string; dirty: boolean }> {
  const r = await git(['log', '-1', '--format=%P%x00%B', commit], { cwd: ctx.top });
  const [parents, body] = r.split('\0');
  const parent = (parents ?? '').split(' ').filter(Boolean)[0];
  return parent && (body ?? '').includes(`\n${SNAPSHOT_TRAILER}: `) ? { base: parent, dirty: true } : { base: commit, dirty: false };
}

/** Every local checkpoint (newest first), or just `names`' when given. */
export async function readLocalCheckpoints(ctx: RepoContext, names?: string[]): Promise<CheckpointInfo[]> {
  const patterns = names ? names.map(checkpointRef) : [PREFIX];
  const out = await git(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(taggerdate:unix)%00%(contents)%00', ...patterns], { cwd: ctx.top });
  const f = out.split('\0');
  const list: CheckpointInfo[] = [];
  for (let i = 0; i + 5 < f.length; i += 6) {
    const ref = (f[i] as string).replace(/^\n/, '');
    if (!ref.startsWith(PREFIX)) continue;
    const [obj, type, peeled, tagTime, contents] = [f[i + 1], f[i + 2], f[i + 3], f[i + 4], f[i + 5]].map((x) => x ?? '') as [string, string, string, string, string];
    const snapshot = type === 'tag' ? peeled : obj;
    if (!snapshot) continue;
    const { description, trailers } = parseCheckpointMessage(type === 'tag' ? contents : '');
    let base: string | null = trailers['Dx-Base'] === undefined ? null : trailers['Dx-Base'] || null;
    let dirty = trailers['Dx-Dirty'] === 'true';
    if (trailers['Dx-Base'] === undefined) ({ base, dirty } = await fallbackBase(ctx, snapshot));
    list.push({
      name: ref.slice(PREFIX.length), ref, tag: obj, snapshot,
      host: trailers['Dx-Host'] ?? '', branch: trailers['Dx-Branch'] || null, base, dirty,
      time: Number(trailers['Dx-Time']) || Number(tagTime) || 0, description,
      session: parseSessionTrailer(trailers['Dx-Session']),
    });
  }
  return list.sort((a, b) => b.time - a.time || a.name.localeCompare(b.name));
}

/**
 * Checkpoint `name`: the local tag, else fetched from the remote.
 * @throws DxError CHECKPOINT_NOT_FOUND (exit 1) when neither has it
 */
export async function findCheckpoint(s: Session, name: string): Promise<CheckpointInfo> {
  const local = await readLocalCheckpoints(s.ctx, [name]);
  if (local[0]) return local[0];
  let why = '';
  try {
    const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
    const ref = checkpointRef(name);
    const f = await fetchQuiet(s.ctx, remote, [`${ref}:${ref}`]);
    if (f.code === 0) {
      const got = await readLocalCheckpoints(s.ctx, [name]);
      if (got[0]) return got[0];
    } else if (!/couldn't find remote ref/i.test(f.stderr)) why = ` (remote "${remote}" unreachable: ${lastLines(f.stderr)})`;
  } catch (err) {
    if (!(err instanceof DxError)) throw err;
  }
  throw new DxError('CHECKPOINT_NOT_FOUND', `no checkpoint named "${name}"${why}`, 'List them: dx-hooks checkpoint list', EXIT.FAILED);
}

/** True when the local tag exists. */
export async function checkpointExists(ctx: RepoContext, name: string): Promise<boolean> {
  return (await gitTry(['rev-parse', '-q', '--verify', checkpointRef(name)], { cwd: ctx.top })).code === 0;
}
