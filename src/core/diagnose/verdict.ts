/**
 * The verdict: a PURE function from the facts about one path (state, full history, dx-hooks lines,
 * ref tips) to one code and the one command that brings the path back. Pure so every case is a
 * table test. Precedence, when several codes could apply:
 *
 * Present in the work tree:
 *   1. LOST_EXEC_BIT uncommitted — HEAD has it 100755, the work tree lost every x bit.
 *   2. LOST_EXEC_BIT <sha>       — HEAD has it 100644 and the newest mode change on HEAD's history
 *                                   was a commit dropping +x (100755 → 100644), the work tree too.
 *   3. OK.
 * Missing from the work tree:
 *   4. REMOVED_BY_DX <id>        — a dx-hooks operation (checkpoint restore, sync reset, undo …)
 *      removed it, and nothing shows the path alive after it (no later commit on HEAD's history or
 *      in this host's own snapshots, no later guard restore, not staged while HEAD lacks it). It beats the codes below because it
 *      is the recorded, most specific cause, and its snapshot holds the exact bytes lost — e.g. a
 *      sync reset that removed a file the remote had deleted in a commit is REMOVED_BY_DX, with that
 *      commit named in the detail.
 *   5. DELETED_UNCOMMITTED       — in HEAD or the index, not in the work tree.
 *   6. DELETED_IN_COMMIT <sha>   — the newest commit on HEAD's history that deleted (or renamed) it.
 *   7. ONLY_ON_OTHER_REF <ref>   — HEAD's history never had it; the best ref whose tip has it
 *      (a branch, then another host's WIP, then remote branches, checkpoints, tags, stash, refs/dx).
 *   8. DELETED_IN_COMMIT <sha>   — deleted in a commit on another ref (no ref tip has it any more).
 *   9. ONLY_ON_OTHER_REF <sha>   — some commit had it (or its older name), no deletion and no tip was
 *      found (a merge dropped it): the newest such commit; failing that, DELETED_IN_COMMIT of the
 *      newest commit that touched it at all. A path any commit knew never goes further down.
 *  10. DELETED_UNCOMMITTED (fix: none) — only dx-hooks or guard lines know the path (an untracked file
 *      no commit or snapshot ever held): it is NEVER called NEVER_EXISTED.
 *  11. NEVER_EXISTED             — no commit, WIP ref, snapshot, ledger or telemetry line ever had it.
 * A folder is judged like a file, its files' changes counting as its own.
 */
import type { DxRemoval, Mention } from './evidence.js';
import type { HistoryEntry } from './history.js';
import { fromCwd, operand, shellQuote, under } from './paths.js';
import type { PathState } from './state.js';
import type { RefTip } from './tips.js';

export const VERDICT_CODES = ['OK', 'NEVER_EXISTED', 'DELETED_IN_COMMIT', 'DELETED_UNCOMMITTED', 'REMOVED_BY_DX', 'ONLY_ON_OTHER_REF', 'LOST_EXEC_BIT'] as const;
export type VerdictCode = (typeof VERDICT_CODES)[number];

/**
 * Everything known about one path (`shown`, `up`: see NamedPath). `history`: ALL of it, newest first (never narrowed by --since).
 * `onHead`: the shas (of those checked) that HEAD's history contains — unchecked ones count as not.
 * `own`: shas of this host's own snapshots and WIP commits. `renamed`: deletion sha → the new name
 * when that commit renamed the path away. `removals`: dx-hooks lines that removed it, newest first.
 * `mentions`: ledger and telemetry lines naming it, newest first. `tips`: refs whose tip has it, best first.
 */
export interface Facts {
  path: string;
  shown: string;
  up: string;
  host: string;
  state: PathState;
  history: readonly HistoryEntry[];
  onHead: ReadonlySet<string>;
  own: ReadonlySet<string>;
  renamed: ReadonlyMap<string, string>;
  removals: readonly DxRemoval[];
  mentions: readonly Mention[];
  tips: readonly RefTip[];
}

/** One verdict: the code, what it points at (sha, ref, ledger id; `uncommitted` for a work-tree-only loss), a sentence, and the fix (null: nothing can bring it back). */
export interface Verdict { code: VerdictCode; sha?: string; ref?: string; id?: string; uncommitted?: true; detail: string; fix: string | null }

