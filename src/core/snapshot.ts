/**
 * Snapshots (DESIGN §1): a commit of the whole working tree — staged, unstaged and untracked
 * (not ignored) files — whose parent is HEAD, built through a temporary index seeded from a copy
 * of the real one (keeping its stat cache, so only changed files are read). The user's index,
 * branch, stash and files are never touched. Secrets — by name (the built-in exclusions plus
 * `wip.exclude`) or by content (src/core/secrets/scan.ts, run on the changed and untracked files
 * only) — and files over `wip.maxFileSize` are left out and reported.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from './context.js';
import { DxError } from './errors.js';
import { gitBytes, gitRaw, gitTry } from './git.js';
import { headState } from './head.js';
import { slotOf } from './wip/ref.js';
import { identityEnv } from './identity.js';
import { copyInside, mkdirInside } from './nofollow.js';
import { linkOnPath } from './config/links.js';
import { scanContent, ruleNames } from './secrets/scan.js';
import { markClean } from './secrets/holds.js';
import { secretPaths } from './secrets/names.js';

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
export interface Snapshot { sha: string; base: string | null; tree: string; dirty: boolean; excluded: ExcludedFile[]; branch: string | null }

/**
 * What to leave out: gitignore-style patterns (wip.exclude, ADDED to the built-in DEFAULT_EXCLUDE, which
 * always apply), a size limit in bytes, and the machine config's `allowSecrets` (default-excluded paths it
 * lets through, unscanned). `scan: false` skips the content scan (tests and benchmarks only).
 */
export interface SnapshotOptions { exclude: readonly string[]; maxFileSize: number; host: string; message?: string; allowSecrets?: readonly string[]; scan?: boolean }

/** The content a snapshot would take for `p`: the work tree's file (`fromIndex` false) or the staged blob. Null: nothing to scan. */
async function contentOf(ctx: RepoContext, env: Record<string, string>, p: string, fromIndex: boolean): Promise<Buffer | null> {
  if (fromIndex) {
    const r = await gitTry(['cat-file', '-t', `:0:${p}`], { cwd: ctx.top, env });
    if (r.code !== 0 || r.stdout.trim() !== 'blob') return null;
    return gitBytes(['cat-file', 'blob', `:0:${p}`], { cwd: ctx.top, env });
  }
  try {
    const full = path.join(ctx.top, p);
    if (!fs.lstatSync(full).isFile()) return null; // a symlink's blob is its target's name
    return fs.readFileSync(full);
  } catch {
    return null; // deleted
  }
}

/** Trailer marking a snapshot commit, so index rebuilds can tell snapshots (dirty) from mirrored commits. */
export const SNAPSHOT_TRAILER = 'Dx-Snapshot';

/** Size in bytes of a staged blob when it is over `limit`, else null. */
async function stagedSize(ctx: RepoContext, env: Record<string, string>, p: string, limit: number): Promise<number | null> {
  const r = await gitTry(['cat-file', '-s', `:0:${p}`], { cwd: ctx.top, env });
  const n = Number(r.stdout.trim());
  return r.code === 0 && n > limit ? n : null;
}

/**
 * Take a snapshot of the work tree of `ctx`.
 * @throws DxError NOTHING_TO_SNAPSHOT on an unborn branch with no files; GitError when git fails
 */
