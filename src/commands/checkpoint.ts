/** `dx-hooks checkpoint [-m message] [--json]`: snapshot the work tree now and push it as this host's WIP, in the foreground. */
import pc from 'picocolors';
import { checkpoint } from '../core/checkpoint.js';
import { openSession } from '../core/session.js';
import { out, printJson, retryPending, warn } from './common.js';

/** Snapshot and push in the foreground. Returns 1 when the push failed (the snapshot is kept locally), else 0. */
export async function run(opts: { message?: string; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  await retryPending(s, true);
  const { snapshot: snap, report } = await checkpoint(s, opts.message);
  const failed = report.failed[0];
  if (opts.json) printJson({ snapshot: snap, pushed: report.pushed, failed: report.failed, index: report.index, warnings: report.warnings });
  else {
    report.warnings.forEach((w) => warn(w));
    for (const x of snap.excluded) warn(`left out of the snapshot: ${x.path} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : 'matches wip.exclude'})`);
    if (failed) warn(`✖ checkpoint ${snap.sha.slice(0, 12)} is kept locally but NOT on the remote: ${failed.error}\n  It is retried on the next hook or command; see dx-hooks status.`);
    else out(pc.green(`✔ checkpoint ${snap.sha.slice(0, 12)} ${snap.dirty ? '(with uncommitted work) ' : ''}pushed to ${report.pushed[0]?.ref ?? 'the WIP ref (already up to date)'}`));
    for (const i of report.index.filter((x) => !x.ok)) warn(`index update failed (retried later): ${i.error}`);
  }
  return failed ? 1 : 0;
}
