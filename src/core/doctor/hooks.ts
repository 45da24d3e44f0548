/**
 * Doctor's hook checks: is dx-hooks installed, is each hook file in the folder git really runs
 * (core.hooksPath honoured) there, executable and carrying dx-hooks' block — `HOOKS_MISSING` — and
 * does git still run them at all: `HOOKS_SHADOWED` when core.hooksPath (husky, another manager)
 * moved git away from where dx-hooks was installed, or husky's `.husky/_` lost what install put there.
 * The install planner is the source of truth: what it would create, chain or append is what is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { readManifest, type Manifest } from '../install/manifest.js';
import { planInstall, type InstallPlan } from '../install/plan.js';
import { checkRuntime } from './runtime.js';
import { rel } from './shared.js';
import type { Diagnostic } from './types.js';

/** One hook that git would not run dx-hooks for. */
interface Problem { hook: string; path: string; what: string }

const inside = (dir: string, root: string) => dir === root || dir.startsWith(root + path.sep);

/** Whether git may run `file` (git checks access(X_OK) too). */
export function runnable(file: string): boolean {
  try {
    return fs.statSync(file).isFile() && (fs.accessSync(file, fs.constants.X_OK), true);
  } catch {
    return false;
  }
}

/** What the plan says is absent (our block missing) or broken (not executable), and husky stubs git cannot run. */
function problemsOf(plan: InstallPlan): { problems: Problem[]; huskyStubs: Problem[] } {
  const problems: Problem[] = [];
  const huskyStubs: Problem[] = [];
  for (const a of plan.actions) {
    if (a.kind === 'create-hook') problems.push({ hook: a.hook, path: a.path, what: 'is missing' });
    else if (a.kind === 'chain-hook') problems.push({ hook: a.hook, path: a.path, what: 'is another hook without the dx-hooks block' });
    else if (a.kind === 'refresh-hook' && !runnable(a.path)) problems.push({ hook: a.hook, path: a.path, what: 'is not executable (git skips it)' });
    else if (a.kind === 'lefthook-chain') {
      a.hooks.forEach((hook, i) => {
        if (a.missing.includes(hook)) problems.push({ hook, path: a.hookPaths[i] as string, what: `is lefthook's now (lefthook renamed dx-hooks' stub to ${hook}.old, which it never runs) and ${path.basename(a.path)} has no dx-hooks job for it` });
      });
    } else if (a.kind === 'husky-append') problems.push({ hook: a.hook, path: a.path, what: a.createFile ? 'is missing' : 'has no dx-hooks block' });
    if ((a.kind === 'husky-append' || a.kind === 'husky-refresh') && !runnable(path.join(plan.hooksDir, a.hook))) {
      huskyStubs.push({ hook: a.hook, path: path.join(plan.hooksDir, a.hook), what: 'is missing or not executable' });
    }
  }
  return { problems, huskyStubs };
}

/**
 * Check the hooks of `ctx` (and, once installed, the runtime: see runtime.ts).
 * @param reinstall the shared re-install fix (reinstall.ts), called with the diagnostic's code
 */
