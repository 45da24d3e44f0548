/**
 * Every host's sessions, described, for `session list --all-hosts` (issue 13 point 2) without fetching
 * any session: each host keeps `refs/dx/session-summary/<host>`, ONE commit with no parent whose tree
 * holds `sessions.json` (SessionSummarySchema: agent, id, branch, updated, turns, messages and the save
 * commit of each of its sessions). It is rewritten from the local session refs whenever they are pushed
 * (remote-refs.ts pushRefs) and pushed in the same atomic push, forced: it is derived data, rebuilt whole
 * each time, and only its host writes it. Another host fetches the summaries — a commit, a tree and a
 * blob each — into `refs/dx/fetched/session-summary/<host>`, never over the name this host pushes.
 *
 * A summary comes from another host: it is validated with zod, bounded in size, and one that describes
 * sessions of a host other than its own is ignored whole.
 */
import { z } from 'zod';
import type { RepoContext } from '../context.js';
import type { Session } from '../session.js';
import { readNamed } from '../blobs.js';
import { gitTry } from '../git.js';
import { readRef } from '../refs.js';
import { FETCHED_SUMMARY_PREFIX, SESSIONS_PREFIX, SUMMARY_PREFIX, sessionRefHost, summaryRef } from './refs.js';
import { listSessionRefs, listSessions, type ListedSession } from './store.js';

/** A host id as it may appear in a ref name here (the session refs' second level). */
const HOST = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SLUG = /^[a-z0-9][a-z0-9._-]*$/i;
/** The most a summary blob may hold (bytes); a larger one is not read. */
export const SUMMARY_MAX_BYTES = 4 * 1024 * 1024;

/** `sessions.json` of a summary commit. Times are Unix seconds; `commit` is the session ref's value when the summary was written. */
export const SessionSummarySchema = z.object({
  schema_version: z.literal(1),
  host: z.string().regex(HOST),
  sessions: z.array(z.object({
    agent: z.string().regex(SLUG).max(100),
    id: z.string().regex(SLUG).max(200),
    branch: z.string().max(1024).nullable(),
    updated: z.number().int().nonnegative(),
    turns: z.number().int().nonnegative(),
    messages: z.number().int().nonnegative(),
    commit: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/),
  })).max(100_000),
});
export type SessionSummary = z.output<typeof SessionSummarySchema>;

/**
 * Rewrite `refs/dx/session-summary/<host>` from this repository's session refs of `host` (one
 * for-each-ref, one cat-file, one fast-import). Returns the ref.
 * @throws Error naming git's words when git cannot write it
 */
export async function writeSummary(ctx: RepoContext, host: string): Promise<string> {
  if (!HOST.test(host) || host.includes('..')) throw new Error(`${JSON.stringify(host)} is not a host id`);
  const rows = await listSessionRefs(ctx, `${SESSIONS_PREFIX}/${host}/`);
  const summary: SessionSummary = {
    schema_version: 1,
    host,
    sessions: rows.map((r) => ({ agent: r.agent, id: r.id, branch: r.branch, updated: r.updated, turns: r.turns, messages: r.messages, commit: r.commit })),
  };
  const ref = summaryRef(host);
  const body = Buffer.from(JSON.stringify(summary, null, 1) + '\n');
  const message = Buffer.from(`dx-hooks session summary: ${rows.length} session(s) of ${host}\n`);
  const now = Math.floor(Date.now() / 1000);
  // `reset` first: the commit has no parent (a summary is whole, not a history); --force lets it replace the last one.
  const stream = Buffer.concat([
    Buffer.from(`reset ${ref}\ncommit ${ref}\ncommitter dx-hooks <dx-hooks@${host}> ${now} +0000\ndata ${message.length}\n`), message,
    Buffer.from(`\nM 100644 inline sessions.json\ndata ${body.length}\n`), body, Buffer.from('\n\n'),
  ]);
  const r = await gitTry(['fast-import', '--quiet', '--force', '--date-format=raw'], { cwd: ctx.top, input: stream, noHooks: true }); // a refs/dx/ ref: no hook has anything to do
  if (r.code !== 0) throw new Error(`could not write ${ref}: ${r.stderr.trim().split('\n').slice(-2).join(' | ') || `git fast-import exit ${r.code}`}`);
  return ref;
}

/** What the remote's summaries say of one host's sessions (`agent/id` → entry), and why a host has none. */
export interface RemoteSummaries { byHost: Map<string, Map<string, SessionSummary['sessions'][number]>>; problems: string[] }

/**
 * Fetch the other hosts' summaries that changed (`listing`: the remote's summary refs → sha, from an
 * ls-remote the caller made) into refs/dx/fetched/session-summary/<host> in one fetch, and read them.
 * A summary that cannot be fetched or is not valid is named in `problems` and left out.
 */
