/**
 * Doctor's checks of the hook runtime that install copies to `<git-common-dir>/dx/hooks/`:
 * `HOOKS_MISSING` when it (or the CLI it starts) is gone — every hook then only warns — and
 * `HOOKS_OUTDATED` when it, a stub or a husky block is not this package's version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../context.js';
import { readStoreText } from '../store/read.js';
import { asset, BEGIN, END, packageVersion } from '../install/assets.js';
import { fallbackCli } from '../install/fallback-cli.js';
import type { InstallPlan } from '../install/plan.js';
import { rel } from './shared.js';
import type { Diagnostic } from './types.js';

const RUNTIME_FILES = ['runtime.sh', 'version', 'cli-path', 'node-path'];

/** The dx-hooks block of a hook file's text (BEGIN to END, inclusive), or null. */
export function blockOf(text: string): string | null {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  return start < 0 || end < 0 ? null : text.slice(start, end + END.length);
}

/** Why the installed runtime, stubs and husky blocks are not this version's, one phrase each (empty: current). */
function outdatedReasons(ctx: RepoContext, plan: InstallPlan, dir: string): string[] {
  const reasons: string[] = [];
  const version = readStoreText(path.join(dir, 'version'))?.trim();
  const mine = packageVersion();
  if (version !== undefined && version !== mine) reasons.push(`the runtime is version ${version || '(empty)'}`);
  const runtime = readStoreText(path.join(dir, 'runtime.sh'));
  if (runtime !== null && runtime !== asset('hooks/runtime.sh')) reasons.push('runtime.sh differs from this version\'s');
  const stub = asset('hooks/stub.sh');
  const huskyBlock = blockOf(asset('hooks/husky-block.sh'));
  const stale: string[] = [];
  for (const a of plan.actions) {
    if (a.kind === 'refresh-hook' && readStoreText(a.path) !== stub) stale.push(rel(ctx.top, a.path));
    if (a.kind === 'husky-refresh' && blockOf(readStoreText(a.path) ?? '') !== huskyBlock) stale.push(rel(ctx.top, a.path));
  }
  if (stale.length) reasons.push(`the dx-hooks block of ${stale.join(', ')} differs from this version's`);
  return reasons;
}

/**
 * Check the runtime of `ctx` against this package. `plan` is the install plan for the hooks git
 * runs (which stub files and husky blocks exist). `reinstall` is the shared fix.
 */
export function checkRuntime(ctx: RepoContext, plan: InstallPlan, reinstall: (code: string) => Promise<string>): Diagnostic[] {
  const dir = dxPaths(ctx).hooksDir;
  const out: Diagnostic[] = [];
  const missing = RUNTIME_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    out.push({
      code: 'HOOKS_MISSING', id: 'HOOKS_MISSING:runtime', severity: 'error', fixable: true, fix: () => reinstall('HOOKS_MISSING'),
      message: `the hook runtime ${dir} lacks ${missing.join(', ')}: every hook only prints a warning and nothing is backed up`,
      hint: 'dx-hooks doctor --fix (or npx dx-hooks install)',
    });
  }
  const cli = readStoreText(path.join(dir, 'cli-path'))?.trim();
  if (cli !== undefined && !fs.existsSync(cli) && !fallbackCli(ctx.top)) {
    out.push({
      code: 'HOOKS_MISSING', id: 'HOOKS_MISSING:cli', severity: 'error', fixable: true, fix: () => reinstall('HOOKS_MISSING'),
      message: `the dx-hooks CLI the hooks start (${cli || 'none recorded'}) is gone, and there is no dx-hooks in ${rel(ctx.top, path.join(ctx.top, 'node_modules'))} nor on PATH: the hooks cannot back anything up`,
      hint: 'dx-hooks doctor --fix (records this dx-hooks), or npm install dx-hooks in this repository',
    });
  }
  const reasons = outdatedReasons(ctx, plan, dir);
  if (reasons.length) {
    out.push({
      code: 'HOOKS_OUTDATED', severity: 'warning', fixable: true, fix: () => reinstall('HOOKS_OUTDATED'),
      message: `the installed hooks are not those of this dx-hooks (${packageVersion()}): ${reasons.join('; ')}`,
      hint: 'dx-hooks doctor --fix (or npx dx-hooks install) installs this version\'s runtime and stubs',
    });
  }
  return out;
}
