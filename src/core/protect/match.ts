/**
 * Protected paths and branches (DESIGN §1, §5): which paths `protect.paths` (gitignore-style globs)
 * covers, which branches `protect.branches` covers (default: the remote's default branch and
 * dx/index), and which protected paths a change between two trees would delete or un-execute.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import type { DxConfig } from '../config/schema.js';
import type { RepoContext } from '../context.js';
import { DxError, EXIT } from '../errors.js';
import { gitTry } from '../git.js';
import { refExists } from '../head.js';
import { checkInside } from '../nofollow.js';

/** A predicate telling whether a repository-relative path (forward slashes) is protected. */
export type PathMatcher = (path: string) => boolean;

/**
 * Whether `p` is a path git could name inside a repository: non-empty, relative, no empty, `.` or
 * `..` component. Ledger lines also carry other paths (install records its hook files' absolute paths).
 */
const isRepoPath = (p: string): boolean => p.length > 0 && !p.startsWith('/') && p.split('/').every((c, i, all) => (c !== '' || i === all.length - 1) && c !== '.' && c !== '..');

/**
 * Build the matcher for `protect.paths` (gitignore semantics, via the `ignore` package). A path that is
 * not a repository path (see isRepoPath) is never protected: it names nothing in the work tree. Names
 * git allows but `ignore` would reject as "not relative" (a file called `...`) are matched like any other.
 */
export function protectedMatcher(config: DxConfig): PathMatcher {
  const patterns = config.protect.paths;
  if (!patterns.length) return () => false;
  const ig = ignore({ allowRelativePaths: true }).add(patterns);
  return (p) => isRepoPath(p) && ig.ignores(p);
}

/**
 * The protected branches (short names): `protect.branches`, or by default the remote's default
 * branch (from `refs/remotes/<remote>/HEAD`, else `main`/`master` when they exist) and `dx/index`.
 */
export async function protectedBranches(ctx: RepoContext, config: DxConfig, remote = config.remote ?? 'origin'): Promise<string[]> {
  if (config.protect.branches) return config.protect.branches;
  const fromFiles = defaultBranchesFromFiles(ctx, remote);
  if (fromFiles) return fromFiles;
  // One for-each-ref for the remote's HEAD and both fallbacks (a pattern also matches below a slash: exact names only).
  const names = [`refs/remotes/${remote}/HEAD`, 'refs/heads/main', 'refs/heads/master'];
  const r = await gitTry(['for-each-ref', '--format=%(refname)%00%(symref)', ...names], { cwd: ctx.top });
  const found = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [name, symref] = line.split('\0');
    if (name && names.includes(name)) found.set(name, symref ?? '');
  }
  const out = new Set<string>(['dx/index']);
  let target = found.get(names[0] as string) ?? '';
  // for-each-ref leaves out a symref whose branch is gone; such a one is still a loose file (packed-refs holds no symrefs): ask git what it names.
  if (!found.has(names[0] as string) && fs.existsSync(path.join(ctx.commonDir, names[0] as string))) {
    const sym = await gitTry(['symbolic-ref', '-q', names[0] as string], { cwd: ctx.top });
    if (sym.code === 0) target = sym.stdout.trim();
  }
  const prefix = `refs/remotes/${remote}/`;
  if (target.startsWith(prefix) && target.length > prefix.length) out.add(target.slice(prefix.length));
  else for (const b of ['main', 'master']) if (found.has(`refs/heads/${b}`)) out.add(b);
  return [...out];
}

/**
 * protectedBranches' default from the ref files themselves, with no git process (a sync and every worker
 * ask): `refs/remotes/<remote>/HEAD` is a loose symref file (`ref: <refname>`; packed-refs holds no
 * symrefs), and main/master exist when their loose file or packed-refs line does (head.ts refExists).
 * Undefined when any file is not what git's files backend writes (a symlink, a detached remote HEAD, a
 * reftable repository): git decides.
 */
