/**
 * Are dx-hooks' hooks still the ones git runs? (issue 11: never silent when protection stops.) Read
 * from install.json and the files it names — no git call unless the caller passes the folder git
 * runs hooks from now (core.hooksPath honoured), which only `effectiveHooksDir` asks git for. Cases:
 * a hook deleted, overwritten, renamed (lefthook's `<hook>.old`), taken over by lefthook without a
 * dx-hooks job, shadowed by a new core.hooksPath (husky added later), or a runtime older than this package.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { gitTry } from '../git.js';
import { knownRepoConfig } from '../repo-config.js';
import { BEGIN, packageVersion } from '../install/assets.js';
import { hooksInBlock, isLefthookHook } from '../install/lefthook.js';
import { readManifest, type HookRecord } from '../install/manifest.js';

/** What went wrong with one hook (or, hook null, with the runtime or the whole folder). */
export type HookProblemKind = 'shadowed' | 'deleted' | 'renamed' | 'replaced' | 'lefthook' | 'not-executable' | 'stale' | 'manifest';

/** One reason git no longer runs dx-hooks (fully or for one hook). `message` names the file and what happened; the fix is `dx-hooks doctor --fix`. */
export interface HookProblem { kind: HookProblemKind; hook: string | null; path: string; message: string }

/** The check's answer. `installed` false: no install.json (the triage's NOT_INSTALLED says so; not a problem here). */
export interface HookHealth { installed: boolean; problems: HookProblem[] }

const read = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

const runnable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The folder git runs `ctx`'s hooks from now (`git rev-parse --git-path hooks`, core.hooksPath honoured), absolute; null when git cannot say. */
export async function effectiveHooksDir(ctx: RepoContext): Promise<string | null> {
  // This run listed the config already and core.hooksPath is not in it: the common dir's hooks folder
  // (git-path: `hooks` is shared by every worktree), with no git process. Set, git resolves it (~, relative paths).
  const known = knownRepoConfig(ctx);
  if (known) {
    const config = await known;
    if (config.size && !config.has('core.hookspath')) return path.join(ctx.commonDir, 'hooks');
  }
  const r = await gitTry(['rev-parse', '--git-path', 'hooks'], { cwd: ctx.top });
  return r.code === 0 && r.stdout.trim() ? path.resolve(ctx.top, r.stdout.trim()) : null;
}

/** The problem with one recorded hook file, or null when git still runs dx-hooks through it. */
function checkRecord(hook: string, r: HookRecord, rel: (p: string) => string): HookProblem | null {
  const text = read(r.path);
  const at = rel(r.path);
  if (r.kind === 'husky-appended' || r.kind === 'husky-created') {
    if (text === null) return { kind: 'deleted', hook, path: r.path, message: `husky's ${at} is gone, and with it dx-hooks' ${hook} block` };
    return text.includes(BEGIN) ? null : { kind: 'replaced', hook, path: r.path, message: `dx-hooks' block was removed from husky's ${at}: git no longer runs dx-hooks for ${hook}` };
  }
  if (r.kind === 'lefthook') {
    if (text === null) return { kind: 'deleted', hook, path: r.path, message: `the ${hook} hook ${at} (lefthook's) is gone: git runs nothing for ${hook}` };
    if (!text.includes(BEGIN) && !isLefthookHook(text)) return { kind: 'replaced', hook, path: r.path, message: `the ${hook} hook ${at} is no longer lefthook's nor dx-hooks': git does not run dx-hooks for ${hook}` };
    const config = r.chained ?? '';
    if (isLefthookHook(text) && !hooksInBlock(read(config) ?? '').includes(hook)) {
      return { kind: 'lefthook', hook, path: config, message: `lefthook runs ${hook}, and ${rel(config)} no longer has dx-hooks' job for it: git does not run dx-hooks for ${hook}` };
    }
    return null;
  }
  if (text === null) {
    const old = `${r.path}.old`;
    if ((read(old) ?? '').includes(BEGIN)) return { kind: 'renamed', hook, path: r.path, message: `dx-hooks' ${hook} hook was renamed to ${rel(old)} (lefthook does that), which git never runs` };
    return { kind: 'deleted', hook, path: r.path, message: `dx-hooks' ${hook} hook ${at} was deleted: git does not run dx-hooks for ${hook}` };
  }
  if (text.includes(BEGIN)) return runnable(r.path) ? null : { kind: 'not-executable', hook, path: r.path, message: `dx-hooks' ${hook} hook ${at} is not executable, so git skips it` };
  if (isLefthookHook(text)) {
    return { kind: 'lefthook', hook, path: r.path, message: `lefthook took over ${hook}: ${at} is lefthook's now${(read(`${r.path}.old`) ?? '').includes(BEGIN) ? ` and dx-hooks' stub is ${rel(`${r.path}.old`)}, which lefthook never runs` : ''}` };
  }
  return { kind: 'replaced', hook, path: r.path, message: `dx-hooks' ${hook} hook ${at} was overwritten by another hook without the dx-hooks block` };
}

/**
 * Check `ctx`'s hooks. With `hooksDir` (from `effectiveHooksDir`), a core.hooksPath that moved git
 * away from where dx-hooks was installed is found too; without it the check reads files only.
 * Never throws: what cannot be read is a problem.
 */
export function checkHookHealth(ctx: RepoContext, opts: { hooksDir?: string | null } = {}): HookHealth {
  const m = readManifest(ctx);
  if (m === null) return { installed: false, problems: [] };
  const install = dxPaths(ctx).install;
  if ('error' in m) return { installed: true, problems: [{ kind: 'manifest', hook: null, path: install, message: `${install} is unreadable (${m.error}): dx-hooks cannot tell which hooks are its own` }] };
  const rel = (p: string) => (p.startsWith(ctx.top + path.sep) ? path.relative(ctx.top, p) : p);
  const problems: HookProblem[] = [];
  const runtimeDir = dxPaths(ctx).hooksDir;
  if (read(path.join(runtimeDir, 'runtime.sh')) === null) problems.push({ kind: 'deleted', hook: null, path: runtimeDir, message: `the hook runtime ${path.join(runtimeDir, 'runtime.sh')} is gone: every hook only warns and nothing is backed up` });
  else {
    const version = read(path.join(runtimeDir, 'version'))?.trim() ?? '';
    const mine = packageVersion();
    if (version !== mine) problems.push({ kind: 'stale', hook: null, path: runtimeDir, message: `the hook runtime in ${runtimeDir} is version ${version || '(unknown)'} and this dx-hooks is ${mine}: the hooks run old code` });
  }
  const installedIn = path.resolve(ctx.top, m.hooksDir);
  if (opts.hooksDir && opts.hooksDir !== installedIn) {
    problems.push({ kind: 'shadowed', hook: null, path: opts.hooksDir, message: `git now runs hooks from ${rel(opts.hooksDir)} (core.hooksPath, set by husky or another hook manager after dx-hooks was installed in ${rel(installedIn)}): git runs none of dx-hooks' hooks` });
    return { installed: true, problems };
  }
  for (const [hook, r] of Object.entries(m.hooks)) {
    const p = checkRecord(hook, r, rel);
    if (p) problems.push(p);
  }
  return { installed: true, problems };
}
