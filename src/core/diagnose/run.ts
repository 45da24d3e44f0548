/**
 * `diagnose` as data: for each named path gather the facts (state, the full history on every ref,
 * dx-hooks and guard lines, the refs still holding it), judge them (verdict.ts), and keep for the
 * listing only what falls inside the --since/--until window. History is always read whole: a file
 * deleted three days ago must never read as NEVER_EXISTED under `--since 24h`.
 */
import fs from 'node:fs';
import type { TelemetryEvent } from '../guardrail/telemetry.js';
import type { LedgerEvent } from '../ledger.js';
import type { Session } from '../session.js';
import { checkedRemoval, mentionsOf, removalCandidates, type DxRemoval, type Mention } from './evidence.js';
import { onHeadHistory, renamedAway, walkHistory, type HistoryEntry } from './history.js';
import { relevantLedger, relevantTelemetry } from './lines.js';
import { under, type NamedPath } from './paths.js';
import { prefetch, type Prefetch } from './prefetch.js';
import { readPathState, type PathState } from './state.js';
import { classifyRefs, isOwnRef, objectsExist, rankTips, type RefTip } from './tips.js';
import { judge, type Verdict } from './verdict.js';
import { inWindow, type Window } from './when.js';

/** One path's diagnosis. `history` and `events` are the listed part (inside the window), newest first; `hidden` counts what the window left out. */
export interface PathReport {
  path: string;
  shown: string;
  state: PathState;
  history: HistoryEntry[];
  events: Mention[];
  hidden: { history: number; events: number };
  verdict: Omit<Verdict, 'fix'>;
  fix: string | null;
}

/** The whole diagnosis. `invalid`: unreadable ledger/telemetry lines skipped; `warnings`: what could not be read at all. */
export interface DiagnoseResult { repo: string; window: Window; paths: PathReport[]; invalid: { ledger: number; telemetry: number }; warnings: string[] }

/** The facts that need git beyond the walk, for a path missing from the work tree: refs whose tip has it, and the older ledger lines' removal checks. */
async function whereElse(s: Session, p: string, refs: readonly RefTip[], checks: ReturnType<typeof removalCandidates>['checks']): Promise<{ tips: RefTip[]; removals: DxRemoval[] }> {
  const names = [...refs.map((r) => `${r.sha}:${p}`), ...checks.flatMap((c) => [`${c.snapshot}:${p}`, `${c.target}:${p}`])];
  const have = await objectsExist(s.ctx, names);
  const tips = rankTips(refs.filter((_, i) => have[i]));
  const removals = checks.filter((_, i) => have[refs.length + 2 * i] && !have[refs.length + 2 * i + 1]).map(checkedRemoval);
  return { tips, removals };
}

/** Diagnose one path with the shared reads already done. */
async function one(s: Session, n: NamedPath, shared: { refs: RefTip[]; ledger: LedgerEvent[]; telemetry: TelemetryEvent[] }, pre: Prefetch, window: Window): Promise<PathReport> {
  const prefix = s.config.wip.refPrefix;
  const walk = pre.walks.get(n.path) ?? walkHistory(s.ctx, n.path, { follow: true });
  walk.catch(() => undefined); // awaited below; never an unhandled rejection while the state is read
  const state = await (pre.states.get(n.path) ?? readPathState(s.ctx, n.path));
  const cand = removalCandidates(shared.ledger, n.path);
  const elsewhere = state.present ? Promise.resolve({ tips: [] as RefTip[], removals: [] as DxRemoval[] }) : whereElse(s, n.path, shared.refs, cand.checks);
  const [history, found] = await Promise.all([walk, elsewhere]);
  const removals = [...cand.explicit, ...found.removals].sort((a, b) => b.ts - a.ts);

  // Only the commits the verdict can turn on get an ancestry check: deletions, mode changes, and
  // changes after the newest dx-hooks removal.
  const mine = history.filter((e) => under(e.path, n.path));
  const after = removals[0]?.ts ?? Infinity;
  const ask = state.present
    ? (state.kind === 'file' && state.executable === false && state.headMode === '100644' ? mine.filter((e) => e.oldMode !== e.newMode && e.oldMode !== '000000' && e.newMode !== '000000') : [])
    : mine.filter((e) => e.status === 'D' || e.committed > after);
  const deletions = state.present ? [] : mine.filter((e) => e.status === 'D').slice(0, 1);
  const [onHead, renames] = await Promise.all([
    onHeadHistory(s.ctx, ask),
    Promise.all(deletions.map(async (e) => [e.sha, await renamedAway(s.ctx, e.sha, n.path)] as const)),
  ]);
  const renamed = new Map(renames.filter((r): r is readonly [string, string] => r[1] !== null));
  const own = new Set(history.filter((e) => isOwnRef(e.ref, s.host, prefix)).map((e) => e.sha));
  const mentions = mentionsOf(shared.ledger, shared.telemetry, n.path);
  const { fix, ...verdict } = judge({ path: n.path, shown: n.shown, up: n.up, host: s.host, state, history, onHead, own, renamed, removals, mentions, tips: found.tips });

  const listed = history.filter((e) => inWindow(window, e.committed));
  const events = mentions.filter((m) => inWindow(window, m.ts));
  return { path: n.path, shown: n.shown, state, history: listed, events, hidden: { history: history.length - listed.length, events: mentions.length - events.length }, verdict, fix };
}

/** How many paths are walked at once (each walk is one git process). */
const PARALLEL = 4;

/**
 * Diagnose `named` (already resolved inside the work tree; see paths.ts), using the reads `pre`
 * started early (prefetch.ts) when given. Reads only: nothing is written.
 * @throws GitError when git fails on the repository itself (corrupt objects)
 */
export async function diagnose(s: Session, named: readonly NamedPath[], window: Window, pre: Prefetch = prefetch(s.ctx, named)): Promise<DiagnoseResult> {
  const warnings: string[] = [];
  const wanted = named.map((n) => n.path);
  const [ledger, telemetry, refs] = await Promise.all([relevantLedger(s, wanted), relevantTelemetry(s, wanted, warnings), pre.refs]);
  const shared = { refs: classifyRefs(refs, s.config.wip.refPrefix), ledger: ledger.events, telemetry: telemetry.events };
  const paths: PathReport[] = new Array(named.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PARALLEL, named.length) }, async () => {
    while (next < named.length) {
      const i = next++;
      paths[i] = await one(s, named[i] as NamedPath, shared, pre, window);
    }
  }));
  return { repo: fs.realpathSync(s.ctx.top), window, paths, invalid: { ledger: ledger.invalid, telemetry: telemetry.invalid }, warnings };
}
