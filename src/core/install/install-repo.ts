/**
 * `install` as data: plan, ledger line, hook files, the first hook state and the machine config's
 * repository list, in that order. The command prints what this returns; tests that only need an
 * installed repository call it in-process.
 */
import type { RepoContext } from '../context.js';
import { openRepo } from '../context.js';
import { ledgerHost } from '../host.js';
import { appendLedger } from '../ledger.js';
import { commitAdvice, type CommitAdvice } from './advice.js';
import { applyInstall } from './apply.js';
import type { Manifest } from './manifest.js';
import { describeAction, planInstall, type InstallPlan } from './plan.js';

/** What an install did: the plan and its lines, the manifest written, where the repository was registered, and what went wrong after the hooks were in place. */
export interface InstallResult {
  ctx: RepoContext;
  plan: InstallPlan;
  /** one line per planned action (describeAction) */
  lines: string[];
  manifest: Manifest;
  /** the machine config file the repository was added to; null when it was listed already */
  registered: string | null;
  advice: CommitAdvice;
  /** failures after the hooks were written (config unreadable, machine config unwritable): the install stands */
  warnings: string[];
}

/**
 * Install dx-hooks in the repository at `cwd`. Writes the ledger line first (DESIGN §6), and a
 * failed apply is recorded too.
 * @throws DxError NOT_A_REPO, INSTALL_CONFLICT (from planInstall), or what applyInstall throws (a symbolic link in the way)
 */
export async function installRepo(cwd: string, opts: { force?: boolean } = {}): Promise<InstallResult> {
  const ctx = await openRepo(cwd);
  const plan = await planInstall(ctx, { force: opts.force });
  const lines = plan.actions.map((a) => describeAction(a, ctx.top));
  appendLedger(ctx, { host: await ledgerHost(), op: 'install.start', ok: true, detail: { hooksDir: plan.hooksDir, husky: plan.huskyDir, actions: lines } });
  let manifest: Manifest;
  try {
    manifest = applyInstall(ctx, plan);
  } catch (err) {
    appendLedger(ctx, { host: await ledgerHost(), op: 'install', ok: false, error: (err as Error).message });
    throw err;
  }
  const warnings: string[] = [];
  // Tell the shims the push mode now, so the very first commit already follows .dxrc.
  try {
    const { openSession } = await import('../session.js');
    const { writeHookState } = await import('../hookstate/write.js');
    await writeHookState(await openSession(cwd));
  } catch (err) {
    warnings.push(`installed, but the config cannot be read: ${(err as Error).message}`);
  }
  // Batch commands (status, sync and checkpoint with --all) find the repository in the machine config's list.
  let registered: string | null = null;
  try {
    const { registerRepo, machineConfigPath } = await import('../machine.js');
    if (await registerRepo(ctx.top)) registered = machineConfigPath();
  } catch (err) {
    warnings.push(`installed, but not added to the machine config's repository list: ${(err as Error).message}`);
  }
  appendLedger(ctx, { host: await ledgerHost(), op: 'install', ok: true, paths: Object.values(manifest.hooks).map((h) => h.path), detail: { hooksDir: plan.hooksDir, husky: plan.huskyDir } });
  return { ctx, plan, lines, manifest, registered, advice: commitAdvice(plan, ctx.top, ctx.commonDir), warnings };
}
