/**
 * Which refs' tips still hold a path — the answer to "HEAD never had it, but where is it?" — ranked
 * so the verdict names the ref a person would pick: a branch or another host's WIP before
 * dx-hooks' internal refs. Also the one batched existence check (`git cat-file --batch-check`)
 * that the tips and the older ledger lines need.
 */
import type { RepoContext } from '../context.js';
import { gitRaw } from '../git.js';

/** What a ref is, in the order the verdict prefers them (first = best). */
export const REF_KINDS = ['branch', 'wip', 'pushed', 'remote', 'checkpoint', 'tag', 'stash', 'dx', 'other'] as const;
export type RefKind = (typeof REF_KINDS)[number];

/** A ref and its tip. `time`: the tip's commit (or tag) date, Unix seconds. */
export interface RefTip { ref: string; kind: RefKind; sha: string; time: number }

/**
 * Classify a full ref name. WIP refs are `<wipPrefix>/<host>/<branch>` and, with the default
 * `refs/heads/wip`, their remote-tracking copies `refs/remotes/<remote>/wip/…`; `refs/dx/pushed/…`
 * is what this host knows a WIP ref holds. Returns null for refs that never hold project files or
 * are another process's scratch (`dx/index`, `refs/dx/tmp/…`, `refs/remotes/<remote>/HEAD`).
 */
export function classifyRef(ref: string, wipPrefix: string): RefKind | null {
  const wipBranch = wipPrefix.startsWith('refs/heads/') ? wipPrefix.slice('refs/heads/'.length) : null;
  if (ref === 'refs/heads/dx/index' || /^refs\/remotes\/[^/]+\/dx\/index$/.test(ref) || ref.startsWith('refs/dx/tmp/')) return null;
  if (/^refs\/remotes\/[^/]+\/HEAD$/.test(ref)) return null;
  if (ref.startsWith(wipPrefix + '/')) return 'wip';
  if (wipBranch && ref.startsWith('refs/remotes/') && ref.split('/').slice(3).join('/').startsWith(wipBranch + '/')) return 'wip';
  if (ref.startsWith('refs/dx/pushed/')) return 'pushed';
  if (ref.startsWith('refs/heads/')) return 'branch';
  if (ref.startsWith('refs/remotes/')) return 'remote';
  if (ref.startsWith('refs/tags/checkpoint/')) return 'checkpoint';
  if (ref.startsWith('refs/tags/')) return 'tag';
  if (ref === 'refs/stash') return 'stash';
  if (ref.startsWith('refs/dx/')) return 'dx';
  return 'other';
}

/** Sort tips best first: by kind (REF_KINDS order), then newest tip first, then by name. Pure. */
export function rankTips(tips: readonly RefTip[]): RefTip[] {
  const rank = (k: RefKind) => REF_KINDS.indexOf(k);
  return [...tips].sort((a, b) => rank(a.kind) - rank(b.kind) || b.time - a.time || a.ref.localeCompare(b.ref));
}

/** Every ref with its tip (one `for-each-ref`), unclassified: it needs no configuration, so it can start before the session. */
export async function readRefs(ctx: RepoContext): Promise<{ ref: string; sha: string; time: number }[]> {
  const text = await gitRaw(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(creatordate:unix)'], { cwd: ctx.top });
  return text.split('\n').flatMap((line) => {
    const [ref, sha, time] = line.split('\0');
    return ref && sha ? [{ ref, sha, time: Number(time) || 0 }] : [];
  });
}

/** The refs of `readRefs` that may hold project files, classified (see classifyRef). Pure. */
export function classifyRefs(refs: readonly { ref: string; sha: string; time: number }[], wipPrefix: string): RefTip[] {
  return refs.flatMap((r) => {
    const kind = classifyRef(r.ref, wipPrefix);
    return kind ? [{ ...r, kind }] : [];
  });
}

/**
 * Whether each object name exists (`<rev>:<path>` and the like), in ONE `git cat-file --batch-check`.
 * Names with a newline cannot be asked this way and read as absent.
 */
export async function objectsExist(ctx: RepoContext, names: readonly string[]): Promise<boolean[]> {
  const asked = names.filter((n) => !/[\n\r]/.test(n));
  if (!asked.length) return names.map(() => false);
  // %(objecttype) only: a missing name prints "<name> missing", which never starts with a type word alone.
  const text = await gitRaw(['cat-file', '--batch-check=%(objecttype)'], { cwd: ctx.top, input: asked.join('\n') + '\n' });
  const answers = text.split('\n');
  const byName = new Map<string, boolean>();
  asked.forEach((n, i) => byName.set(n, /^(blob|tree|commit|tag)$/.test(answers[i] ?? '')));
  return names.map((n) => byName.get(n) ?? false);
}

/**
 * Whether `ref` holds this host's own saved states: its undo snapshots (`refs/dx/undo/…`), its kept
 * snapshots and pushed records, and its WIP refs (local prefix or remote-tracking copies).
 */
export function isOwnRef(ref: string, host: string, wipPrefix: string): boolean {
  if (ref.startsWith('refs/dx/undo/') || ref.startsWith(`refs/dx/snapshots/${host}/`) || ref.startsWith(`refs/dx/pushed/${host}/`)) return true;
  if (ref.startsWith(`${wipPrefix}/${host}/`)) return true;
  const wipBranch = wipPrefix.startsWith('refs/heads/') ? wipPrefix.slice('refs/heads/'.length) : null;
  return !!wipBranch && ref.startsWith('refs/remotes/') && ref.split('/').slice(3).join('/').startsWith(`${wipBranch}/${host}/`);
}
