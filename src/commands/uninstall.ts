/** `dx-hooks uninstall [--dry-run]`: put every hook back exactly as it was before install. */
import path from 'node:path';
import pc from 'picocolors';
import { openRepo } from '../core/context.js';
import { gitLine } from '../core/git.js';
import { uninstall } from '../core/install/apply.js';
import { ledgerHost } from '../core/host.js';
import { appendLedger } from '../core/ledger.js';
import { errLine, out, printJson } from './common.js';

/** Undo the install in the repository at `opts.cwd`. Returns the exit code (0). @throws DxError NOT_A_REPO */
export async function run(opts: { dryRun?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const ctx = await openRepo(opts.cwd);
  const hooksDir = path.resolve(ctx.top, await gitLine(['rev-parse', '--git-path', 'hooks'], { cwd: ctx.top }));
  const report = uninstall(ctx, hooksDir, opts.dryRun);
  if (!opts.dryRun) {
    appendLedger(ctx, { host: await ledgerHost(), op: 'uninstall', ok: true, detail: { done: report.done } });
    try {
      const { registerRepo, machineConfigPath } = await import('../core/machine.js');
      if (await registerRepo(ctx.top, true)) report.done.push(`removed ${ctx.top} from the repositories of ${machineConfigPath()}`);
    } catch (err) {
      errLine(`dx-hooks: uninstalled, but the machine config's repository list was not updated: ${(err as Error).message}`);
    }
  }
  if (opts.json) printJson({ dryRun: !!opts.dryRun, ...report });
  else {
    out(opts.dryRun ? 'dx-hooks uninstall would:' : pc.green('✔ dx-hooks uninstalled'));
    report.done.forEach((l) => out(`  - ${l}`));
    report.kept.forEach((l) => out(`  - kept ${l}`));
  }
  return 0;
}
