/** `dx-hooks install [--dry-run] [--json]`: write the hook stubs, the runtime and `.dxrc.json`. */
import pc from 'picocolors';
import { openRepo } from '../core/context.js';
import { commitAdvice } from '../core/install/advice.js';
import { applyInstall } from '../core/install/apply.js';
import { describeAction, planInstall } from '../core/install/plan.js';
import { ledgerHost } from '../core/host.js';
import { appendLedger } from '../core/ledger.js';
import { errLine, out, printJson } from './common.js';

/** Plan and apply the install in the repository at `opts.cwd`. Returns the exit code (0). @throws DxError NOT_A_REPO, INSTALL_CONFLICT */
export async function run(opts: { dryRun?: boolean; json?: boolean; force?: boolean; cwd: string }): Promise<number> {
  const ctx = await openRepo(opts.cwd);
  const plan = await planInstall(ctx, { force: opts.force });
  const lines = plan.actions.map((a) => describeAction(a, ctx.top));
  if (opts.dryRun) {
    if (opts.json) printJson({ dryRun: true, ...plan });
    else {
      out(`dx-hooks install would, in ${ctx.top}:`);
      lines.forEach((l) => out(`  - ${l}`));
      plan.notes.forEach((n) => out(`  note: ${n}`));
    }
    return 0;
  }
  // The ledger line comes first (DESIGN §6); a failure is recorded too.
  appendLedger(ctx, { host: await ledgerHost(), op: 'install.start', ok: true, detail: { hooksDir: plan.hooksDir, husky: plan.huskyDir, actions: lines } });
  let manifest;
  try {
    manifest = applyInstall(ctx, plan);
  } catch (err) {
    appendLedger(ctx, { host: await ledgerHost(), op: 'install', ok: false, error: (err as Error).message });
    throw err;
  }
  // Tell the shims the push mode now, so the very first commit already follows .dxrc.
  try {
    const { openSession } = await import('../core/session.js');
    const { writeHookState } = await import('../core/hookstate/write.js');
    await writeHookState(await openSession(opts.cwd));
  } catch (err) {
    errLine(`dx-hooks: installed, but the config cannot be read: ${(err as Error).message}`);
  }
  // Batch commands (status, sync and checkpoint with --all) find the repository in the machine config's list.
  let registered: string | null = null;
  try {
    const { registerRepo, machineConfigPath } = await import('../core/machine.js');
    if (await registerRepo(ctx.top)) registered = machineConfigPath();
  } catch (err) {
    errLine(`dx-hooks: installed, but not added to the machine config's repository list: ${(err as Error).message}`);
  }
  appendLedger(ctx, { host: await ledgerHost(), op: 'install', ok: true, paths: Object.values(manifest.hooks).map((h) => h.path), detail: { hooksDir: plan.hooksDir, husky: plan.huskyDir } });
  const advice = commitAdvice(plan, ctx.top, ctx.commonDir);
  if (opts.json) printJson({ dryRun: false, ...plan, manifest, registered, advice });
  else {
    out(pc.green(`✔ dx-hooks installed in ${ctx.top}`));
    lines.forEach((l) => out(`  - ${l}`));
    plan.notes.forEach((n) => out(`  note: ${n}`));
    if (registered) out(`  - added ${ctx.top} to the repositories of ${registered} (for the --all of status, sync and checkpoint)`);
    // Plainly what is shared and what is not (issue 11): the config and husky's files go into the repository; the rest is this clone's.
    if (advice.commit.length) {
      out('What to commit (shared with everyone who clones the repository):');
      advice.commit.forEach((c) => out(`    ${c.path}: ${c.why}`));
      if (advice.command) out(`  run: ${advice.command}`);
    }
    out('What not to commit (local to this clone):');
    advice.local.forEach((c) => out(`    ${c.path}: ${c.why}`));
    out(`Every commit is now mirrored to ${pc.bold('refs/heads/wip/<host>/<branch>')} on the remote. Turn off for one command: DX_HOOKS=0 git …; remove: npx dx-hooks uninstall`);
  }
  return 0;
}
