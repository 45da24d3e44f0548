/** `dx-hooks install [--dry-run] [--json]`: write the hook stubs, the runtime and `.dxrc.json`. */
import pc from 'picocolors';
import { openRepo } from '../core/context.js';
import { installRepo } from '../core/install/install-repo.js';
import { describeAction, planInstall } from '../core/install/plan.js';
import { errLine, out, printJson } from './common.js';

/** Plan and apply the install in the repository at `opts.cwd`. Returns the exit code (0). @throws DxError NOT_A_REPO, INSTALL_CONFLICT */
export async function run(opts: { dryRun?: boolean; json?: boolean; force?: boolean; cwd: string }): Promise<number> {
  if (opts.dryRun) {
    const ctx = await openRepo(opts.cwd);
    const plan = await planInstall(ctx, { force: opts.force });
    if (opts.json) printJson({ dryRun: true, ...plan });
    else {
      out(`dx-hooks install would, in ${ctx.top}:`);
      plan.actions.forEach((a) => out(`  - ${describeAction(a, ctx.top)}`));
      plan.notes.forEach((n) => out(`  note: ${n}`));
    }
    return 0;
  }
  const { ctx, plan, lines, manifest, registered, advice, warnings } = await installRepo(opts.cwd, { force: opts.force });
  warnings.forEach((w) => errLine(`dx-hooks: ${w}`));
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
