/**
 * What `install` would do, as data (antfu/ni's planner): which hooks directory git really uses
 * (`git rev-parse --git-path hooks`, honouring core.hooksPath), whether husky owns it, and per
 * hook whether to create a stub, chain an existing hook, refresh ours, or add a block to husky's
 * hook file. `--dry-run` prints this plan; `applyInstall` carries it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_PLACES } from '../config/load.js';
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { gitLine, gitTry } from '../git.js';
import { BEGIN, CHAINED_SUFFIX, HOOKS, type HookName } from './assets.js';
import { hooksInBlock, isLefthookHook, lefthookLocal, mergeLefthookBlock } from './lefthook.js';

/** One step of an install. Paths are absolute. */
export type InstallAction =
  | { kind: 'runtime'; dir: string }
  | { kind: 'create-hook'; hook: HookName; path: string }
  | { kind: 'chain-hook'; hook: HookName; path: string; chained: string }
  | { kind: 'refresh-hook'; hook: HookName; path: string }
  | { kind: 'husky-append'; hook: HookName; path: string; createFile: boolean }
  | { kind: 'husky-refresh'; hook: HookName; path: string }
  /** lefthook generated these hooks' files (it renamed dx-hooks' to `<hook>.old`): a dx-hooks job per hook in lefthook-local.yml (lefthook.ts); `missing`: those the file does not run dx-hooks for yet */
  | { kind: 'lefthook-chain'; hooks: HookName[]; hookPaths: string[]; path: string; text: string; missing: HookName[] }
  | { kind: 'create-config'; path: string }
  | { kind: 'keep-config'; path: string };

/** The whole plan. `huskyDir` is husky's hook-script folder when core.hooksPath belongs to husky. */
export interface InstallPlan { top: string; hooksDir: string; huskyDir: string | null; actions: InstallAction[]; notes: string[] }