function defaultBranchesFromFiles(ctx: RepoContext, remote: string): string[] | undefined {
  if (!/^[^\s]+$/.test(remote) || remote.includes('..')) return undefined;
  let target = '';
  try {
    const { abs, stat } = checkInside(ctx.commonDir, `refs/remotes/${remote}/HEAD`);
    if (stat) {
      if (!stat.isFile()) return undefined;
      const sym = /^ref: (refs\/[^\s]+)\n?$/.exec(fs.readFileSync(abs, 'utf8'));
      if (!sym) return undefined;
      target = sym[1] as string;
    }
  } catch {
    return undefined;
  }
  const out = new Set<string>(['dx/index']);
  const prefix = `refs/remotes/${remote}/`;
  if (target.startsWith(prefix) && target.length > prefix.length) return [...out.add(target.slice(prefix.length))];
  for (const b of ['main', 'master']) {
    const exists = refExists(ctx, `refs/heads/${b}`);
    if (exists === undefined) return undefined;
    if (exists) out.add(b);
  }
  return [...out];
}

/**
 * What a change does to one protected path. `type-changed`: the file became a symlink or a
 * submodule (gitlink), or the other way round — git's status T; a file replaced by a directory is
 * `deleted` (git sees the file deleted and files added under it). `to` is the new git mode for a type change.
 */
export interface ProtectedLoss { path: string; kind: 'deleted' | 'lost-exec-bit' | 'type-changed'; to?: string }

const MODE_NAMES: Record<string, string> = { '120000': 'a symlink', '160000': 'a submodule (gitlink)', '100644': 'a regular file', '100755': 'an executable file' };

/** The loss in words, e.g. "deleted", "loses its exec bit", "replaced by a symlink". */
export function describeLoss(l: ProtectedLoss): string {
  if (l.kind === 'deleted') return 'deleted';
  if (l.kind === 'lost-exec-bit') return 'loses its exec bit';
  return `replaced by ${(l.to && MODE_NAMES[l.to]) ?? 'another type of entry'}`;
}

/**
 * Protected paths that `to` deletes, type-changes or un-executes compared with `from` (commits or
 * trees; `null` means nothing to lose). `{ index: true }` compares against the index instead of a
 * tree (pre-commit).
 * @throws DxError PROTECT_CHECK_FAILED when git cannot compute the diff (fail closed: a check that
 *         cannot decide must never read as "nothing protected is lost"; the pre-* hooks refuse)
 */
export async function protectedLosses(ctx: RepoContext, isProtected: PathMatcher, from: string | null, to: string | { index: true }, env: Record<string, string> = {}): Promise<ProtectedLoss[]> {
  if (!from) return [];
  const args = typeof to === 'string'
    ? ['diff-tree', '-r', '-z', '--no-renames', '--raw', from, to]
    : ['diff-index', '--cached', '-r', '-z', '--no-renames', '--raw', from];
  const r = await gitTry(args, { cwd: ctx.top, env });
  if (r.code !== 0) throw protectCheckFailed(args, r.stderr);
  const parts = r.stdout.split('\0');
  const losses: ProtectedLoss[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] ?? '';
    const p = parts[i + 1] ?? '';
    if (!meta.startsWith(':') || !isProtected(p)) continue;
    const [oldMode, newMode, , , status] = meta.slice(1).split(' ');
    if (status === 'D') losses.push({ path: p, kind: 'deleted' });
    else if (status === 'T') losses.push({ path: p, kind: 'type-changed', to: newMode });
    else if (oldMode === '100755' && newMode === '100644') losses.push({ path: p, kind: 'lost-exec-bit' });
  }
  return losses;
}

/** The error of a protected-path check git could not compute (fail closed). */
export function protectCheckFailed(args: readonly string[], stderr: string): DxError {
  return new DxError('PROTECT_CHECK_FAILED', `the protected-path check could not be computed (git ${args.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ')}: ${stderr.trim().split('\n').pop() ?? 'failed'})`,
    'Nothing was changed. Run `git fsck` and `dx-hooks doctor`; to go ahead without the check: DX_ALLOW_PROTECTED=1 (logged) or DX_HOOKS=0.', EXIT.FAILED);
}
