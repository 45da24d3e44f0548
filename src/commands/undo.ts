/** `dx-hooks undo [--list] [--dry-run] [--force] [--json] [ID]`: list what can be undone, or reverse one operation (itself undoable), naming it first. */
import pc from 'picocolors';
import { openSession } from '../core/session.js';
import { age } from '../core/time.js';
import { applyUndo, planUndo, type UndoPlan } from '../core/undo/apply.js';
import { listUndoable } from '../core/undo/list.js';
import { shellQuote } from '../core/text/shell.js';
import { out, printJson, safe, warn } from './common.js';

/** The lines that say what the plan changes (refs, work tree, stash, remote). */
function planLines(p: UndoPlan): string[] {
  const lines: string[] = [];
  for (const [ref, v] of Object.entries(p.refs)) lines.push(`    ${safe(ref)} ${v.old?.slice(0, 12) ?? '∅'} → ${v.new?.slice(0, 12) ?? '(deleted)'}`);
  if (p.worktree) lines.push(`    work tree and index put back to snapshot ${p.worktree.slice(0, 12)}`);
  if (p.carry) lines.push('    the work tree follows the branch (as git checkout would)');
  for (const e of p.stash?.added ?? []) lines.push(`    stash entry ${e.sha.slice(0, 12)} put back: ${safe(e.message)}`);
  for (const e of p.stash?.dropped ?? []) lines.push(`    stash entry ${e.sha.slice(0, 12)} dropped (kept under refs/dx/undo/): ${safe(e.message)}`);
  if (p.push) lines.push(`    then mirrored to ${safe(p.push.remote)}: ${p.push.refs.map(safe).join(', ')}`);
  return lines;
}

const named = (p: UndoPlan) => `${safe(p.event.op)} ${safe(p.event.id)} (${age(p.event.ts)}, host ${safe(p.event.host)}): ${safe(p.event.summary)}`;

/** List, plan, or undo one. Returns 0, or 1 when the undo was done locally but its remote push failed. */
export async function run(opts: { id?: string; list?: boolean; force?: boolean; dryRun?: boolean; json?: boolean; cwd: string }): Promise<number> {
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
  const plan = await planUndo(s, opts.id, { force: opts.force, dryRun: opts.dryRun });
  if (opts.dryRun) {
    if (opts.json) {
      printJson({ dryRun: true, undo: plan.event, refs: plan.refs, worktree: plan.worktree, carry: plan.carry, stash: plan.stash?.added ?? [], stashDropped: plan.stash?.dropped ?? [], push: plan.push });
      return 0;
    }
    out(`would undo ${named(plan)}`);
    const lines = planLines(plan);
    for (const l of lines.length ? lines : ['    (nothing left to change)']) out(l);
    out(pc.dim(`  nothing was changed (dry run); do it: dx-hooks undo ${shellQuote(plan.event.id)}${opts.force ? ' --force' : ''}`));
    return 0;
  }
  if (!opts.json) out(`undoing ${named(plan)}`);
  const r = await applyUndo(s, plan, { force: opts.force });
  if (opts.json) printJson(r);
  else {
    for (const l of planLines(plan)) out(l);
    for (const p of r.kept) warn(`left as it is (not in the snapshot: secret, big or ignored file): ${safe(p)}`);
    out(pc.green(`✔ undid ${safe(r.undid.op)} ${safe(r.undid.id)}`));
    out(`  the state before this undo is snapshot ${r.snapshot.slice(0, 12)}; reverse this undo: dx-hooks undo ${r.id}`);
  }
  if (r.push && !r.push.ok) {
    warn(`✖ undone locally, but the remote "${r.push.remote}" was NOT updated (${r.push.refs.join(', ')}): ${r.push.error}`);
    return 1;
  }
  return 0;
}