/** git's version as [major, minor] from `git --version` ("git version 2.39.5"); [0, 0] when unreadable. */
export function parseGitVersion(text: string): [number, number] {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * Husky's folder of user hook scripts when `hooksDir` belongs to husky, recognised by husky's own
 * runtime file rather than a folder name: `<dir>/_/h` with hooksPath `<dir>/_` (husky 9, any
 * folder given to `husky <dir>`), or `<dir>/_/husky.sh` with hooksPath `<dir>` (husky 4–8).
 */
export function huskyDirOf(hooksDir: string): string | null {
  if (path.basename(hooksDir) === '_' && fs.existsSync(path.join(hooksDir, 'h'))) return path.dirname(hooksDir);
  if (fs.existsSync(path.join(hooksDir, '_', 'husky.sh'))) return hooksDir;
  return null;
}

/** The hooks husky 9 writes a `_/<hook>` stub for; for any other hook (reference-transaction) our own stub goes into husky's `_` folder. */
const HUSKY_STUBS = new Set(['pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-rebase', 'post-rewrite', 'post-checkout', 'post-merge', 'pre-push', 'pre-auto-gc']);

const inside = (dir: string, root: string) => dir === root || dir.startsWith(root + path.sep);

/**
 * Compute the install plan for `ctx`.
 * @throws DxError INSTALL_CONFLICT when a hook and its `.pre-dx-hooks` copy both exist without our stub;
 *         HOOKS_PATH_SHARED when core.hooksPath is outside the repository (unless `force`)
 */
export async function planInstall(ctx: RepoContext, opts: { force?: boolean } = {}): Promise<InstallPlan> {
  const hooksDir = path.resolve(ctx.top, await gitLine(['rev-parse', '--git-path', 'hooks'], { cwd: ctx.top }));
  const configured = await gitTry(['config', '--get', 'core.hooksPath'], { cwd: ctx.top });
  const huskyDir = configured.code === 0 ? huskyDirOf(hooksDir) : null;
  if (!opts.force && !inside(hooksDir, ctx.top) && !inside(hooksDir, ctx.commonDir)) {
    throw new DxError(
      'HOOKS_PATH_SHARED',
      `core.hooksPath points outside this repository (${hooksDir}): hooks there run for every repository that uses it, and uninstalling here would remove them for all`,
      'Install per repository (git config --unset core.hooksPath in this repo, or point it inside the repo), or pass --force to install there anyway.',
    );
  }
  const actions: InstallAction[] = [{ kind: 'runtime', dir: path.join(ctx.dxDir, 'hooks') }];
  const notes: string[] = [];
  const [major, minor] = parseGitVersion((await gitTry(['--version'], { cwd: ctx.top })).stdout);
  const hasRefTx = major > 2 || (major === 2 && minor >= 28);
  const lefthook: { hook: HookName; path: string }[] = [];
  if (!hasRefTx) notes.push(`git ${major}.${minor} has no reference-transaction hook (git ≥ 2.28): branch deletions and rewinds are not recorded and protected branches can be deleted locally; upgrade git to get them`);
  for (const hook of HOOKS.filter((h) => h !== 'reference-transaction' || hasRefTx)) {
    if (huskyDir && HUSKY_STUBS.has(hook)) {
      const p = path.join(huskyDir, hook);
      const text = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
      actions.push(text?.includes(BEGIN) ? { kind: 'husky-refresh', hook, path: p } : { kind: 'husky-append', hook, path: p, createFile: text === null });
      continue;
    }
    const p = path.join(hooksDir, hook);
    let text: string | null = null;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch {
      text = null;
    }
    if (text === null) actions.push({ kind: 'create-hook', hook, path: p });
    else if (text.includes(BEGIN)) actions.push({ kind: 'refresh-hook', hook, path: p });
    else if (isLefthookHook(text)) lefthook.push({ hook, path: p });
    else {
      const chained = p + CHAINED_SUFFIX;
      if (fs.existsSync(chained)) {
        throw new DxError('INSTALL_CONFLICT', `both ${p} and ${chained} exist, and ${p} is not dx-hooks' stub`, `Move one of them away, then run dx-hooks install again.`);
      }
      actions.push({ kind: 'chain-hook', hook, path: p, chained });
    }
  }
  if (lefthook.length) {
    const local = lefthookLocal(ctx.top);
    const hooks = lefthook.map((l) => l.hook);
    const have = hooksInBlock(local.text ?? '');
    actions.push({ kind: 'lefthook-chain', hooks, hookPaths: lefthook.map((l) => l.path), path: local.path, text: mergeLefthookBlock(local.text ?? '', hooks, local.path), missing: hooks.filter((h) => !have.includes(h)) });
  }
  const existing = SEARCH_PLACES.filter((f) => f !== 'package.json').find((f) => fs.existsSync(path.join(ctx.top, f)));
  const pkgHasDx = (() => {
    try {
      // eslint-disable-next-line no-restricted-syntax -- the user's package.json, not a dx-hooks file: read for its "dx" key only
      return 'dx' in (JSON.parse(fs.readFileSync(path.join(ctx.top, 'package.json'), 'utf8')) as object);
    } catch {
      return false;
    }
  })();
  if (existing) actions.push({ kind: 'keep-config', path: path.join(ctx.top, existing) });
  else if (pkgHasDx) actions.push({ kind: 'keep-config', path: path.join(ctx.top, 'package.json') });
  else actions.push({ kind: 'create-config', path: path.join(ctx.top, '.dxrc.json') });
  return { top: ctx.top, hooksDir, huskyDir, actions, notes };
}

/** One line per action, for `install` and `install --dry-run`. */
export function describeAction(a: InstallAction, top: string): string {
  const rel = (p: string) => (p.startsWith(top + path.sep) ? path.relative(top, p) : p);
  switch (a.kind) {
    case 'runtime':
      return `write the hook runtime to ${rel(a.dir)}`;
    case 'create-hook':
      return `create ${rel(a.path)}`;
    case 'chain-hook':
      return `keep your ${a.hook} hook as ${rel(a.chained)} and run it first from ${rel(a.path)}`;
    case 'refresh-hook':
      return `refresh ${rel(a.path)} (already installed)`;
    case 'husky-append':
      return a.createFile ? `create husky hook ${rel(a.path)} running dx-hooks` : `add dx-hooks to husky's ${rel(a.path)}`;
    case 'husky-refresh':
      return `refresh the dx-hooks block in ${rel(a.path)} (already installed)`;
    case 'lefthook-chain':
      return a.missing.length ? `run dx-hooks from lefthook for ${a.hooks.join(', ')} (lefthook took them over): a dx-hooks job each in ${rel(a.path)}, lefthook's per-developer config (do not commit it)` : `refresh the dx-hooks jobs in ${rel(a.path)} (already installed)`;
    case 'create-config':
      return `write ${rel(a.path)}`;
    case 'keep-config':
      return `keep the existing config ${rel(a.path)}`;
  }
}