export async function readRemoteSummaries(ctx: RepoContext, remote: string, listing: ReadonlyMap<string, string>, timeoutMs: number): Promise<RemoteSummaries> {
  const problems: string[] = [];
  const wanted: Array<{ host: string; sha: string; local: string }> = [];
  for (const [ref, sha] of listing) {
    const host = ref.slice(SUMMARY_PREFIX.length + 1);
    if (!ref.startsWith(`${SUMMARY_PREFIX}/`) || !HOST.test(host) || host.includes('..')) continue;
    wanted.push({ host, sha, local: `${FETCHED_SUMMARY_PREFIX}/${host}` });
  }
  const stale: typeof wanted = [];
  for (const w of wanted) if ((await readRef(ctx, w.local)) !== w.sha) stale.push(w);
  if (stale.length) {
    const r = await gitTry(['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', '--', remote, ...stale.map((w) => `+${SUMMARY_PREFIX}/${w.host}:${w.local}`)], { cwd: ctx.top, timeoutMs, noHooks: true });
    if (r.code !== 0) problems.push(`could not fetch the session summaries: ${r.stderr.trim().split('\n').slice(-1)[0] ?? `git fetch exit ${r.code}`}`);
  }
  const blobs = await readNamed(ctx.top, wanted.map((w) => `${w.local}:sessions.json`));
  const byHost = new Map<string, Map<string, SessionSummary['sessions'][number]>>();
  for (const w of wanted) {
    const blob = blobs.get(`${w.local}:sessions.json`);
    if (!blob) continue; // not fetched: said above
    if (blob.bytes.length > SUMMARY_MAX_BYTES) {
      problems.push(`the session summary of ${w.host} is larger than ${SUMMARY_MAX_BYTES} bytes: not read`);
      continue;
    }
    let parsed;
    try {
      parsed = SessionSummarySchema.safeParse(JSON.parse(blob.bytes.toString('utf8')));
    } catch {
      problems.push(`the session summary of ${w.host} is not JSON: not read`);
      continue;
    }
    if (!parsed.success) {
      problems.push(`the session summary of ${w.host} is not valid: not read`);
      continue;
    }
    if (parsed.data.host !== w.host) {
      problems.push(`the session summary under ${w.host} describes another host's sessions: not read`);
      continue;
    }
    byHost.set(w.host, new Map(parsed.data.sessions.map((e) => [`${e.agent}/${e.id}`, e])));
  }
  return { byHost, problems };
}

/**
 * One row of `session list --all-hosts`. `fetched`: its ref is here (the row then describes the copy here);
 * `remoteCommit`: what the remote's ref names (null: not on the remote); `described`: where branch, updated,
 * turns and messages come from — `here` (the session.json here), `summary` (the host's summary of the save
 * the remote has), `older-summary` (the host's summary of an earlier save: the session has moved on since),
 * or `none` (only its name is known: fetch it with `session show <id> --host <h>`).
 */
export interface HostSessionRow extends ListedSession { fetched: boolean; remoteCommit: string | null; described: 'here' | 'summary' | 'older-summary' | 'none' }

/**
 * Every host's sessions: those here, and those on `remote` (one ls-remote for the session refs and the
 * summaries, one fetch for the summaries that changed). Newest first. `problems` names summaries that
 * could not be fetched or read (those sessions are listed by name).
 * @throws DxError REMOTE_UNREACHABLE when the remote cannot be listed
 */
export async function listAllHosts(s: Session, remote: string): Promise<{ rows: HostSessionRow[]; problems: string[] }> {
  const { lsRemote, NETWORK_TIMEOUT_MS } = await import('../wip/remote.js');
  const [here, listing] = await Promise.all([listSessions(s, { allHosts: true }), lsRemote(s.ctx, remote, [`${SESSIONS_PREFIX}/*`, `${SUMMARY_PREFIX}/*`])]);
  const theirs = new Map([...listing].filter(([ref]) => ref.startsWith(`${SUMMARY_PREFIX}/`) && ref !== summaryRef(s.host)));
  const { byHost, problems } = await readRemoteSummaries(s.ctx, remote, theirs, NETWORK_TIMEOUT_MS);
  const remoteSessions = new Map([...listing].filter(([ref]) => sessionRefHost(ref) !== null));
  const rows: HostSessionRow[] = here.map((r) => ({ ...r, fetched: true, remoteCommit: remoteSessions.get(r.ref) ?? null, described: 'here' as const }));
  const seen = new Set(here.map((r) => r.ref));
  for (const [ref, sha] of remoteSessions) {
    if (seen.has(ref)) continue;
    const [, , , host, agent, id] = ref.split('/') as [string, string, string, string, string, string];
    const e = byHost.get(host)?.get(`${agent}/${id}`);
    rows.push(e
      ? { ref, commit: sha, host, agent, id, branch: e.branch, updated: e.updated, turns: e.turns, messages: e.messages, fetched: false, remoteCommit: sha, described: e.commit === sha ? 'summary' : 'older-summary' }
      : { ref, commit: sha, host, agent, id, branch: null, updated: 0, turns: 0, messages: 0, fetched: false, remoteCommit: sha, described: 'none' });
  }
  rows.sort((a, b) => b.updated - a.updated || a.ref.localeCompare(b.ref));
  return { rows, problems };
}
