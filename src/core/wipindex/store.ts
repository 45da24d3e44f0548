/**
 * Reading and writing the index branch with plumbing only (hash-object, mktree, commit-tree):
 * never in the user's work tree or index. Updates are fast-forward commits on top of the remote
 * tip; when another host wins the race we fetch, merge per key and retry with jitter.
 */
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { debugNote } from '../debug.js';
import { DxError } from '../errors.js';
import { gitBestEffort, gitLine, gitTry } from '../git.js';
import { refFileSha } from '../head.js';
import { writeInside } from '../nofollow.js';
import { readCacheText } from '../store/read.js';
import { identityEnv } from '../identity.js';
import { fetchQuiet, scratchNamespace } from '../wip/fetch.js';
import { lastLines, lastListing, NETWORK_TIMEOUT_MS, notePushed } from '../wip/remote.js';
import { boundIndex, truncated, type Truncation } from './bounds.js';
import { emptyIndex, mergeEntries, parseIndex, sameContent, serializeIndex, type IndexEntry, type WipIndex } from './format.js';

/** The index branch on the remote (DESIGN §4). */
export const INDEX_REF = 'refs/heads/dx/index';
/** Our local copy of the remote index tip (private namespace, never a branch the user sees). */
export const LOCAL_INDEX_REF = 'refs/dx/index';
/** Path of the index file inside the index branch's tree. */
export const INDEX_FILE = '.dx/wip-index.json';

/**
 * Fetch the remote index tip into LOCAL_INDEX_REF.
 * @returns the tip sha, or null when the remote has no index branch yet (the local copy is then deleted)
 * @throws DxError REMOTE_UNREACHABLE when the fetch fails for any other reason
 */
