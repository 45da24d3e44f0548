/**
 * Snapshots (DESIGN §1): a commit of the whole working tree — staged, unstaged and untracked
 * (not ignored) files — whose parent is HEAD, built through a temporary index seeded from a copy
 * of the real one (keeping its stat cache, so only changed files are read). The user's index,
 * branch, stash and files are never touched. Secrets — by name (the built-in exclusions plus
 * `wip.exclude`) or by content (src/core/secrets/scan.ts, run on the changed and untracked files
 * only) — and files over `wip.maxFileSize` are left out and reported. A local-only snapshot (the git
 * guard's undo record) keeps the secrets instead, and carries a trailer that keeps it off every remote.
 * Staged files cost no git call each: their blobs are listed, sized and read in one call apiece.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from './context.js';
import { DxError } from './errors.js';
import { blobSizes, readBlobs } from './blobs.js';
import { gitRaw, gitTry, type GitResult } from './git.js';
import { headState } from './head.js';
import { slotOf } from './wip/ref.js';
import { identityEnv } from './identity.js';
import { copyInside, mkdirInside } from './nofollow.js';
import { linkOnPath } from './config/links.js';
import { preloadScanner, scanContent, ruleNames } from './secrets/scan.js';
import { markClean } from './secrets/holds.js';
import { secretPaths } from './secrets/names.js';
import { LOCAL_ONLY_TRAILER } from './secrets/localonly.js';
import { scanWorkTree, type WorkTreeScan } from './worktree-scan.js';

/** The empty tree's id (SHA-1 repositories). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * A file left out of a snapshot, and why: `exclude` (its name matches the built-in secret exclusions or
 * wip.exclude), `secret` (its content holds a private key or token: `rules` names what matched, never the
 * text), `size` (over maxFileSize, `bytes` given).
 */
export interface ExcludedFile { path: string; reason: 'exclude' | 'secret' | 'size'; bytes?: number; rules?: string[] }

/**
 * A snapshot. `sha` is the snapshot commit — or HEAD itself when nothing differs from HEAD
 * (`dirty: false`); `base` is HEAD (null on an unborn branch).
 */
export interface Snapshot {
  sha: string; base: string | null; tree: string; dirty: boolean; excluded: ExcludedFile[]; branch: string | null;
  /** a local-only snapshot: the paths it holds that a pushed one would leave out by name (secrets, wip.exclude) */
  localOnly?: string[];
}

/**
 * What to leave out: gitignore-style patterns (wip.exclude, ADDED to the built-in DEFAULT_EXCLUDE, which
 * always apply), a size limit in bytes, and the machine config's `allowSecrets` (default-excluded paths it
 * lets through, unscanned). `scan: false` skips the content scan (tests and benchmarks only). `localOnly: true`
 * keeps what the names would leave out (no content scan either) and marks the commit LOCAL_ONLY_TRAILER, so it is
 * never mirrored nor pushed (secrets/gate.ts, protect/prepush.ts): for undo records kept under refs/dx/undo/ only.
 */
export interface SnapshotOptions {
  exclude: readonly string[]; maxFileSize: number; host: string; message?: string; allowSecrets?: readonly string[]; scan?: boolean; localOnly?: boolean;
  /** ignored files to hold as well (repository-relative; only with localOnly): the secrets a `git clean -x` deletes */
  ignored?: readonly string[];
}

/** The work tree's file at `p` (null: not a regular file, or gone): what the content scan reads. */
function fileContent(top: string, p: string): Buffer | null {
  try {
    const full = path.join(top, p);
    if (!fs.lstatSync(full).isFile()) return null; // a symlink's blob is its target's name
    return fs.readFileSync(full);
  } catch {
    return null; // deleted
  }
}

/**
 * A snapshot's first pass, started before its options are known: the copy of the real index (its stat
 * cache kept, so only changed files are read) and the status pass over it, beside HEAD's tree and subject.
 * `checkpoint` starts it while node loads the rest of itself and reads the configs (git runs on the
 * other core). Hand it to takeSnapshot, which removes the copy, or to discardSnapshotStart.
 */
export interface SnapshotStart { top: string; tmpIndex: string; scan: Promise<WorkTreeScan>; headLog: Promise<GitResult> }

/**
 * Start a snapshot's first pass in the work tree of `ctx` (see SnapshotStart); with `preload`, the secret
 * scanner starts loading too. The promises never reject unhandled: takeSnapshot awaits them.
 * @throws SymlinkRefused / fs errors when the index cannot be copied (nothing is left behind)
 */
