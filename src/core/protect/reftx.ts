/**
 * reference-transaction (git ≥ 2.28): the shim starts node only for a branch deletion or rewind.
 * `prepared`: refuse deleting a protected branch (unless DX_ALLOW_PROTECTED=1, logged); record the
 * other deletions while the ref still exists (git may pass an all-zero old value).
 * `committed`: record each rewind (the old tip is not an ancestor of the new one).
 * Each record — old tip, new tip, ref, time — goes to the ledger with undo information, and the old
 * tip stays reachable under `refs/dx/undo/<event id>`.
 * The protected branches are those in force (protectionInForce: work tree ∪ HEAD ∪ the deleted
 * branch's own tip). A loose ref pruned after packing is no deletion (isLoosePrune), and dx-hooks'
 * own ref moves (refs.ts ownRefWrite) are checked but not recorded twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../errors.js';
import { gitTry } from '../git.js';
import { dxPaths, type RepoContext } from '../context.js';
import { appendLedger, newEventId, type LedgerEvent } from '../ledger.js';
import { isOwnRefWrite } from '../refs.js';
import type { Session } from '../session.js';
import { readJsonlTailObjects } from '../store/jsonl.js';
import { protectionInForce } from './inforce.js';
import { safeText } from '../text/safe.js';
import { gitProcessId } from './txid.js';

/** One line of the hook's stdin: `<old> <new> <ref>`. */
export interface RefUpdate { old: string; new: string; ref: string }

const isZero = (sha: string) => /^0+$/.test(sha);

/**
 * The last few ledger records (its last 16 KiB, read through the store; lines that are not JSON
 * objects skipped). Only to avoid recording a move twice: an unreadable ledger reads as none here,
 * and the append that follows says it loudly.
 */
function recentEvents(s: Session): LedgerEvent[] {
  try {
    return readJsonlTailObjects(dxPaths(s.ctx).ledger, 16384).records as unknown as LedgerEvent[];
  } catch {
    return [];
  }
}

/** Parse the hook's stdin. */
export function parseRefUpdates(text: string): RefUpdate[] {
  return text.split('\n').map((l) => l.trim().split(' ')).filter((p) => p.length === 3).map(([o, n, r]) => ({ old: o as string, new: n as string, ref: r as string }));
}

/**
 * Whether a deletion the hook sees is the prune of a loose ref that `git pack-refs --all --prune`
 * (run by `git gc` and `git maintenance run`) has just packed: git ≤ 2.4x runs the hook for it as a
 * deletion (old = the value, new = zeros), yet the ref lives on in packed-refs at that very value.
 * The files backend holds `packed-refs.lock` through "prepared" for every real deletion (it must
 * drop the ref from packed-refs too); the prune alone runs without it. Both must hold: the lock
 * absent and packed-refs naming the ref at `old`. (The sh runtime makes the same test first.)
 */
export function isLoosePrune(ctx: RepoContext, u: RefUpdate): boolean {
  if (isZero(u.old) || !isZero(u.new)) return false;
  if (fs.existsSync(path.join(ctx.commonDir, 'packed-refs.lock'))) return false;
  try {
    return fs.readFileSync(path.join(ctx.commonDir, 'packed-refs'), 'utf8').split('\n').includes(`${u.old} ${u.ref}`);
  } catch {
    return false;
  }
}

/** Result: refused (with a message) or not; `recorded` lists the ledger event ids written. */
export interface ReftxResult { refused: boolean; message: string | null; recorded: string[] }

/**
 * Handle one reference-transaction invocation. `env` gives DX_ALLOW_PROTECTED (the override, logged)
 * and DX_IN_REFTX (a token of dx-hooks' own ref move: not recorded again, still checked).
 */
