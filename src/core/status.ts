/**
 * `dx-hooks status` as data: this host (branch, upstream ahead/behind, dirty files, last WIP push
 * and its result, pending pushes) and the other hosts' WIP entries, newest first.
 */
import { dxPaths, type RepoContext } from './context.js';
import { describeError } from './errors.js';
import { readStoreText } from './store/read.js';
import { gitTry } from './git.js';
import { headState } from './head.js';
import { entriesNewestFirst, type IndexEntry } from './wipindex/format.js';
import { describeTruncation } from './wipindex/bounds.js';
import { appendLedger } from './ledger.js';
import { fetchIndexTip, readIndexAt, readLocalIndex } from './wipindex/store.js';
import { distrustWarning, remoteWipRefs, trustIndex } from './wipindex/trust.js';
import type { Session } from './session.js';
import { readState, type Collision, type WipState } from './state.js';
import { wipRef } from './wip/ref.js';
import { lastListing, resolveRemote } from './wip/remote.js';
import type { CheckpointInfo } from './checkpoints/tag.js';
import type { ListedSession } from './sessions/store.js';
import { shellCommand } from './text/shell.js';

/** The status report (`--json` prints exactly this). Times are Unix seconds. */
export interface StatusReport {
  host: string;
  remote: string | null;
  remoteError: string | null;
  branch: string | null;
  head: string | null;
  upstream: { ref: string; ahead: number; behind: number } | null;
  dirty: { count: number; files: string[] };
  wip: { ref: string } & WipState;
  pending: { ref: string; sha: string; since: number; attempts: number; error: string }[];
  indexPending: { since: number; attempts: number; error: string } | null;
  /** HEAD's commit that was never queued for backup (the hook could not write the dx dir) and is on no remote; null: none */
  unmirrored: { branch: string; sha: string; ref: string } | null;
  /** other ref pushes still pending (checkpoint tags, refs an undo mirrors) */
  refPushes: { remote: string; refs: string[]; since: number; attempts: number; error: string }[];
  banner: string | null;
  /** other hosts' entries, newest first; `verified`: checked against the remote's WIP ref (false only for a cached index read offline) */
  others: (IndexEntry & { restore: string; verified: boolean })[];
  /** `ignored`: entries not backed by the WIP ref they name (dropped); `warnings`: one line each (dropped entries, limits that cut the index) */
  index: { source: 'remote' | 'cached' | 'none'; error: string | null; ignored: number; warnings: string[] };
  stateCorrupt: string | null;
  /** this host's WIP refs another machine wrote under the same host id (wip/collision.ts): seen now on the remote, or recorded earlier */
  collisions: Collision[];
  /** HEAD's last 5 commits, newest first; `agent` / `task` from an attributed commit's trailers (DESIGN §9), else null */
  commits: RecentCommit[];
  /** this repository's checkpoints (the local tags, newest first: `checkpoint list` also reads the remote's) */
  checkpoints: CheckpointInfo[];
  /** this host's agent sessions here, newest first */
  sessions: ListedSession[];
}

/** One of HEAD's recent commits: its sha, committer time (Unix s), subject, and its attribution when it has one. */
export interface RecentCommit { sha: string; ts: number; subject: string; agent: string | null; task: string | null }

/** HEAD's last `n` commits with their Agent/Task trailers, in one `git log` (none on an unborn branch). */
export async function recentCommits(ctx: RepoContext, n = 5): Promise<RecentCommit[]> {
  const r = await gitTry(['log', `-${n}`, '--format=%H%x00%ct%x00%s%x00%(trailers:key=Agent,valueonly,separator=%x2C)%x00%(trailers:key=Task,valueonly,separator=%x2C)%x1e', 'HEAD', '--'], { cwd: ctx.top });
  if (r.code !== 0) return [];
  return r.stdout.split('\x1e').map((rec) => rec.replace(/^\n/, '')).filter(Boolean).map((rec) => {
    const [sha, ts, subject, agent, task] = rec.split('\0');
    return { sha: sha ?? '', ts: Number(ts) || 0, subject: subject ?? '', agent: agent?.trim() || null, task: task?.trim() || null };
  });
}

