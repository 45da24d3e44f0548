/**
 * Doctor's index checks (DESIGN §4): `INDEX_CORRUPT` when `.dx/wip-index.json` on the remote's
 * `dx/index` does not validate, `INDEX_STALE` when it is out of step with the WIP refs the remote
 * really holds. Both are fixed by rebuilding the index from the WIP refs (what `index rebuild` does).
 * Reading fetches into a scratch ref that is dropped again: no ref of the user's changes.
 */
import { DxError } from '../errors.js';
import { gitLine, gitTry } from '../git.js';
import type { WipIndex } from '../wipindex/format.js';
import { INDEX_REF, readIndexAt } from '../wipindex/store.js';
import type { Session } from '../session.js';
import { dropNamespace, fetchQuiet, scratchNamespace } from '../wip/fetch.js';
import { parseWipRef } from '../wip/ref.js';
import { lastLines } from '../wip/remote.js';
import type { RemoteProbe } from './remote.js';
import type { Diagnostic } from './types.js';

/**
 * Where `index` disagrees with the WIP refs the remote holds (`refs`: ref → sha, as ls-remote
 * lists them), one phrase per problem: an entry whose sha is not the ref's tip, an entry whose
 * ref is gone, a WIP ref without an entry. Only refs under `prefix` are compared. Pure.
 */
export function indexDrift(index: WipIndex, refs: ReadonlyMap<string, string>, prefix: string): string[] {
  const out: string[] = [];
  const named = new Set<string>();
  for (const [key, e] of Object.entries(index.entries)) {
    if (!e.ref.startsWith(prefix + '/')) continue;
    named.add(e.ref);
    const tip = refs.get(e.ref);
    if (tip === undefined) out.push(`${key}: its ref ${e.ref} is not on the remote`);
    else if (tip !== e.sha) out.push(`${key}: the index says ${e.sha.slice(0, 12)}, ${e.ref} is at ${tip.slice(0, 12)}`);
  }
  for (const ref of [...refs.keys()].sort()) {
    if (parseWipRef(prefix, ref) && !named.has(ref)) out.push(`${ref} has no entry`);
  }
  return out;
}

/** Read the index at the remote tip `tip` (fetched into a scratch ref when not here yet). */
async function readRemoteIndex(s: Session, remote: string, tip: string): Promise<{ index: WipIndex } | { error: string }> {
  const { ctx } = s;
  let commit = tip;
  if ((await gitTry(['cat-file', '-e', `${tip}^{commit}`], { cwd: ctx.top })).code !== 0) {
    const ns = scratchNamespace();
    try {
      const r = await fetchQuiet(ctx, remote, [`+${INDEX_REF}:${ns}/index`]);
      if (r.code !== 0) throw new DxError('REMOTE_UNREACHABLE', `cannot fetch ${INDEX_REF} from "${remote}": ${lastLines(r.stderr)}`, 'Check the network and the remote URL (git remote -v).');
      commit = await gitLine(['rev-parse', `${ns}/index`], { cwd: ctx.top });
    } finally {
      await dropNamespace(ctx, ns);
    }
  }
  return readIndexAt(ctx, commit, undefined, { keepCopy: false });
}

/**
 * Check the index on the probed remote. `configOk` false (invalid `.dxrc`): corruption is still
 * reported, but staleness needs the configured WIP prefix and is skipped, and no fix is offered.
 * @param rebuild the shared rebuild fix (rebuild.ts), called with the diagnostic's code
 */
export async function checkIndex(s: Session, configOk: boolean, probe: RemoteProbe, rebuild: (code: string) => Promise<string>): Promise<Diagnostic[]> {
  const prefix = s.config.wip.refPrefix;
  const fix = (code: string) => (configOk ? { fixable: true, fix: () => rebuild(code) } : { fixable: false });
  const hint = configOk ? 'dx-hooks doctor --fix (or dx-hooks index rebuild)' : 'Fix .dxrc first (CONFIG_INVALID), then: dx-hooks index rebuild';
  const tip = probe.refs.get(INDEX_REF);
  if (!tip) {
    const wip = [...probe.refs.keys()].filter((r) => parseWipRef(prefix, r));
    if (!wip.length || !configOk) return [];
    return [{ code: 'INDEX_STALE', severity: 'warning', ...fix('INDEX_STALE'), hint, message: `"${probe.remote}" holds ${wip.length} WIP ref(s) but no ${INDEX_REF}: other hosts' status and restore cannot find them` }];
  }
  const read = await readRemoteIndex(s, probe.remote, tip);
  if ('error' in read) {
    return [{ code: 'INDEX_CORRUPT', severity: 'error', ...fix('INDEX_CORRUPT'), hint, message: `the index on "${probe.remote}" (${INDEX_REF} at ${tip.slice(0, 12)}) is corrupt: ${read.error}` }];
  }
  if (!configOk) return [];
  const drift = indexDrift(read.index, probe.refs, prefix);
  if (!drift.length) return [];
  const shown = drift.slice(0, 5).join('; ') + (drift.length > 5 ? `; and ${drift.length - 5} more` : '');
  return [{ code: 'INDEX_STALE', severity: 'warning', ...fix('INDEX_STALE'), hint, message: `the index on "${probe.remote}" is out of step with its WIP refs: ${shown}` }];
}