export async function fetchIndexTip(ctx: RepoContext, remote: string): Promise<string | null> {
  const tmp = `${scratchNamespace()}/index`;
  const r = await fetchQuiet(ctx, remote, [`+${INDEX_REF}:${tmp}`]);
  if (r.code === 0) {
    const tip = await gitLine(['rev-parse', tmp], { cwd: ctx.top });
    // The local copy is a cache: losing a race for its lock to another process is harmless.
    await gitBestEffort(['update-ref', LOCAL_INDEX_REF, tip], { cwd: ctx.top, noHooks: true }, 'the cached copy of the index; the next fetch writes it again');
    await gitBestEffort(['update-ref', '-d', tmp], { cwd: ctx.top, noHooks: true }, 'a scratch ref; the next run drops it');
    return tip;
  }
  if (/couldn't find remote ref/i.test(r.stderr)) {
    await gitBestEffort(['update-ref', '-d', LOCAL_INDEX_REF], { cwd: ctx.top, noHooks: true }, 'the cached copy of an index the remote no longer has');
    return null;
  }
  throw new DxError('REMOTE_UNREACHABLE', `cannot fetch ${INDEX_REF} from "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
}

/**
 * The remote index tip without a fetch, when this run's listing of `remote` (wip/remote.ts lastListing:
 * the check for vanished refs at the start of a worker or sync, kept current by this run's own pushes)
 * shows the tip this host already holds as LOCAL_INDEX_REF. Undefined when it cannot tell: fetch then.
 * A tip that moved since the listing is caught by the lease of the push that follows (then it fetches).
 */
export async function listedIndexTip(ctx: RepoContext, remote: string): Promise<string | null | undefined> {
  const listed = lastListing(ctx, remote);
  if (!listed) return undefined;
  const there = listed.get(INDEX_REF) ?? null;
  const local = await localIndexTip(ctx);
  return there === local ? there : undefined;
}

/** Index texts by repository and commit sha (a few: the index is bounded, bounds.ts, but can be megabytes). */
const indexTexts = new Map<string, string>();

/**
 * The index stored in `commit`, bounded (see parseIndex; `self` = this host, whose entries are kept
 * first), with what was cut; or why it cannot be read (missing file, too large, bad JSON, schema errors).
 * `keepCopy: false` writes no copy to disk (a command that must change nothing: doctor without --fix).
 */
export async function readIndexAt(ctx: RepoContext, commit: string, self?: string, opts: { keepCopy?: boolean } = {}): Promise<{ index: WipIndex; cut: Truncation } | { error: string }> {
  // A commit named by its full sha never changes: its index text is read once per process (sync's
  // remote check and its warnings refresh read the same one). Parsed anew each time: callers change the object.
  const key = /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit) ? `${ctx.commonDir}\0${commit}` : null;
  let text = key ? indexTexts.get(key) : undefined;
  let parsed: ReturnType<typeof parseIndex> | undefined;
  if (text === undefined && key) {
    // The copy on disk is used only when it parses: a damaged copy must not make a good index look corrupt.
    // That parse is the answer (a hostile index of 20,000 entries was parsed twice: bench 10).
    const copy = diskCopy(ctx, commit);
    const p = copy === undefined ? undefined : parseIndex(copy, { self });
    if (p && !('error' in p)) {
      text = copy;
      parsed = p;
    }
  }
  if (text === undefined) {
    const r = await gitTry(['cat-file', 'blob', `${commit}:${INDEX_FILE}`], { cwd: ctx.top });
    if (r.code !== 0) return { error: `${INDEX_FILE} is missing from ${commit.slice(0, 12)}` };
    text = r.stdout;
    if (key && opts.keepCopy !== false) keepDiskCopy(ctx, commit, text);
  }
  if (key) {
    if (indexTexts.size >= 4) indexTexts.delete(indexTexts.keys().next().value as string);
    indexTexts.set(key, text);
  }
  return parsed ?? parseIndex(text, { self });
}

/**
 * `<git-common-dir>/dx/index-text`: the text of the last index read from git, after a first line naming
 * its commit (`<sha>\n<text>`). The next process that reads the same commit (sync's warnings refresh,
 * status, the next worker) reads the file instead of starting `git cat-file`. It is only a copy: the
 * text is parsed and validated like git's (parseIndex), and a copy for another commit is not used.
 */
function diskCopy(ctx: RepoContext, commit: string): string | undefined {
  const data = readCacheText(dxPaths(ctx).indexText);
  if (!data || !data.startsWith(commit + '\n')) return undefined;
  return data.slice(commit.length + 1);
}

/** Keep the copy (a cache: a failure to write is a DX_DEBUG note). */
function keepDiskCopy(ctx: RepoContext, commit: string, text: string): void {
  try {
    writeInside(ctx.commonDir, dxPaths(ctx).indexText, `${commit}\n${text}`, { fsync: false });
  } catch (err) {
    debugNote(`could not keep a copy of the index text: ${String(err)}`);
  }
}

/** LOCAL_INDEX_REF's commit: from its ref file or packed-refs (head.ts refFileSha), else asked of git; null when none was fetched yet. */
export async function localIndexTip(ctx: RepoContext): Promise<string | null> {
  const loose = refFileSha(ctx, LOCAL_INDEX_REF);
  if (loose) return loose;
  const r = await gitTry(['rev-parse', '-q', '--verify', `${LOCAL_INDEX_REF}^{commit}`], { cwd: ctx.top });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The last fetched index (LOCAL_INDEX_REF), without network; null when none was fetched yet. */
export async function readLocalIndex(ctx: RepoContext, self?: string): Promise<{ index: WipIndex; cut: Truncation } | { error: string } | null> {
  const tip = await localIndexTip(ctx);
  return tip ? readIndexAt(ctx, tip, self) : null;
}

/** Build (but do not push) a commit holding `index` at INDEX_FILE, with `parent` as its parent. Returns its sha. */
export async function writeIndexCommit(ctx: RepoContext, index: WipIndex, parent: string | null, host: string, why: string): Promise<string> {
  const blob = await gitLine(['hash-object', '-w', '--stdin'], { cwd: ctx.top, input: serializeIndex(index) });
  const dir = path.posix.dirname(INDEX_FILE);
  const sub = await gitLine(['mktree'], { cwd: ctx.top, input: `100644 blob ${blob}\t${path.posix.basename(INDEX_FILE)}\n` });
  const root = await gitLine(['mktree'], { cwd: ctx.top, input: `040000 tree ${sub}\t${dir}\n` });
  const args = ['commit-tree', root, '-m', `dx-hooks: ${why} (host ${host})`];
  if (parent) args.push('-p', parent);
  return gitLine(args, { cwd: ctx.top, env: await identityEnv(ctx, host) });
}

/** Result of one index update: the new remote tip, how many tries it took, whether a corrupt index was rebuilt, and what the limits cut (null: nothing). */
export interface IndexUpdate { commit: string | null; attempts: number; changed: boolean; repairedCorrupt: string | null; index: WipIndex; cut: Truncation | null }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Merge `incoming` entries into the remote index and push it as a fast-forward, retrying
 * (fetch, merge, jittered back-off) when another host pushed first. A corrupt remote index is
 * replaced by one rebuilt with `rebuild()` (reported in `repairedCorrupt`). `transform` replaces
 * the default per-key merge (used by `index rebuild`); it runs again on every attempt, against the
 * tip of that attempt, so a host that pushed meanwhile is never dropped.
 * @throws DxError INDEX_PUSH_FAILED after `maxAttempts`, or REMOTE_UNREACHABLE
 */
export async function updateIndex(
  ctx: RepoContext,
  remote: string,
  opts: {
    host: string;
    repo: string;
    incoming: Record<string, IndexEntry>;
    rebuild: () => Promise<WipIndex>;
    maxAttempts?: number;
    transform?: (base: WipIndex, now: number) => WipIndex;
  },
): Promise<IndexUpdate> {
  const maxAttempts = opts.maxAttempts ?? 12;
  let lastError = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const now = Math.floor(Date.now() / 1000);
    // The first attempt believes this run's listing when it matches the local copy; a retry (lost a race) fetches.
    const listed = attempt === 1 ? await listedIndexTip(ctx, remote) : undefined;
    const tip = listed !== undefined ? listed : await fetchIndexTip(ctx, remote);
    let base: WipIndex = emptyIndex(opts.repo, now);
    let repairedCorrupt: string | null = null;
    let cut: Truncation = { entriesDropped: 0, messagesCut: 0, futureTs: 0, hostsDropped: 0 };
    if (tip) {
      const read = await readIndexAt(ctx, tip, opts.host);
      if ('index' in read) {
        base = read.index;
        cut = read.cut;
      } else {
        repairedCorrupt = read.error;
        base = await opts.rebuild();
      }
    }
    // Bounded again after the merge: the limits hold for what this host writes too (its own entries kept first).
    const bounded = boundIndex(opts.transform ? opts.transform(base, now) : mergeEntries(base, opts.incoming, now, opts.host), now, opts.host);
    const next = bounded.index;
    for (const k of ['entriesDropped', 'messagesCut', 'futureTs', 'hostsDropped'] as const) cut[k] += bounded.cut[k];
    const cutOrNull = truncated(cut) ? cut : null;
    if (tip && !repairedCorrupt && sameContent(base, next)) {
      return { commit: tip, attempts: attempt, changed: false, repairedCorrupt: null, index: base, cut: cutOrNull };
    }
    const why = opts.transform ? 'index rebuild' : repairedCorrupt ? 'index repaired after corruption' : 'index update';
    const commit = await writeIndexCommit(ctx, next, tip, opts.host, why);
    const r = await gitTry(['push', '--no-verify', '--porcelain', `--force-with-lease=${INDEX_REF}:${tip ?? ''}`, '--', remote, `${commit}:${INDEX_REF}`], {
      cwd: ctx.top,
      timeoutMs: NETWORK_TIMEOUT_MS,
    });
    if (r.code === 0) {
      notePushed(ctx, remote, new Map([[INDEX_REF, commit]]));
      await gitBestEffort(['update-ref', LOCAL_INDEX_REF, commit], { cwd: ctx.top, noHooks: true }, 'the cached copy of the index; the next fetch writes it again');
      return { commit, attempts: attempt, changed: true, repairedCorrupt, index: next, cut: cutOrNull };
    }
    const raced = /stale info|fetch first|non-fast-forward|cannot lock ref|failed to update ref/i.test(r.stdout + r.stderr);
    lastError = lastLines(r.stdout.split('\n').filter((l) => l.startsWith('!')).join('\n') + '\n' + r.stderr);
    if (!raced) break;
    await sleep(50 + Math.random() * Math.min(2000, 100 * 2 ** attempt));
  }
  throw new DxError('INDEX_PUSH_FAILED', `could not update ${INDEX_REF} on "${remote}": ${lastError}`, 'dx-hooks retries on the next hook or command; `dx-hooks index rebuild` rewrites it from the WIP refs.');
}