/** Build the status report. With `offline`, the index is read from the last fetched copy instead of the remote. */
export async function getStatus(s: Session, opts: { offline?: boolean } = {}): Promise<StatusReport> {
  const { ctx, host, config } = s;
  const head = await headState(ctx);
  let remote: string | null = null;
  let remoteError: string | null = null;
  try {
    remote = await resolveRemote(ctx, config.remote, head.branch);
  } catch (err) {
    remoteError = describeError(err);
  }
  let upstream: StatusReport['upstream'] = null;
  const up = await gitTry(['rev-parse', '--symbolic-full-name', '@{upstream}'], { cwd: ctx.top });
  if (up.code === 0 && head.sha) {
    const counts = await gitTry(['rev-list', '--left-right', '--count', '@{upstream}...HEAD'], { cwd: ctx.top });
    const [behind, ahead] = counts.stdout.trim().split(/\s+/).map(Number);
    upstream = { ref: up.stdout.trim(), ahead: ahead ?? 0, behind: behind ?? 0 };
  }
  const st = await gitTry(['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: ctx.top });
  const files = st.stdout.split('\0').filter(Boolean).filter((l) => /^[ MADRCU?!]{2} /.test(l)).map((l) => l.slice(3));
  const { state, corrupt } = readState(ctx);
  const ref = wipRef(config.wip.refPrefix, host, head.branch);
  const pending = Object.entries(state.wip).flatMap(([r, w]) => (w.pending ? [{ ref: r, sha: w.pending.sha, since: w.pending.since, attempts: w.pending.attempts, error: w.pending.error }] : []));

  let index: StatusReport['index'] = { source: 'none', error: null, ignored: 0, warnings: [] };
  let entries: IndexEntry[] = [];
  let verified = false;
  if (remote && !opts.offline) {
    try {
      const tip = await fetchIndexTip(ctx, remote);
      if (tip) {
        const read = await readIndexAt(ctx, tip, host);
        if ('index' in read) {
          const cut = describeTruncation(read.cut);
          if (cut) {
            index.warnings.push(`${cut} (reading ${remote}'s index)`);
            appendLedger(ctx, { host, op: 'index.truncate', ok: true, detail: { remote, by: 'status', ...read.cut } });
          }
          // Only entries the remote's WIP refs back are shown, and warned about at checkout.
          const trusted = await trustIndex(ctx, remote, config.wip.refPrefix, read.index);
          entries = trusted.entries;
          verified = true;
          index.ignored = trusted.dropped;
          const distrusted = distrustWarning(trusted);
          if (distrusted) index.warnings.push(distrusted);
          // The checkout warnings (warn/<branch>.msg) come from the same fresh index.
          const { writeBranchWarnings } = await import('./wip/others.js');
          await writeBranchWarnings(s, trusted.index, remote);
        }
        else index.error = `the index on ${remote} is corrupt: ${read.error} (fix: dx-hooks index rebuild)`;
      }
      index.source = 'remote';
    } catch (err) {
      index = { source: 'cached', error: describeError(err), ignored: 0, warnings: index.warnings };
      entries = [];
      verified = false;
    }
  }
  // Two machines under one host id: this host's WIP refs on the remote holding commits it never pushed.
  let seen: Collision[] = [];
  if (remote && !opts.offline) {
    const { keepSightings, liveCollisions } = await import('./wip/collision.js');
    try {
      // The listing this command took moments ago (the vanished-refs check) answers, with this run's own pushes noted in it; else one ls-remote.
      const prefix = `${config.wip.refPrefix}/${host}`;
      const listed = lastListing(ctx, remote);
      const mine = listed ? new Map([...listed].filter(([ref]) => ref.startsWith(`${prefix}/`))) : await remoteWipRefs(ctx, remote, prefix);
      seen = await liveCollisions(s, remote, mine);
      await keepSightings(ctx, seen);
    } catch {
      /* the remote did not answer: the index line above says so; the records below still count */
    }
  }
  const { collisionsOf } = await import('./wip/collision.js');
  if (index.source !== 'remote') {
    const cached = await readLocalIndex(ctx, host);
    if (cached && 'index' in cached) {
      entries = entriesNewestFirst(cached.index);
      index.source = 'cached';
    }
  }
  return {
    host,
    remote,
    remoteError,
    branch: head.branch,
    head: head.sha,
    upstream,
    dirty: { count: files.length, files: files.slice(0, 50) },
    wip: { ref, ...(state.wip[ref] ?? {}) },
    pending,
    refPushes: state.refPushes.map((p) => ({ remote: p.remote, refs: p.refs, since: p.since, attempts: p.attempts, error: p.error })),
    unmirrored: await (await import('./wip/unmirrored.js')).unmirroredHead(s),
    indexPending: state.index.pending ? { since: state.index.pending.since, attempts: state.index.pending.attempts, error: state.index.pending.error } : null,
    banner: readStoreText(dxPaths(ctx).banner)?.trim() || null,
    others: entries.filter((e) => e.host !== host).map((e) => ({ ...e, restore: shellCommand(['dx-hooks', 'restore', '--host', e.host, '--branch', e.branch]), verified })),
    index,
    stateCorrupt: corrupt,
    collisions: collisionsOf(host, state.collisions, seen),
    ...(await agentsPart(s)),
  };
}

/** The seed's part of the story (issue 13 point 4): recent commits with their attribution, the checkpoints, this host's sessions. */
async function agentsPart(s: Session): Promise<Pick<StatusReport, 'commits' | 'checkpoints' | 'sessions'>> {
  const [{ readLocalCheckpoints }, { listSessions }] = await Promise.all([import('./checkpoints/read.js'), import('./sessions/store.js')]);
  const [commits, checkpoints, sessions] = await Promise.all([recentCommits(s.ctx), readLocalCheckpoints(s.ctx), listSessions(s)]);
  return { commits, checkpoints, sessions };
}