export async function checkHooks(ctx: RepoContext, reinstall: (code: string) => Promise<string>): Promise<Diagnostic[]> {
  const m = readManifest(ctx);
  if (m === null) {
    return [{ code: 'HOOKS_MISSING', severity: 'error', message: `dx-hooks is not installed in ${ctx.top}: no hook mirrors work to the remote here`, fixable: true, hint: 'npx dx-hooks install', fix: () => reinstall('HOOKS_MISSING') }];
  }
  const out: Diagnostic[] = [];
  const manifest: Manifest | null = 'error' in m ? null : m;
  if (!manifest) out.push({ code: 'HOOKS_MISSING', id: 'HOOKS_MISSING:install.json', severity: 'error', message: `${path.join(ctx.dxDir, 'install.json')} is unreadable (${(m as { error: string }).error}): uninstall would not know what to put back`, fixable: true, hint: 'npx dx-hooks install (rewrites it)', fix: () => reinstall('HOOKS_MISSING') });
  let plan: InstallPlan;
  try {
    plan = await planInstall(ctx, { force: true });
  } catch (err) {
    if (!(err instanceof DxError)) throw err;
    out.push({ code: 'HOOKS_MISSING', id: `HOOKS_MISSING:${err.code}`, severity: 'error', message: err.message, fixable: false, hint: err.hint });
    return out;
  }
  const configured = (await gitTry(['config', '--get', 'core.hooksPath'], { cwd: ctx.top })).code === 0;
  const installedIn = manifest ? path.resolve(ctx.top, manifest.hooksDir) : null;
  const outside = !inside(plan.hooksDir, ctx.top) && !inside(plan.hooksDir, ctx.commonDir);
  // Outside the repository, install refuses without --force: fixable only where it was installed with --force before.
  const canFix = !outside || installedIn === plan.hooksDir;
  const fixFor = (code: string) => (canFix ? { fixable: true, fix: () => reinstall(code) } : { fixable: false });
  const where = rel(ctx.top, plan.hooksDir);
  const wasHusky = !!manifest && Object.values(manifest.hooks).some((h) => h.kind.startsWith('husky'));
  if (configured && wasHusky && !plan.huskyDir && installedIn === plan.hooksDir) {
    out.push({
      code: 'HOOKS_SHADOWED', severity: 'error', fixable: false,
      message: `core.hooksPath is ${where}, but husky's runtime ${rel(ctx.top, path.join(plan.hooksDir, 'h'))} is gone (a fresh clone before npm install, or a deleted folder): git runs neither husky's hooks nor dx-hooks'`,
      hint: 'Restore husky\'s hooks (npx husky, or npm install, which runs it), then run dx-hooks doctor again.',
    });
    return [...out, ...checkRuntime(ctx, plan, reinstall)];
  }
  const { problems, huskyStubs } = problemsOf(plan);
  // `.husky/: pre-commit, post-commit is missing; .husky/_/: reference-transaction is missing`: seven missing hooks stay one line.
  const list = (ps: Problem[]) => {
    const groups = new Map<string, { head: string; what: string; hooks: string[] }>();
    for (const p of ps) {
      const head = `${rel(ctx.top, path.dirname(p.path))}/`;
      const g = groups.get(JSON.stringify([head, p.what])) ?? { head, what: p.what, hooks: [] };
      g.hooks.push(p.hook);
      groups.set(JSON.stringify([head, p.what]), g);
    }
    return [...groups.values()].map((g) => `${g.head}: ${g.hooks.join(', ')} ${g.what}`).join('; ');
  };
  if (problems.length && configured && installedIn !== null && installedIn !== plan.hooksDir) {
    out.push({
      code: 'HOOKS_SHADOWED', severity: 'error', ...fixFor('HOOKS_SHADOWED'),
      message: `core.hooksPath is ${where}, set after dx-hooks was installed in ${rel(ctx.top, installedIn)} (by husky or another hook manager): git runs only the hooks there, so dx-hooks never runs (${list(problems)})`,
      hint: canFix ? 'dx-hooks doctor --fix (installs again where git looks: adds dx-hooks to husky\'s hook files, as install does)' : `core.hooksPath is outside this repository: unset it (git config --unset core.hooksPath) or install there with dx-hooks install --force`,
    });
  } else {
    for (const p of problems) {
      // Under husky, dx-hooks' own stub (reference-transaction) lives in husky's `_` folder, which husky and fresh clones recreate.
      const inHuskyUnderscore = plan.huskyDir !== null && path.dirname(p.path) === plan.hooksDir;
      const code = inHuskyUnderscore ? 'HOOKS_SHADOWED' : 'HOOKS_MISSING';
      const message = inHuskyUnderscore
        ? `husky's ${where} no longer holds dx-hooks' ${p.hook} stub (${rel(ctx.top, p.path)} ${p.what}; husky or a fresh clone recreated the folder)`
        : `the ${p.hook} hook ${rel(ctx.top, p.path)} ${p.what}: git does not run dx-hooks for ${p.hook}`;
      out.push({ code, id: `${code}:${p.path}`, severity: 'error', message, ...fixFor(code), hint: canFix ? 'dx-hooks doctor --fix (or npx dx-hooks install)' : 'npx dx-hooks install --force' });
    }
  }
  if (huskyStubs.length) {
    out.push({
      code: 'HOOKS_SHADOWED', id: 'HOOKS_SHADOWED:husky-stubs', severity: 'error', fixable: false,
      message: `husky's stubs in ${list(huskyStubs)}: git runs nothing for ${huskyStubs.map((p) => p.hook).join(', ')}, neither husky's hook nor dx-hooks'`,
      hint: 'npx husky (rewrites husky\'s stubs in .husky/_), then dx-hooks doctor',
    });
  }
  return [...out, ...checkRuntime(ctx, plan, reinstall)];
}