const ZERO = '000000';
const utc = (ts: number) => `${new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const commitText = (e: HistoryEntry) => `${e.sha.slice(0, 12)} by ${e.author} <${e.email}> on ${utc(e.committed)}: "${e.subject}"`;
const KIND_WORDS: Record<RefTip['kind'], string> = {
  branch: 'a local branch', wip: 'a WIP ref', pushed: 'a WIP ref as this host last pushed or restored it', remote: 'a remote branch',
  checkpoint: 'a checkpoint', tag: 'a tag', stash: 'the stash', dx: 'a dx-hooks snapshot or undo ref', other: 'a ref',
};

/** What follows the code when it is shown: the sha, ledger id, ref, or `uncommitted`. */
export function verdictArg(v: Verdict): string {
  if (v.code === 'REMOVED_BY_DX') return v.id ?? '';
  if (v.code === 'ONLY_ON_OTHER_REF') return v.ref ?? '';
  if (v.code === 'LOST_EXEC_BIT' && v.uncommitted) return 'uncommitted';
  return v.sha ?? '';
}

/** Whether anything shows the path alive in this work tree's line after `ts` (so a removal then is not the current cause). */
function aliveAfter(f: Facts, ts: number): boolean {
  const commit = f.history.some((e) => e.committed > ts && under(e.path, f.path) && (f.onHead.has(e.sha) || (f.own.has(e.sha) && e.newMode !== ZERO)));
  const restored = f.mentions.some((m) => m.ts > ts && (m.source === 'ledger'
    ? m.ok && m.op === 'guard.repair' && m.how.includes('paths')
    : m.host === f.host && (m.event === 'critical_restored' || m.event === 'critical_not_executable')));
  return commit || restored;
}

function present(f: Facts, q: string): Verdict {
  const s = f.state;
  const chmod = `chmod +x ${operand(f.shown)}`;
  if (s.kind === 'file' && s.executable === false) {
    if (s.headMode === '100755') {
      const staged = s.indexMode === '100644';
      return { code: 'LOST_EXEC_BIT', uncommitted: true, detail: `HEAD has it executable (100755) but the work tree's copy has no x bit${staged ? ', and the index has it 100644 too' : ''}: the exec bit was lost without a commit`, fix: staged ? `${chmod} && git add -- ${q}` : chmod };
    }
    if (s.headMode === '100644') {
      const change = f.history.find((e) => f.onHead.has(e.sha) && e.oldMode !== e.newMode && e.oldMode !== ZERO && e.newMode !== ZERO);
      if (change && change.oldMode === '100755' && change.newMode === '100644') {
        return { code: 'LOST_EXEC_BIT', sha: change.sha, ref: change.ref, detail: `the commit ${commitText(change)} dropped its exec bit (100755 → 100644)`, fix: `${chmod} && git add -- ${q}` };
      }
    }
  }
  const what = [s.kind ?? 'present', s.tracked ? 'tracked' : 'untracked', s.headMode ? (s.modified ? 'modified since HEAD' : 'as in HEAD') : 'not in HEAD'];
  if (s.executable) what.push('executable');
  return { code: 'OK', detail: `present in the work tree (${what.join(', ')})`, fix: null };
}

