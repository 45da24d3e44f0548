/** `dx-hooks batch-lane` (internal): one lane of a batch over many repositories (lanes.ts); started by the batch itself, over IPC. */
import { DxError, EXIT } from '../core/errors.js';

/** Serve the parent until it disconnects, then exit 0 at once. Exit 2 when started without an IPC channel (by hand). */
export async function run(): Promise<number> {
  if (!process.send) throw new DxError('NOT_A_LANE', 'batch-lane is internal: a batch over many repositories starts it', 'Run the batch command instead, e.g. dx-hooks status --repos <paths…> --parallel 2', EXIT.USAGE);
  const { serveLane } = await import('./lanes.js');
  await serveLane();
  // The parent is gone or done: a repository still in progress here is abandoned as the parent's own
  // would be (its git processes finish on their own); waiting for them would keep an orphan alive.
  process.exit(0);
}
