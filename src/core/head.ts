/**
 * Where HEAD is: the branch it names (null when detached) and the commit (null on an unborn branch).
 * A worker or a batch asks this a dozen times a run: the answer is kept per worktree and reused
 * while HEAD's file, the loose ref it names and `packed-refs` are the same files (git replaces a ref
 * file by renaming a new one over it, so an update always shows in the stat), which costs three
 * stat calls instead of a git process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from './context.js';
import { gitTry } from './git.js';
import { checkInside } from './nofollow.js';

/** HEAD of the work tree: `branch` is the short name (`feature/x`), null when detached; `sha` null when unborn. */
export interface HeadState { branch: string | null; sha: string | null }

/** The last answer per git dir, with the file identity it was read under. */
const headMemo = new Map<string, { key: string; state: HeadState }>();

/** Identity of a file as `ino:size:mtime:ctime` (ns), or `-` when it is missing. */
function fileId(p: string): string {
  const st = fs.statSync(p, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : '-';
}

/**
 * HEAD as its file says (git's files backend, gitrepository-layout(5)): `ref: <refname>` or a bare
 * object name. Null when it is anything else — a symlink, reftable's `refs/heads/.invalid`, an odd
 * format — and git is asked instead.
 */
function readHeadFile(ctx: RepoContext): { ref: string | null; key: string } | null {
  const file = path.join(ctx.gitDir, 'HEAD');
  let text: string;
  try {
    if (!fs.lstatSync(file).isFile()) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const sym = /^ref: (refs\/[^\s]+)\n?$/.exec(text);
  if (sym) {
    const ref = sym[1] as string;
    if (ref === 'refs/heads/.invalid' || ref.includes('..')) return null;
    // Per-worktree refs (refs/bisect, refs/worktree) live in the git dir, the others in the common dir.
    const base = /^refs\/(bisect|worktree|rewritten)\//.test(ref) ? ctx.gitDir : ctx.commonDir;
    return { ref, key: `${text}\0${fileId(path.join(base, ref))}\0${fileId(path.join(ctx.commonDir, 'packed-refs'))}` };
  }
  if (/^([0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(text)) return { ref: null, key: text };
  return null;
}

/** Read HEAD without failing on an unborn branch or a detached HEAD (one `rev-parse` at most; none when HEAD has not moved since the last read). */
export async function headState(ctx: RepoContext): Promise<HeadState> {
  const before = readHeadFile(ctx);
  if (!before) return headStateFromGit(ctx);
  const known = headMemo.get(ctx.gitDir);
  if (known && known.key === before.key) return { ...known.state };
  // Callers running side by side (the hook state's parts) share one read.
  const running = headReads.get(ctx.gitDir);
  if (running && running.key === before.key) return { ...(await running.read) };
  const read = readHeadSha(ctx, before);
  headReads.set(ctx.gitDir, { key: before.key, read });
  try {
    return { ...(await read) };
  } finally {
    if (headReads.get(ctx.gitDir)?.read === read) headReads.delete(ctx.gitDir);
  }
}

/** Reads in flight per git dir, with the HEAD file identity they started under. */
const headReads = new Map<string, { key: string; read: Promise<HeadState> }>();

async function readHeadSha(ctx: RepoContext, before: { ref: string | null; key: string }): Promise<HeadState> {
  // A detached HEAD's file holds the commit; a branch's loose ref file holds its tip: no git process for either.
  const known = before.ref ? refFileSha(ctx, before.ref) : before.key.trim();
  const sha: string | null = known ?? (await gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: ctx.top }).then((r) => (r.code === 0 ? r.stdout.trim() : null)));
  const state: HeadState = {
    branch: before.ref?.startsWith('refs/heads/') ? before.ref.slice('refs/heads/'.length) : null,
    sha,
  };
  // HEAD moved while git looked: answer from git alone, and keep nothing.
  if (readHeadFile(ctx)?.key !== before.key) return headStateFromGit(ctx);
  if (headMemo.size > 100) headMemo.clear();
  headMemo.set(ctx.gitDir, { key: before.key, state });
  return state;
}

/**
 * The object name of a branch (`refs/heads/…`) or of one of dx-hooks' own refs (`refs/dx/…`) as git's
 * files backend stores it (gitrepository-layout(5)): its loose file (one line of hex), else its line in
 * `packed-refs`. Undefined when git must be asked — neither (an unborn branch), a symlink, a symbolic
 * ref, a reftable repository, or any other content. Those refs hold commits (git and dx-hooks write only
 * commits there), so the value is taken as `<ref>^{commit}` would give it.
 */
export function refFileSha(ctx: RepoContext, ref: string): string | undefined {
  const r = refFile(ctx, ref);
  return r && r !== 'missing' ? r.sha : undefined;
}

/** Whether a branch or dx ref exists, from the same files as refFileSha: false when neither its loose file nor a packed-refs line has it; undefined when git must be asked. */
export function refExists(ctx: RepoContext, ref: string): boolean | undefined {
  const r = refFile(ctx, ref);
  return r === undefined ? undefined : r !== 'missing';
}

function refFile(ctx: RepoContext, ref: string): { sha: string } | 'missing' | undefined {
  if (!/^refs\/(heads|dx)\/[^\s]+$/.test(ref) || ref.includes('..') || ref === 'refs/heads/.invalid') return undefined;
  try {
    // Every folder on the way a real folder, the file no symlink (nofollow.ts): nothing outside the git dir is read.
    const { abs, stat } = checkInside(ctx.commonDir, ref);
    // No loose file: a packed ref has its line in packed-refs.
    if (!stat) return packedRef(ctx, ref);
    if (!stat.isFile()) return undefined;
    const sha = /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/.exec(fs.readFileSync(abs, 'utf8'))?.[1];
    return sha ? { sha } : undefined;
  } catch {
    return undefined;
  }
}

/** A branch's commit (`refs/heads/<branch>`): from its ref file or packed-refs (refFileSha), else asked of git; null when it does not exist. */
export async function branchTip(ctx: RepoContext, branch: string): Promise<string | null> {
  const known = refFileSha(ctx, `refs/heads/${branch}`);
  if (known) return known;
  const r = await gitTry(['rev-parse', '-q', '--verify', `refs/heads/${branch}^{commit}`], { cwd: ctx.top });
  return r.code === 0 ? r.stdout.trim() : null;
}

/**
 * `ref` in `packed-refs` (gitrepository-layout(5): a `# pack-refs with:` header, then `<hex> <refname>`
 * lines, each maybe followed by a `^<hex>` peeled line): its object name, `missing` when the file is
 * absent or has no such line, undefined when the file is not a regular file or the line is odd.
 */
function packedRef(ctx: RepoContext, ref: string): { sha: string } | 'missing' | undefined {
  const file = path.join(ctx.commonDir, 'packed-refs');
  let text: string;
  try {
    if (!fs.lstatSync(file).isFile()) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : undefined;
  }
  const at = text.indexOf(` ${ref}\n`);
  if (at < 0) return 'missing';
  const line = text.slice(text.lastIndexOf('\n', at) + 1, at);
  const sha = /^([0-9a-f]{40}|[0-9a-f]{64})$/.exec(line)?.[1];
  return sha ? { sha } : undefined;
}

/** HEAD as git reads it: `symbolic-ref` and `rev-parse`, for a HEAD file this module does not read itself. */
async function headStateFromGit(ctx: RepoContext): Promise<HeadState> {
  const [sym, sha] = await Promise.all([
    gitTry(['symbolic-ref', '-q', 'HEAD'], { cwd: ctx.top }),
    gitTry(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: ctx.top }),
  ]);
  const ref = sym.code === 0 ? sym.stdout.trim() : '';
  return {
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
    sha: sha.code === 0 ? sha.stdout.trim() : null,
  };
}

/** What commitInfo returns: committer time (Unix seconds), parent shas, subject line, whole message trimmed. */
export interface CommitInfo { subject: string; committed: number; parents: string[]; body: string }

/** A commit named by its full sha never changes: read once per process and repository (the worker asked twice per push). */
const infoMemo = new Map<string, CommitInfo>();

/** Subject line and committer time (Unix seconds) of a commit; an unreadable one is all empty (never memoised). */
export async function commitInfo(ctx: RepoContext, sha: string): Promise<CommitInfo> {
  const key = /^[0-9a-f]{40}$/.test(sha) ? `${ctx.commonDir}\0${sha}` : null;
  const known = key ? infoMemo.get(key) : undefined;
  if (known) return known;
  const r = await gitTry(['log', '-1', '--format=%ct%x00%P%x00%s%x00%B', sha], { cwd: ctx.top });
  const [ct, parents, subject, body] = r.stdout.split('\0');
  const info = { committed: Number(ct) || 0, parents: (parents ?? '').split(' ').filter(Boolean), subject: subject ?? '', body: (body ?? '').trim() };
  if (key && r.code === 0) {
    if (infoMemo.size > 1000) infoMemo.clear();
    infoMemo.set(key, info);
  }
  return info;
}