export async function takeSnapshot(ctx: RepoContext, opts: SnapshotOptions): Promise<Snapshot> {
  // GIT_INDEX_FILE is cleared for our git calls, so the real index is the worktree's own.
  const realIndex = path.join(ctx.gitDir, 'index');
  mkdirInside(ctx.commonDir, ctx.dxDir);
  const tmpIndex = path.join(ctx.dxDir, `snapshot-index-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const env = { GIT_INDEX_FILE: tmpIndex };
  try {
    if (fs.existsSync(realIndex)) copyInside(ctx.commonDir, realIndex, tmpIndex);
    // The two scans that scale with the tree (changed tracked files, untracked files) run in parallel —
    // half the time of one `ls-files --modified --others` on two cores (bench/) — beside the small lookups.
    // A third lists what is staged but not in HEAD, so a `git add .env` cannot slip a secret in.
    const [head, headLog, idEnv, changed, untracked, stagedVsHead] = await Promise.all([
      headState(ctx),
      gitTry(['log', '-1', '--format=%T%x00%s', 'HEAD'], { cwd: ctx.top }),
      identityEnv(ctx, opts.host),
      gitRaw(['diff-files', '--name-only', '-z'], { cwd: ctx.top, env }),
      gitRaw(['ls-files', '-z', '--others', '--exclude-standard'], { cwd: ctx.top, env }),
      gitTry(['diff-index', '--cached', '--name-only', '--no-renames', '-z', 'HEAD'], { cwd: ctx.top, env }),
    ]);
    // On an unborn branch everything staged is new.
    const staged = head.sha ? stagedVsHead.stdout : await gitRaw(['ls-files', '-z'], { cwd: ctx.top, env });
    const [headTree, subject] = headLog.code === 0 ? headLog.stdout.replace(/\n$/, '').split('\0') : [EMPTY_TREE, '(no commits yet)'];
    const split = (out: string) => out.split('\0').filter((p) => p && !p.endsWith('/'));
    const paths = [...new Set([...split(changed), ...split(untracked)])];
    const names = secretPaths(opts.exclude, opts.allowSecrets ?? []);
    const excluded: ExcludedFile[] = [];
    const take: string[] = [];
    const tooBig = (p: string): number | null => {
      try {
        const st = fs.lstatSync(path.join(ctx.top, p));
        return st.isFile() && st.size > opts.maxFileSize ? st.size : null;
      } catch {
        return null; // deleted: update-index --remove drops it
      }
    };
    for (const p of paths) {
      if (names.verdict(p)) {
        excluded.push({ path: p, reason: 'exclude' });
        continue;
      }
      const big = tooBig(p);
      if (big !== null) {
        excluded.push({ path: p, reason: 'size', bytes: big });
        continue;
      }
      take.push(p);
    }
    // Staged entries that must not leave the machine go back to HEAD's version (or out, if HEAD lacks them).
    const unstage: string[] = [];
    for (const p of split(staged)) {
      if (excluded.some((e) => e.path === p)) {
        unstage.push(p);
        continue;
      }
      const reason = names.verdict(p) ? 'exclude' : null;
      const big = reason ? null : await stagedSize(ctx, env, p, opts.maxFileSize);
      if (!reason && big === null) continue;
      unstage.push(p);
      excluded.push(reason ? { path: p, reason } : { path: p, reason: 'size', bytes: big as number });
    }
    // The content scan: what goes in and differs from HEAD (the work tree's changed and untracked files, and
    // the staged ones), never a file allowSecrets lets through. A finding puts HEAD's version back, or leaves it out.
    if (opts.scan !== false) {
      const stagedOnly = split(staged).filter((p) => !unstage.includes(p) && !take.includes(p));
      const candidates = [...take.map((p) => ({ p, fromIndex: false })), ...stagedOnly.map((p) => ({ p, fromIndex: true }))].filter((c) => !names.allowed(c.p));
      for (const { p, fromIndex } of candidates) {
        const bytes = await contentOf(ctx, env, p, fromIndex);
        if (!bytes || bytes.length > opts.maxFileSize) continue;
        const found = await scanContent(bytes, p);
        if (!found.length) continue;
        if (!fromIndex) take.splice(take.indexOf(p), 1);
        unstage.push(p);
        excluded.push({ path: p, reason: 'secret', rules: ruleNames(found) });
      }
    }
    if (unstage.length) {
      const info = head.sha ? await gitRaw(['--literal-pathspecs', 'ls-tree', '-z', '--full-tree', head.sha, '--', ...unstage], { cwd: ctx.top }) : '';
      const inHead = new Map(info.split('\0').filter(Boolean).map((l) => [l.slice(l.indexOf('\t') + 1), l.slice(0, l.indexOf('\t'))]));
      const lines = unstage.map((p) => {
        const meta = inHead.get(p);
        if (!meta) return `0 ${'0'.repeat(40)}\t${p}`; // mode 0 removes the entry
        const [mode, , sha] = meta.split(' ');
        return `${mode} ${sha}\t${p}`;
      });
      await gitRaw(['update-index', '-z', '--index-info'], { cwd: ctx.top, env, input: lines.join('\0') + '\0' });
    }
    if (take.length) {
      const add = (list: string[]) => gitRaw(['update-index', '--add', '--remove', '-z', '--stdin'], { cwd: ctx.top, env, input: list.join('\0') + '\0' });
      await add(take).catch(async (err: unknown) => {
        // A tracked file whose folder is now a symlink is gone from the work tree (git status says
        // deleted), but update-index refuses to look "beyond a symbolic link": drop those, then add the rest.
        const beyond = take.filter((p) => linkOnPath(ctx.top, p) !== null);
        if (!beyond.length) throw err;
        await gitRaw(['update-index', '--force-remove', '-z', '--stdin'], { cwd: ctx.top, env, input: beyond.join('\0') + '\0' });
        const rest = take.filter((p) => !beyond.includes(p));
        if (rest.length) await add(rest);
      });
    }
    const tree = (await gitRaw(['write-tree'], { cwd: ctx.top, env })).trim();
    if (tree === (head.sha ? headTree : EMPTY_TREE)) {
      if (!head.sha) throw new DxError('NOTHING_TO_SNAPSHOT', 'nothing to snapshot: no commits and no files yet', 'Create a file or a first commit.');
      return { sha: head.sha, base: head.sha, tree, dirty: false, excluded, branch: head.branch };
    }
    const message =
      `${opts.message ?? `dx-hooks snapshot: ${subject ?? ''}`}\n\n` +
      `${SNAPSHOT_TRAILER}: ${opts.host}/${slotOf(head.branch)}\n`;
    const args = ['commit-tree', tree, '-m', message];
    if (head.sha) args.splice(2, 0, '-p', head.sha);
    const sha = (await gitRaw(args, { cwd: ctx.top, env: idEnv })).trim();
    // Scanned here already: the push gate (secrets/gate.ts) need not scan this snapshot's diff again.
    if (opts.scan !== false) markClean(ctx, [sha]);
    return { sha, base: head.sha, tree, dirty: true, excluded, branch: head.branch };
  } finally {
    fs.rmSync(tmpIndex, { force: true });
    fs.rmSync(`${tmpIndex}.lock`, { force: true });
  }
}
