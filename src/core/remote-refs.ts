/**
 * Mirroring a few local refs to the remote as they are now (checkpoint tags, and what undo puts
 * back): each ref is pushed when it exists locally and deleted on the remote when it does not.
 * `--no-verify` so dx-hooks never re-enters its own pre-push; bounded by the network timeout.
 */
import { dxPaths, type RepoContext } from './context.js';
import { SUMMARY_PREFIX, sessionRefHost } from './sessions/refs.js';
import { acquireLock, workerLockStaleMs } from './lock.js';
import { appendLedger } from './ledger.js';
import type { Session } from './session.js';
import { readState, writeState } from './state.js';
import { gitTry } from './git.js';
import { readRef } from './refs.js';
import { lfsUpload } from './wip/lfs.js';
import { lastLines, NETWORK_TIMEOUT_MS } from './wip/remote.js';

/** Outcome of a mirror push: `error` is git's words when it failed (nothing is retried here). */
export interface PushRefsResult { ok: boolean; remote: string; refs: string[]; error: string | null }

/**
 * Push `refs` to `remote` in one atomic push: present locally → pushed (forced only with `force`),
 * absent locally → deleted on the remote.
 */
export async function pushRefs(ctx: RepoContext, remote: string, refs: string[], opts: { force?: boolean } = {}): Promise<PushRefsResult> {
  // git reads an empty remote name as a URL and fails with a puzzling message; say what is wrong.
  if (!remote) return { ok: false, remote, refs, error: 'no remote to push to' };
  const specs: string[] = [];
  const deletions: string[] = [];
  const present: string[] = [];
  const uploads: { ref: string; sha: string }[] = [];
  for (const ref of [...refs, ...(await sessionSummaries(ctx, refs))]) {
    const sha = await readRef(ctx, ref);
    if (sha) {
      // A session summary is rebuilt whole each time, with no parent: it replaces the last one.
      specs.push(`${opts.force || ref.startsWith(`${SUMMARY_PREFIX}/`) ? '+' : ''}${ref}:${ref}`);
      present.push(sha);
      uploads.push({ ref, sha });
    } else deletions.push(ref);
  }
  // A checkpoint's snapshot carries HEAD's history: the same secret gate as the WIP mirror.
  let held: string | null;
  try {
    held = await heldRefusal(ctx, remote, present);
  } catch (err) {
    held = `not pushed: the secret scan failed: ${(err as Error).message}`; // fail closed
  }
  if (held) return { ok: false, remote, refs, error: held };
  if (deletions.length) {
    // Deleting what the remote does not have is an error to git, and no error to us.
    const ls = await gitTry(['ls-remote', '--', remote, ...deletions], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
    if (ls.code !== 0) return { ok: false, remote, refs, error: lastLines(ls.stderr) };
    const there = new Set(ls.stdout.split('\n').map((l) => l.split('\t')[1]).filter(Boolean));
    for (const ref of deletions) if (there.has(ref)) specs.push(`:${ref}`);
  }
  if (!specs.length) return { ok: true, remote, refs, error: null };
  // git-lfs' own pre-push does not run for a --no-verify push: a checkpoint's LFS objects go up first.
  const lfsError = await lfsUpload(ctx, remote, uploads);
  if (lfsError) return { ok: false, remote, refs, error: lfsError };
  const r = await gitTry(['push', '--no-verify', '--quiet', '--atomic', '--', remote, ...specs], { cwd: ctx.top, timeoutMs: NETWORK_TIMEOUT_MS });
  return { ok: r.code === 0, remote, refs, error: r.code === 0 ? null : lastLines(r.stderr) };
}

/**
 * The session summaries to push with `refs` (sessions/summary.ts): for each host whose session refs are
 * among them, its summary rewritten from the local refs now. One that cannot be written is said in the
 * ledger and left out: the sessions still go, and `session list --all-hosts` shows them by name until
 * the next push writes it.
 */
async function sessionSummaries(ctx: RepoContext, refs: readonly string[]): Promise<string[]> {
  const hosts = [...new Set(refs.map(sessionRefHost).filter((h): h is string => h !== null))];
  if (!hosts.length) return [];
  const { writeSummary } = await import('./sessions/summary.js');
  const out: string[] = [];
  for (const host of hosts) {
    try {
      out.push(await writeSummary(ctx, host));
    } catch (err) {
      // Said in the ledger; the next push of the host's sessions writes it again.
      appendLedger(ctx, { host, op: 'session.summary', ok: false, error: `could not write the session summary: ${(err as Error).message ?? String(err)}`, detail: { ref: `${SUMMARY_PREFIX}/${host}` } });
    }
  }
  return out;
}

/**
 * pushRefs under the worker lock (waiting up to 30 s for it): a command that pushes now (`session save --wait`,
 * `session rm`) and the background worker pushing the same refs (a session's earlier saves, its host's summary)
 * would otherwise race on the remote, and one of the two atomic pushes fail for nothing.
 * @throws when the lock cannot be had (the caller keeps the push pending)
 */
export async function pushRefsLocked(ctx: RepoContext, remote: string, refs: string[], opts: { force?: boolean } = {}): Promise<PushRefsResult> {
  const release = await acquireLock(dxPaths(ctx).lock, 30_000, workerLockStaleMs(), ctx.commonDir);
  if (!release) return { ok: false, remote, refs, error: 'the background worker held the dx-hooks lock for 30 s: pushed by it or the next hook' };
  try {
    return await pushRefs(ctx, remote, refs, opts);
  } finally {
    await release();
  }
}

/** The secret gate (secrets/gate.ts) for what a ref push would send: the refusal message, or null when it may go. */
async function heldRefusal(ctx: RepoContext, remote: string, shas: string[]): Promise<string | null> {
  if (!shas.length) return null;
  const [{ GATE_MAX_BYTES, heldInPush, heldMessage }, { loadMachineConfig }] = await Promise.all([import('./secrets/gate.js'), import('./machine.js')]);
  const rules = { allowSecrets: (await loadMachineConfig()).allowSecrets, maxFileSize: GATE_MAX_BYTES };
  const held = (await Promise.all(shas.map((sha) => heldInPush(ctx, remote, sha, rules)))).flat();
  return held.length ? heldMessage([...new Map(held.map((h) => [h.sha, h])).values()]) : null;
}

/**
 * Keep a failed ref push pending (state.json `refPushes`), so the next hook or command retries it
 * and the banner shows it until it lands — like a failed WIP push. Merged with an earlier pending
 * push of the same refs to the same remote. `failed.remote` is `''` when there was no remote to
 * push to: the retry then goes to the remote in force at that time (retryRefPushes).
 * @throws when the worker lock cannot be had within 30 s (the caller reports the failure itself)
 */
export async function keepPending(s: Session, failed: PushRefsResult, force: boolean): Promise<void> {
  const ctx = s.ctx;
  const release = await acquireLock(dxPaths(ctx).lock, 30_000, workerLockStaleMs(), ctx.commonDir);
  if (!release) throw new Error('could not take the dx-hooks lock to record the pending push');
  try {
    const { state } = readState(ctx);
    const now = Math.floor(Date.now() / 1000);
    const key = (refs: string[]) => [...refs].sort().join('\0');
    const old = state.refPushes.find((p) => p.remote === failed.remote && key(p.refs) === key(failed.refs));
    state.refPushes = state.refPushes.filter((p) => p !== old);
    state.refPushes.push({ remote: failed.remote, refs: failed.refs, force: force || !!old?.force, since: old?.since ?? now, attempts: (old?.attempts ?? 0) + 1, error: failed.error ?? 'push failed' });
    writeState(ctx, state);
    const { writeBanner } = await import('./wip/banner.js');
    await writeBanner(s, state);
  } finally {
    await release();
  }
}

/**
 * Queue a push of `refs` for the background worker: a `refPushes` entry with 0 attempts, which the banner
 * does not count as failing until the worker has tried it (retryRefPushes). Nothing is queued when the same
 * push is pending already. The caller starts the worker (commands/background.ts startWorker).
 * @throws when the worker lock cannot be had within 30 s
 */
export async function queueRefPush(s: Session, remote: string, refs: string[]): Promise<void> {
  const ctx = s.ctx;
  const release = await acquireLock(dxPaths(ctx).lock, 30_000, workerLockStaleMs(), ctx.commonDir);
  if (!release) throw new Error('could not take the dx-hooks lock to queue the push');
  try {
    addRefPushes(ctx, remote, refs);
  } finally {
    await release();
  }
}

/**
 * Record a push of `refs` to `remote` with 0 attempts (queued, not failing) in state.json, unless the same
 * push is pending already. The caller holds the worker lock (queueRefPush takes it; the worker has it).
 */
export function addRefPushes(ctx: RepoContext, remote: string, refs: string[]): void {
  const { state } = readState(ctx);
  const key = (r: string[]) => [...r].sort().join('\0');
  if (state.refPushes.some((p) => p.remote === remote && key(p.refs) === key(refs))) return;
  state.refPushes.push({ remote, refs, force: false, since: Math.floor(Date.now() / 1000), attempts: 0, error: 'queued for the background worker' });
  writeState(ctx, state);
}

/**
 * The remote a pending push goes to: its own, or — when it failed because there was no remote to
 * name (recorded as `''`: a checkpoint made before the repository had one) — the remote WIP would go
 * to now (`.dxrc` remote, HEAD's upstream remote, else origin). Null while there is still none.
 */
async function pendingRemote(s: Session, recorded: string): Promise<{ remote: string } | { error: string }> {
  if (recorded) return { remote: recorded };
  const [{ resolveRemote }, { headState }, { describeError }] = await Promise.all([import('./wip/remote.js'), import('./head.js'), import('./errors.js')]);
  try {
    return { remote: await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch) };
  } catch (err) {
    return { error: describeError(err) };
  }
}

