/** `dx-hooks index show [--json]` and `dx-hooks index rebuild`: the index branch (DESIGN §4). */
import pc from 'picocolors';
import { DxError } from '../core/errors.js';
import { entriesNewestFirst } from '../core/wipindex/format.js';
import { rebuildIndex } from '../core/wipindex/rebuild.js';
import { fetchIndexTip, INDEX_REF, readIndexAt } from '../core/wipindex/store.js';
import { headState } from '../core/head.js';
import { openSession } from '../core/session.js';
import { age } from '../core/time.js';
import { resolveRemote } from '../core/wip/remote.js';
import { out, printJson, safe } from './common.js';

/** Print the remote index. @throws DxError INDEX_MISSING, INDEX_CORRUPT (exit 1) */
export async function show(opts: { json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  const tip = await fetchIndexTip(s.ctx, remote);
  if (!tip) throw new DxError('INDEX_MISSING', `${remote} has no ${INDEX_REF} yet`, 'It is created by the first WIP push; or run: dx-hooks index rebuild');
  const read = await readIndexAt(s.ctx, tip);
  if ('error' in read) throw new DxError('INDEX_CORRUPT', `the index on ${remote} is corrupt: ${read.error}`, 'Rebuild it from the WIP refs: dx-hooks index rebuild');
  if (opts.json) {
    printJson(read.index);
    return 0;
  }
  out(pc.bold(`${INDEX_REF} on ${safe(remote)}`) + ` (${safe(read.index.repo)}, updated ${age(read.index.updated)})`);
  for (const e of entriesNewestFirst(read.index)) out(`  ${safe(e.host).padEnd(12)} ${safe(e.branch).padEnd(24)} ${safe(e.sha.slice(0, 12))} ${age(e.ts).padEnd(8)} ${e.dirty ? 'dirty ' : ''}${safe(e.message)}`);
  return 0;
}

/** Rebuild the remote index from the WIP refs and push it as a fast-forward. @throws DxError INDEX_PUSH_FAILED, REMOTE_UNREACHABLE */
export async function rebuild(opts: { json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch);
  const res = await rebuildIndex(s, remote);
  if (opts.json) printJson({ remote, commit: res.commit, index: res.index });
  else out(pc.green(`✔ rebuilt ${INDEX_REF} on ${remote} from ${res.entries} WIP ref(s)`));
  return 0;
}
