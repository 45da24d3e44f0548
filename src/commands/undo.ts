/** `dx-hooks undo [--list] [--force] [--json] [ID]`: list what can be undone, or reverse one operation (itself undoable). */
import pc from 'picocolors';
import { openSession } from '../core/session.js';
import { age } from '../core/time.js';
import { undo } from '../core/undo/apply.js';
import { listUndoable } from '../core/undo/list.js';
import { out, printJson, safe, warn } from './common.js';

/** List, or undo one. Returns 0, or 1 when the undo was done locally but its remote push failed. */
export async function run(opts: { id?: string; list?: boolean; force?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  if (opts.list) {
    const { entries, invalid } = await listUndoable(s.ctx);
    if (opts.json) {
      printJson({ entries: entries.map(({ event: _event, ...e }) => e), invalid });
      return 0;
    }
    if (invalid) warn(`${invalid} unreadable ledger line(s) skipped (torn or foreign): dx-hooks log --json counts them; undo without an id refuses while one is newer than the newest undoable event`);
    if (!entries.length) out('Nothing to undo yet.');
    else out('Undoable operations, newest first (dx-hooks undo <id>):');
    for (const e of entries) {
      const mark = e.undoneBy ? pc.dim(` (undone by ${e.undoneBy})`) : e.failed ? pc.yellow(' (failed part-way)') : '';
      out(`  ${safe(e.id)}  ${age(e.ts).padEnd(8)} ${safe(e.host)}  ${pc.bold(safe(e.op))}  ${safe(e.summary)}${mark}`);
    }
    return 0;
  }
  const r = await undo(s, opts.id, { force: opts.force });
  if (opts.json) printJson(r);
  else {
    out(pc.green(`✔ undid ${safe(r.undid.op)} ${safe(r.undid.id)}: ${safe(r.undid.summary)}`));
    for (const [ref, v] of Object.entries(r.refs)) out(`    ${ref} ${v.old?.slice(0, 12) ?? '∅'} → ${v.new?.slice(0, 12) ?? '(deleted)'}`);
    if (r.worktree) out(`    work tree and index put back to snapshot ${r.worktree.slice(0, 12)}`);
    if (r.carried) out('    the work tree followed the branch (as git checkout would)');
    for (const p of r.kept) warn(`left as it is (not in the snapshot: secret, big or ignored file): ${safe(p)}`);
    out(`  the state before this undo is snapshot ${r.snapshot.slice(0, 12)}; reverse this undo: dx-hooks undo ${r.id}`);
  }
  if (r.push && !r.push.ok) {
    warn(`✖ undone locally, but the remote "${r.push.remote}" was NOT updated (${r.push.refs.join(', ')}): ${r.push.error}`);
    return 1;
  }
  return 0;
}