export function startSnapshot(ctx: RepoContext, opts: { preload?: boolean } = {}): SnapshotStart {
  // GIT_INDEX_FILE is cleared for our git calls, so the real index is the worktree's own.
  const realIndex = path.join(ctx.gitDir, 'index');
  mkdirInside(ctx.commonDir, ctx.dxDir);
  const tmpIndex = path.join(ctx.dxDir, `snapshot-index-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    if (fs.existsSync(realIndex)) copyInside(ctx.commonDir, realIndex, tmpIndex);
  } catch (err) {
    fs.rmSync(tmpIndex, { force: true });
    throw err;
  }
  // The content scanner loads while git runs the status pass (on the other core).
  if (opts.preload !== false) preloadScanner();
  const scan = scanWorkTree(ctx.top, { GIT_INDEX_FILE: tmpIndex });
  const headLog = gitTry(['log', '-1', '--format=%T%x00%s', 'HEAD'], { cwd: ctx.top });
  scan.catch(() => undefined); // awaited (and its error thrown) by takeSnapshot
  return { top: ctx.top, tmpIndex, scan, headLog };
}

/** Drop a first pass that no snapshot will use: wait for its git to end, then remove the index copy. Never throws. */
export async function discardSnapshotStart(st: SnapshotStart): Promise<void> {
  await Promise.allSettled([st.scan, st.headLog]);
  fs.rmSync(st.tmpIndex, { force: true });
  fs.rmSync(`${st.tmpIndex}.lock`, { force: true });
}

/** Trailer marking a snapshot commit, so index rebuilds can tell snapshots (dirty) from mirrored commits. */
export const SNAPSHOT_TRAILER = 'Dx-Snapshot';

/**
 * Take a snapshot of the work tree of `ctx`.
 * @throws DxError NOTHING_TO_SNAPSHOT on an unborn branch with no files; GitError when git fails
 */
export async function takeSnapshot(ctx: RepoContext, opts: SnapshotOptions, started?: SnapshotStart): Promise<Snapshot> {
  // The first pass started earlier for this very work tree is used; one for another is dropped.
  if (started && started.top !== ctx.top) {
    await discardSnapshotStart(started);
    started = undefined;
  }
  if (opts.scan !== false && !opts.localOnly) preloadScanner();
  const first = started ?? startSnapshot(ctx, { preload: false });
  const { tmpIndex } = first;
  const env = { GIT_INDEX_FILE: tmpIndex };
  try {
    // One status pass (index against HEAD, work tree against index, untracked files) beside the small lookups.
    const [head, headLog, idEnv, scan] = await Promise.all([headState(ctx), first.headLog, identityEnv(ctx, opts.host), first.scan]);
    const staged = scan.staged;
    const [headTree, subject] = headLog.code === 0 ? headLog.stdout.replace(/\n$/, '').split('\0') : [EMPTY_TREE, '(no commits yet)'];
    const paths = [...new Set([...scan.changed, ...scan.untracked, ...(opts.localOnly ? (opts.ignored ?? []) : [])])];
    const names = secretPaths(opts.exclude, opts.allowSecrets ?? []);
    // A local-only snapshot keeps what the names leave out (and is never scanned): it never leaves the machine.
    const localOnly: string[] = [];
    const secretName = (p: string) => {
      if (!names.verdict(p)) return false;
      if (opts.localOnly) localOnly.push(p);
      return !opts.localOnly;
    };
    const excluded: ExcludedFile[] = [];
    const take = new Set<string>();
    const tooBig = (p: string): number | null => {
      try {
        const st = fs.lstatSync(path.join(ctx.top, p));
        return st.isFile() && st.size > opts.maxFileSize ? st.size : null;
      } catch {
        return null; // deleted: update-index --remove drops it
      }
    };
    for (const p of paths) {
      if (secretName(p)) {
        excluded.push({ path: p, reason: 'exclude' });
        continue;
      }
      const big = tooBig(p);
      if (big !== null) {
        excluded.push({ path: p, reason: 'size', bytes: big });
        continue;
      }
      take.add(p);
    }
    // Staged entries that must not leave the machine go back to HEAD's version (or out, if HEAD lacks them).
    // Their sizes come from one `cat-file --batch-check`, never one git call per staged file.
    const unstage = new Set<string>();
    const out = new Set(excluded.map((e) => e.path));
    const sizes = await blobSizes(ctx.top, [...new Set(staged.filter((e) => e.sha && !out.has(e.path) && !take.has(e.path)).map((e) => e.sha as string))]);
    for (const e of staged) {
      if (out.has(e.path)) {
        unstage.add(e.path);
        continue;
      }
      if (take.has(e.path)) continue; // the work tree's version replaces the staged one
      if (secretName(e.path)) excluded.push({ path: e.path, reason: 'exclude' });
      else {
        const bytes = e.sha ? sizes.get(e.sha) : undefined;
        if (bytes === undefined || bytes <= opts.maxFileSize) continue;
        excluded.push({ path: e.path, reason: 'size', bytes });
      }
      unstage.add(e.path);
    }
    // The content scan: what goes in and differs from HEAD (the work tree's changed and untracked files, and
    // the staged regular files, read in one `cat-file --batch`), never a file allowSecrets lets through. A
    // finding puts HEAD's version back, or leaves it out.
    if (opts.scan !== false && !opts.localOnly) {
      const stagedOnly = staged.filter((e) => e.sha && e.mode?.startsWith('100') && !unstage.has(e.path) && !take.has(e.path) && !names.allowed(e.path));
      const blobs = await readBlobs(ctx.top, [...new Set(stagedOnly.map((e) => e.sha as string))]);
      const candidates = [
        ...[...take].filter((p) => !names.allowed(p)).map((p) => ({ p, bytes: () => fileContent(ctx.top, p), fromIndex: false })),
        ...stagedOnly.map((e) => ({ p: e.path, bytes: () => blobs.get(e.sha as string) ?? null, fromIndex: true })),
      ];
      for (const c of candidates) {
        const bytes = c.bytes();
        if (!bytes || bytes.length > opts.maxFileSize) continue;
        const found = await scanContent(bytes, c.p);
        if (!found.length) continue;
        if (!c.fromIndex) take.delete(c.p);
        unstage.add(c.p);
        excluded.push({ path: c.p, reason: 'secret', rules: ruleNames(found) });
      }
    }
    if (unstage.size) {
      const info = head.sha ? await gitRaw(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', head.sha, '--', ...unstage], { cwd: ctx.top }) : '';
      const inHead = new Map(info.split('\0').filter(Boolean).map((l) => [l.slice(l.indexOf('\t') + 1), l.slice(0, l.indexOf('\t'))]));
      const lines = [...unstage].map((p) => {
        const meta = inHead.get(p);
        if (!meta) return `0 ${'0'.repeat(40)}\t${p}`; // mode 0 removes the entry
        const [mode, , sha] = meta.split(' ');
        return `${mode} ${sha}\t${p}`;
      });
      await gitRaw(['update-index', '-z', '--index-info'], { cwd: ctx.top, env, input: lines.join('\0') + '\0' });
    }
    if (take.size) {
      const add = (list: string[]) => gitRaw(['update-index', '--add', '--remove', '-z', '--stdin'], { cwd: ctx.top, env, input: list.join('\0') + '\0' });
      await add([...take]).catch(async (err: unknown) => {
        // A tracked file whose folder is now a symlink is gone from the work tree (git status says
        // deleted), but update-index refuses to look "beyond a symbolic link": drop those, then add the rest.
        const beyond = [...take].filter((p) => linkOnPath(ctx.top, p) !== null);
        if (!beyond.length) throw err;
        await gitRaw(['update-index', '--force-remove', '-z', '--stdin'], { cwd: ctx.top, env, input: beyond.join('\0') + '\0' });
        const rest = [...take].filter((p) => !beyond.includes(p));
        if (rest.length) await add(rest);
      });
    }
    const tree = (await gitRaw(['write-tree'], { cwd: ctx.top, env })).trim();
    if (tree === (head.sha ? headTree : EMPTY_TREE)) {
      if (!head.sha) throw new DxError('NOTHING_TO_SNAPSHOT', 'nothing to snapshot: no commits and no files yet', 'Create a file or a first commit.');
      return { sha: head.sha, base: head.sha, tree, dirty: false, excluded, branch: head.branch, ...(opts.localOnly ? { localOnly } : {}) };
    }
    const message =
      `${opts.message ?? `dx-hooks snapshot: ${subject ?? ''}`}\n\n` +
      `${SNAPSHOT_TRAILER}: ${opts.host}/${slotOf(head.branch)}\n` +
      (opts.localOnly ? `${LOCAL_ONLY_TRAILER}: undo record of ${opts.host}, never pushed\n` : '');
    const args = ['commit-tree', tree, '-m', message];
    if (head.sha) args.splice(2, 0, '-p', head.sha);
    const sha = (await gitRaw(args, { cwd: ctx.top, env: idEnv })).trim();
    // Scanned here already: the push gate (secrets/gate.ts) need not scan this snapshot's diff again.
    if (opts.scan !== false && !opts.localOnly) markClean(ctx, [sha]);
    return { sha, base: head.sha, tree, dirty: true, excluded, branch: head.branch, ...(opts.localOnly ? { localOnly } : {}) };
  } finally {
    fs.rmSync(tmpIndex, { force: true });
    fs.rmSync(`${tmpIndex}.lock`, { force: true });
  }
}
