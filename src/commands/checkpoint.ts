/** `dx-hooks checkpoint [-m message] [--json]`: snapshot the work tree now and push it as this host's WIP, in the foreground. */
import pc from 'picocolors';
import { parseSize } from '../core/config/schema.js';
import { appendLedger } from '../core/ledger.js';
import { acquireLock } from '../core/lock.js';
import { dxPaths } from '../core/context.js';
import { DxError } from '../core/errors.js';
import { openSession } from '../core/session.js';
import { takeSnapshot } from '../core/snapshot.js';
import { mirror } from '../core/wip/mirror.js';
import { out, printJson, retryPending, warn } from './common.js';

/** Snapshot and push in the foreground. Returns 1 when the push failed (the snapshot is kept locally), else 0. */
export async function run(opts: { message?: string; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  await retryPending(s, true);
  const snap = await takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), host: s.host, message: opts.message });
  appendLedger(s.ctx, { host: s.host, op: 'snapshot', ok: true, refs: {}, detail: { sha: snap.sha, base: snap.base, dirty: snap.dirty, excluded: snap.excluded } });
  const release = await acquireLock(dxPaths(s.ctx).lock, 30_000);
  if (!release) throw new DxError('LOCKED', 'another dx-hooks worker has held the lock for 30 s', 'Try again in a moment; `dx-hooks status` shows what is pending.');
  let report;
  try {
    report = await mirror(s, [{ branch: snap.branch, sha: snap.sha, base: snap.base, dirty: snap.dirty }]);
  } finally {
    await release();
  }
  const failed = report.failed[0];
  if (opts.json) printJson({ snapshot: snap, pushed: report.pushed, failed: report.failed, index: report.index });
  else {
    for (const x of snap.excluded) warn(`left out of the snapshot: ${x.path} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : 'matches wip.exclude'})`);
    if (failed) warn(`✖ checkpoint ${snap.sha.slice(0, 12)} is kept locally but NOT on the remote: ${failed.error}\n  It is retried on the next hook or command; see dx-hooks status.`);
    else out(pc.green(`✔ checkpoint ${snap.sha.slice(0, 12)} ${snap.dirty ? '(with uncommitted work) ' : ''}pushed to ${report.pushed[0]?.ref ?? 'the WIP ref (already up to date)'}`));
    for (const i of report.index.filter((x) => !x.ok)) warn(`index update failed (retried later): ${i.error}`);
  }
  return failed ? 1 : 0;
}
