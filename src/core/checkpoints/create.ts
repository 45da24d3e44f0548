/**
 * `checkpoint create <name>`: snapshot the work tree (uncommitted and untracked work included,
 * nothing committed to the branch), tag the snapshot `checkpoint/<name>` with an annotated tag
 * built by plumbing (mktag: no editor, no signing prompt, no hooks), and push the tag. A failed
 * push keeps the checkpoint locally and is reported — never silently.
 */
import { DxError, EXIT, describeError } from '../errors.js';
import { gitLine } from '../git.js';
import { identityEnv } from '../identity.js';
import { appendLedger, newEventId } from '../ledger.js';
import { moveRefs, readRef } from '../refs.js';
import { keepPending, pushRefs, type PushRefsResult } from '../remote-refs.js';
import type { Session } from '../session.js';
import type { Snapshot } from '../snapshot.js';
import { snapshotBefore } from '../workingtree/before.js';
import { lsRemote, resolveRemote } from '../wip/remote.js';
import { checkpointRef, formatCheckpointMessage, validateCheckpointName, type CheckpointInfo } from './tag.js';

/** What create did: the checkpoint, the snapshot, the ledger event, and the push (`push.ok` false: only local). */
export interface CreateCheckpointResult { checkpoint: CheckpointInfo; snapshot: Snapshot; id: string; replaced: string | null; push: PushRefsResult }

/**
 * Create checkpoint `name`.
 * @throws DxError BAD_CHECKPOINT_NAME (exit 2), CHECKPOINT_EXISTS (exit 1; locally or on the remote) unless `force`, NOTHING_TO_SNAPSHOT;
 *   SESSION_NOT_FOUND / SESSION_AMBIGUOUS / AGENT_NAME_INVALID for a bad `session`
 */
export async function createCheckpoint(s: Session, name: string, opts: { description?: string; force?: boolean; session?: string; sessionAgent?: string } = {}): Promise<CreateCheckpointResult> {
  const { ctx } = s;
  await validateCheckpointName(ctx, name);
  // The session's last save goes with the checkpoint (a trailer), and its ref is pushed with the tag.
  const session = opts.session ? await (await import('../sessions/store.js')).findSession(s, { id: opts.session, agent: opts.sessionAgent }) : null;
  const ref = checkpointRef(name);
  const local = await readRef(ctx, ref);
  const snapshot = await snapshotBefore(s, `checkpoint ${name}`);
  let remote: string | null = null;
  let remoteError: string | null = null;
  try {
    remote = await resolveRemote(ctx, s.config.remote, snapshot.branch);
  } catch (err) {
    remoteError = describeError(err);
  }
  let onRemote = false;
  if (remote && !local && !opts.force) {
    try {
      onRemote = (await lsRemote(ctx, remote, [ref])).has(ref);
    } catch {
      // Unreachable: the push below fails and says so.
    }
  }
  if ((local || onRemote) && !opts.force) {
    throw new DxError('CHECKPOINT_EXISTS', `checkpoint "${name}" already exists${local ? '' : ` on ${remote}`}`, `Pick another name, or replace it with --force (the old one stays recoverable: dx-hooks undo).`, EXIT.FAILED);
  }
  const time = Math.floor(Date.now() / 1000);
  const info = { name, host: s.host, branch: snapshot.branch, base: snapshot.base, dirty: snapshot.dirty, time, description: opts.description ?? '', session };
  const message = formatCheckpointMessage(info);
  const env = await identityEnv(ctx, s.host);
  const tagger = await gitLine(['var', 'GIT_COMMITTER_IDENT'], { cwd: ctx.top, env });
  const tag = await gitLine(['mktag'], { cwd: ctx.top, input: `object ${snapshot.sha}\ntype commit\ntag checkpoint/${name}\ntagger ${tagger}\n\n${message}` });
  const id = newEventId(time);
  const undo: Record<string, unknown> = { refs: { [ref]: local } };
  if (remote) undo.push = { remote, refs: [ref] };
  appendLedger(ctx, {
    id, ts: time, host: s.host, op: 'checkpoint.create', ok: true,
    refs: { [ref]: { old: local, new: tag } },
    detail: { name, snapshot: snapshot.sha, base: snapshot.base, branch: snapshot.branch, dirty: snapshot.dirty, excluded: snapshot.excluded, ...(session ? { session } : {}), summary: `created checkpoint ${name}${local ? ' (replacing the old one)' : ''}`, undo },
  });
  try {
    await moveRefs(ctx, [{ ref, value: tag, expect: local }], `dx-hooks: checkpoint create ${name}`);
  } catch (err) {
    appendLedger(ctx, { host: s.host, op: 'checkpoint.create', ok: false, error: describeError(err), detail: { event: id } });
    throw err;
  }
  // The tag and the session's ref in one atomic push: a checkpoint on the remote always finds its session there.
  const refs = session ? [ref, session.ref] : [ref];
  const push: PushRefsResult = remote
    ? await pushRefs(ctx, remote, refs, { force: !!opts.force })
    : { ok: false, remote: '', refs, error: remoteError ?? 'no remote' };
  if (!push.ok) await keepPending(s, push, !!opts.force);
  if (!push.ok) appendLedger(ctx, { host: s.host, op: 'checkpoint.push', ok: false, error: push.error ?? 'push failed', refs: { [ref]: { old: null, new: tag } }, detail: { name, remote: push.remote, for: id } });
  return { checkpoint: { ...info, ref, tag, snapshot: snapshot.sha }, snapshot, id, replaced: local, push };
}

