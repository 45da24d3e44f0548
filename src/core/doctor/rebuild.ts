/**
 * The fix of INDEX_CORRUPT and INDEX_STALE: rebuild the index from the WIP refs on the remote and
 * push it as a fast-forward, exactly as `dx-hooks index rebuild` does (entries written by another
 * host during the rebuild are kept). Run once per doctor run.
 */
import { rebuildIndex } from '../wipindex/rebuild.js';
import { INDEX_REF } from '../wipindex/store.js';
import { appendLedger } from '../ledger.js';
import type { Session } from '../session.js';
import { once } from './shared.js';

/**
 * A rebuild fix for `remote`. The ledger line (`doctor.fix`) is written before the push, and an
 * `index.rebuild` line after it, as the command writes.
 * @returns a function running the rebuild once and describing it
 * @throws (from the returned function) DxError REMOTE_UNREACHABLE, INDEX_PUSH_FAILED
 */
export function rebuilder(s: Session, remote: string): (code: string) => Promise<string> {
  let firstCode = '';
  const run = once(async () => {
    appendLedger(s.ctx, { host: s.host, op: 'doctor.fix', ok: true, detail: { code: firstCode, fix: 'index rebuild', remote } });
    const { entries } = await rebuildIndex(s, remote, 'doctor');
    return `rebuilt ${INDEX_REF} on "${remote}" from ${entries} WIP ref(s)`;
  });
  return (code: string) => {
    firstCode ||= code;
    return run();
  };
}