function missing(f: Facts, q: string): Verdict {
  const s = f.state;
  const deletions = f.history.filter((e) => e.status === 'D' && under(e.path, f.path));
  const headDeletion = deletions.find((e) => f.onHead.has(e.sha));
  const renamedText = (e: HistoryEntry) => (f.renamed.has(e.sha) ? ` (renamed to ${f.renamed.get(e.sha)})` : '');
  const alsoAt = f.tips[0] ? `; ${f.tips[0].ref} still has it at its tip` : '';

  // A path staged but not in HEAD was staged after any removal: those operations reset the index to HEAD.
  const stagedSince = s.indexMode !== null && s.headMode === null;
  const removal = f.removals[0] && !stagedSince && !aliveAfter(f, f.removals[0].ts) ? f.removals[0] : null;
  if (removal) {
    const why = headDeletion ? `; it brought in the commit ${commitText(headDeletion)}, which deleted it${renamedText(headDeletion)}` : '';
    return {
      code: 'REMOVED_BY_DX', id: removal.id, sha: removal.snapshot,
      detail: `dx-hooks ${removal.op} ${removal.id} on ${utc(removal.ts)} removed it from the work tree${removal.summary ? ` (${removal.summary})` : ''}${why}; the snapshot taken before it, ${removal.snapshot.slice(0, 12)}, holds it — or reverse the whole operation: dx-hooks undo ${removal.id}`,
      fix: `git checkout ${removal.snapshot} -- ${q}`,
    };
  }
  if (s.headMode || s.indexMode) {
    const where = s.headMode ? `HEAD has it (${s.headMode})${s.indexMode ? ' and so does the index' : ', the index no longer does (staged deletion)'}` : `the index has it (${s.indexMode}, staged, never committed)`;
    return { code: 'DELETED_UNCOMMITTED', uncommitted: true, detail: `${where}, but it is missing from the work tree: deleted without a commit (rm, git checkout/restore, an rsync …)`, fix: s.headMode ? `git checkout HEAD -- ${q}` : `git checkout -- ${q}` };
  }
  if (headDeletion) {
    return { code: 'DELETED_IN_COMMIT', sha: headDeletion.sha, ref: headDeletion.ref, detail: `deleted${renamedText(headDeletion)} on HEAD's history in the commit ${commitText(headDeletion)}${alsoAt}`, fix: `git checkout ${headDeletion.sha}^ -- ${q}` };
  }
  const tip = f.tips[0];
  if (tip) {
    const others = f.tips.length > 1 ? `; ${f.tips.length - 1} other ref(s) have it too` : '';
    return { code: 'ONLY_ON_OTHER_REF', ref: tip.ref, sha: tip.sha, detail: `HEAD's history never had it; ${tip.ref} (${KIND_WORDS[tip.kind]}, tip from ${utc(tip.time)}) has it${others}`, fix: `git checkout ${shellQuote(tip.ref)} -- ${q}` };
  }
  const elsewhere = deletions[0];
  if (elsewhere) {
    return { code: 'DELETED_IN_COMMIT', sha: elsewhere.sha, ref: elsewhere.ref, detail: `HEAD's history never had it; deleted${renamedText(elsewhere)} on ${elsewhere.ref} in the commit ${commitText(elsewhere)}`, fix: `git checkout ${elsewhere.sha}^ -- ${q}` };
  }
  // Some commit had it (under this name, or an older one --follow found), no deletion and no tip did: a merge dropped it.
  const had = f.history.find((e) => under(e.path, f.path) && e.newMode !== ZERO) ?? f.history.find((e) => e.newMode !== ZERO);
  if (had) {
    const name = under(had.path, f.path) ? q : shellQuote(fromCwd(f.up, had.path));
    return { code: 'ONLY_ON_OTHER_REF', ref: had.sha, sha: had.sha, detail: `no ref's tip has it and no deletion was found (a merge may have dropped it); the newest commit that has it${under(had.path, f.path) ? '' : ` (as ${had.path})`} is ${commitText(had)}, reached from ${had.ref}`, fix: `git checkout ${had.sha} -- ${name}` };
  }
  if (f.history.length) {
    const e = f.history[0] as HistoryEntry;
    return { code: 'DELETED_IN_COMMIT', sha: e.sha, ref: e.ref, detail: `commits had it (as ${e.path}); the newest change is ${commitText(e)}`, fix: `git checkout ${e.sha}^ -- ${shellQuote(fromCwd(f.up, e.path))}` };
  }
  if (f.mentions.length) {
    const m = f.mentions[f.mentions.length - 1] as Mention;
    const first = m.source === 'ledger' ? `dx-hooks ${m.op} ${m.id}` : `guard telemetry (${m.event})`;
    return { code: 'DELETED_UNCOMMITTED', uncommitted: true, detail: `no commit, WIP ref or snapshot ever held it, but ${f.mentions.length} dx-hooks/guard line(s) name it (the first: ${first} on ${utc(m.ts)}): it existed as an untracked file — or was expected — and no copy of it was kept`, fix: null };
  }
  return { code: 'NEVER_EXISTED', detail: 'no commit on any ref (branches, remote-tracking and WIP refs, checkpoints, snapshots), no dx-hooks ledger line and no guard telemetry line has ever had this path: check its spelling and the directory you ran this in', fix: null };
}

/** The verdict for one path (see the precedence above). Pure. */
export function judge(f: Facts): Verdict {
  const q = shellQuote(f.shown);
  return f.state.present ? present(f, q) : missing(f, q);
}