/**
 * Retry every pending ref push (call under the worker lock), each against its own remote (see
 * pendingRemote for one recorded without a remote). Returns what still fails.
 */
export async function retryRefPushes(s: Session): Promise<PushRefsResult[]> {
  const ctx = s.ctx;
  const { state } = readState(ctx);
  if (!state.refPushes.length) return [];
  const still: typeof state.refPushes = [];
  const failures: PushRefsResult[] = [];
  for (const p of state.refPushes) {
    const where = await pendingRemote(s, p.remote);
    const r = 'remote' in where ? await pushRefs(ctx, where.remote, p.refs, { force: p.force }) : { ok: false, remote: '', refs: p.refs, error: where.error };
    if (r.ok) continue;
    // A push queued for the background (a session save) that failed its first try: said in the ledger once
    // (later retries are counted in state.json; the banner says it meanwhile).
    if (p.attempts === 0) appendLedger(ctx, { host: s.host, op: 'refs.push', ok: false, error: r.error ?? 'push failed', detail: { remote: r.remote, refs: p.refs } });
    still.push({ ...p, remote: r.remote, attempts: p.attempts + 1, error: r.error ?? p.error });
    failures.push(r);
  }
  const fresh = readState(ctx).state;
  fresh.refPushes = still;
  writeState(ctx, fresh);
  return failures;
}