export async function handleRefTransaction(s: Session, state: string, updates: RefUpdate[], env: NodeJS.ProcessEnv = process.env): Promise<ReftxResult> {
  const branchUpdates = updates.filter((u) => u.ref.startsWith('refs/heads/'));
  const own = isOwnRefWrite(s.ctx, env.DX_IN_REFTX);
  const deletions: RefUpdate[] = [];
  let note: string | null = null;
  if (state === 'prepared') {
    for (const u of branchUpdates.filter((x) => isZero(x.new) && !isLoosePrune(s.ctx, x))) {
      const cur = isZero(u.old) ? await gitTry(['rev-parse', '-q', '--verify', u.ref], { cwd: s.ctx.top }) : null;
      const old = cur ? cur.stdout.trim() : u.old;
      if (old && !isZero(old)) deletions.push({ ...u, old });
    }
    const protectedSet = new Set(deletions.length ? (await protectionInForce(s, deletions.map((u) => u.old))).branches : []);
    const hits = deletions.filter((u) => protectedSet.has(u.ref.slice('refs/heads/'.length)));
    if (hits.length) {
      const names = hits.map((u) => u.ref.slice('refs/heads/'.length));
      const refs = Object.fromEntries(hits.map((u) => [u.ref, { old: u.old, new: null }]));
      if (env.DX_ALLOW_PROTECTED !== '1') {
        appendLedger(s.ctx, { host: s.host, op: 'protect.refuse', ok: false, error: 'deletion of a protected branch', refs, detail: { hook: 'reference-transaction' } });
        return { refused: true, message: `dx-hooks: refused deleting protected branch ${names.map(safeText).join(', ')} (protect.branches in .dxrc).\nIf this is really intended: DX_ALLOW_PROTECTED=1 git …`, recorded: [] };
      }
      appendLedger(s.ctx, { host: s.host, op: 'protect.override', ok: true, refs, detail: { hook: 'reference-transaction', override: 'DX_ALLOW_PROTECTED' } });
      note = `dx-hooks: DX_ALLOW_PROTECTED=1 — deleting protected branch ${names.map(safeText).join(', ')} (logged)`;
    }
  } else if (state !== 'committed') return { refused: false, message: null, recorded: [] };
  const recorded: string[] = [];
  if (own) return { refused: false, message: note, recorded };
  // git 2.39 runs the hook twice for one branch deletion (the packed-refs transaction, then the loose
  // one), from the same git process: an identical record that THIS git process wrote seconds ago is the
  // same event. Another git process deleting the same branch again (re-created at the same sha) is a
  // second deletion and gets its own record.
  const recent = recentEvents(s);
  const tx = gitProcessId();
  const candidates = state === 'prepared' ? deletions : branchUpdates.filter((u) => !isZero(u.old) && !isZero(u.new) && u.old !== u.new);
  for (const u of candidates) {
    let kind: 'ref.delete' | 'ref.rewind';
    if (isZero(u.new)) kind = 'ref.delete';
    else {
      const ff = await gitTry(['merge-base', '--is-ancestor', u.old, u.new], { cwd: s.ctx.top });
      if (ff.code === 0) continue;
      kind = 'ref.rewind';
    }
    if (tx && recent.some((e) => e.op === kind && e.refs?.[u.ref]?.old === u.old && e.detail?.tx === tx && Date.now() / 1000 - e.ts < 10)) continue;
    const id = newEventId();
    const keep = `refs/dx/undo/${id}`;
    const kept = await gitTry(['update-ref', '-m', `dx-hooks: ${kind} of ${u.ref}`, keep, u.old], { cwd: s.ctx.top });
    if (kept.code !== 0) throw new DxError('UNDO_REF_FAILED', `could not keep ${u.ref}'s old tip ${u.old.slice(0, 12)} under ${keep}: ${kept.stderr.trim()}`);
    appendLedger(s.ctx, {
      id,
      host: s.host,
      op: kind,
      ok: true,
      refs: { [u.ref]: { old: u.old, new: isZero(u.new) ? null : u.new } },
      detail: {
        kept: keep,
        ...(tx ? { tx } : {}),
        summary: kind === 'ref.delete' ? `deleted branch ${u.ref.slice(11)} (was ${u.old.slice(0, 12)})` : `rewound ${u.ref.slice(11)} from ${u.old.slice(0, 12)} to ${u.new.slice(0, 12)}`,
        undo: { refs: { [u.ref]: u.old } },
      },
    });
    recorded.push(id);
  }
  return { refused: false, message: note, recorded };
}
