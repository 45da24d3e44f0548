// Table tests of diagnose's pure verdict function (src/core/diagnose/verdict.ts): every code, the
// precedence between them, staleness of a dx-hooks removal, quoting of fix commands — and the rule
// that a path anything ever knew is never NEVER_EXISTED. Plus the pure parsers it rests on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DxRemoval, Mention } from '../../src/core/diagnose/evidence.ts';
import { removalCandidates, whereNamed } from '../../src/core/diagnose/evidence.ts';
import { parseLog, type HistoryEntry } from '../../src/core/diagnose/history.ts';
import type { PathState } from '../../src/core/diagnose/state.ts';
import { classifyRef, rankTips, type RefTip } from '../../src/core/diagnose/tips.ts';
import { judge, verdictArg, type Facts } from '../../src/core/diagnose/verdict.ts';
import { parseWindow, parseWhen } from '../../src/core/diagnose/when.ts';
import type { LedgerEvent } from '../../src/core/ledger.ts';

const sha = (c: string) => c.repeat(40).slice(0, 40);
const [A, B, C, D, SNAP] = ['a', 'b', 'c', 'd', 'e'].map(sha) as [string, string, string, string, string];
const P = 'tools/run.sh';

const PRESENT: PathState = { present: true, kind: 'file', executable: false, tracked: true, indexMode: '100644', headMode: '100644', modified: false };
const GONE: PathState = { present: false, kind: null, executable: null, tracked: false, indexMode: null, headMode: null, modified: null };

const entry = (s: string, status: string, committed: number, modes: [string, string] = status === 'D' ? ['100644', '000000'] : status === 'A' ? ['000000', '100644'] : ['100644', '100644'], ref = 'refs/heads/main'): HistoryEntry =>
  ({ sha: s, ref, author: 'Ann', email: 'ann@example.invalid', date: committed, committed, status, oldMode: modes[0], newMode: modes[1], path: P, subject: `commit ${s.slice(0, 1)}` });
const removal = (ts: number, id = `${ts}-abcdef`): DxRemoval => ({ id, op: 'checkpoint.restore', ts, snapshot: SNAP, summary: 'restored checkpoint x', explicit: true });
const tip = (ref: string, kind: RefTip['kind'], time = 100): RefTip => ({ ref, kind, sha: D, time });

function facts(over: Partial<Facts> = {}): Facts {
  return { path: P, shown: P, up: '', host: 'alpha', state: GONE, history: [], onHead: new Set(), own: new Set(), renamed: new Map(), removals: [], mentions: [], tips: [], ...over };
}

interface Row { name: string; f: Facts; code: string; arg?: string; fix: string | null; detail?: RegExp }

const rows: Row[] = [
  { name: 'present, as in HEAD', f: facts({ state: PRESENT }), code: 'OK', fix: null },
  { name: 'present, untracked', f: facts({ state: { ...PRESENT, tracked: false, indexMode: null, headMode: null } }), code: 'OK', fix: null, detail: /untracked/ },
  { name: 'present directory', f: facts({ state: { ...PRESENT, kind: 'directory', executable: null, headMode: '040000' } }), code: 'OK', fix: null },
  { name: 'exec bit lost in the work tree', f: facts({ state: { ...PRESENT, headMode: '100755', indexMode: '100755' } }), code: 'LOST_EXEC_BIT', arg: 'uncommitted', fix: `chmod +x ${P}` },
  { name: 'exec bit lost and staged', f: facts({ state: { ...PRESENT, headMode: '100755', indexMode: '100644' } }), code: 'LOST_EXEC_BIT', arg: 'uncommitted', fix: `chmod +x ${P} && git add -- ${P}` },
  { name: 'exec bit dropped by a commit on HEAD', f: facts({ state: PRESENT, history: [entry(B, 'M', 20, ['100755', '100644']), entry(A, 'A', 10, ['000000', '100755'])], onHead: new Set([B, A]) }), code: 'LOST_EXEC_BIT', arg: B, fix: `chmod +x ${P} && git add -- ${P}` },
  { name: 'exec bit dropped only on another branch', f: facts({ state: PRESENT, history: [entry(B, 'M', 20, ['100755', '100644'], 'refs/heads/other')], onHead: new Set() }), code: 'OK', fix: null },
  { name: 'exec bit dropped, then added back on HEAD', f: facts({ state: { ...PRESENT, executable: true }, history: [entry(C, 'M', 30, ['100644', '100755']), entry(B, 'M', 20, ['100755', '100644'])], onHead: new Set([B, C]) }), code: 'OK', fix: null },
  { name: 'rm of a tracked file', f: facts({ state: { ...GONE, tracked: true, indexMode: '100644', headMode: '100644' }, history: [entry(A, 'A', 10)] }), code: 'DELETED_UNCOMMITTED', fix: `git checkout HEAD -- ${P}` },
  { name: 'staged new file, then rm', f: facts({ state: { ...GONE, tracked: true, indexMode: '100644' } }), code: 'DELETED_UNCOMMITTED', fix: `git checkout -- ${P}` },
  { name: 'deleted in a commit on HEAD (newest deletion wins)', f: facts({ history: [entry(D, 'D', 40), entry(C, 'A', 30), entry(B, 'D', 20), entry(A, 'A', 10)], onHead: new Set([D, C, B, A]) }), code: 'DELETED_IN_COMMIT', arg: D, fix: `git checkout ${D}^ -- ${P}`, detail: /commit d{12} by Ann/ },
  { name: 'renamed away in a commit on HEAD', f: facts({ history: [entry(B, 'D', 20), entry(A, 'A', 10)], onHead: new Set([B]), renamed: new Map([[B, 'tools/deploy.sh']]) }), code: 'DELETED_IN_COMMIT', arg: B, fix: `git checkout ${B}^ -- ${P}`, detail: /renamed to tools\/deploy\.sh/ },
  { name: 'removed by a checkpoint restore', f: facts({ history: [entry(A, 'A', 10, undefined, 'refs/dx/undo/x')], removals: [removal(50)] }), code: 'REMOVED_BY_DX', arg: '50-abcdef', fix: `git checkout ${SNAP} -- ${P}`, detail: /dx-hooks undo 50-abcdef/ },
  { name: 'a sync reset removed what the remote deleted in a commit: REMOVED_BY_DX, the commit named', f: facts({ history: [entry(B, 'D', 40), entry(A, 'A', 10)], onHead: new Set([B, A]), removals: [removal(50)] }), code: 'REMOVED_BY_DX', arg: '50-abcdef', fix: `git checkout ${SNAP} -- ${P}`, detail: /brought in the commit b{12}/ },
  { name: 'removed by dx, then deleted again in a later commit on HEAD', f: facts({ history: [entry(C, 'D', 60), entry(B, 'A', 55), entry(A, 'A', 10)], onHead: new Set([C, B]), removals: [removal(50)] }), code: 'DELETED_IN_COMMIT', arg: C, fix: `git checkout ${C}^ -- ${P}` },
  { name: 'removed by dx while HEAD still has it: the dx operation wins', f: facts({ state: { ...GONE, tracked: true, indexMode: '100644', headMode: '100644' }, removals: [removal(50)] }), code: 'REMOVED_BY_DX', arg: '50-abcdef', fix: `git checkout ${SNAP} -- ${P}` },
  { name: 'removed by dx, restored by guard --repair later, then rm', f: facts({ state: { ...GONE, tracked: true, indexMode: '100644', headMode: '100644' }, removals: [removal(50)], mentions: [{ source: 'ledger', ts: 70, host: 'alpha', id: '70-x', op: 'guard.repair', ok: true, summary: null, how: ['paths'], snapshot: null }] }), code: 'DELETED_UNCOMMITTED', fix: `git checkout HEAD -- ${P}` },
  { name: 'removed by dx, restored on this host (telemetry), then rm', f: facts({ state: { ...GONE, indexMode: '100644', headMode: '100644' }, removals: [removal(50)], mentions: [{ source: 'telemetry', ts: 70, host: 'alpha', event: 'critical_restored', entry: P, commit: null, operation: null }] }), code: 'DELETED_UNCOMMITTED', fix: `git checkout HEAD -- ${P}` },
  { name: 'removed by dx; another host restored its own copy later', f: facts({ removals: [removal(50)], mentions: [{ source: 'telemetry', ts: 70, host: 'beta', event: 'critical_restored', entry: P, commit: null, operation: null }] }), code: 'REMOVED_BY_DX', arg: '50-abcdef', fix: `git checkout ${SNAP} -- ${P}` },
  { name: 'removed by dx, alive in a later snapshot of this host', f: facts({ history: [entry(C, 'A', 70, undefined, 'refs/dx/undo/y')], own: new Set([C]), removals: [removal(50)], tips: [tip('refs/dx/undo/y', 'dx')] }), code: 'ONLY_ON_OTHER_REF', arg: 'refs/dx/undo/y', fix: `git checkout refs/dx/undo/y -- ${P}` },
  { name: 'removed by dx, then staged again (HEAD lacks it)', f: facts({ state: { ...GONE, tracked: true, indexMode: '100644' }, removals: [removal(50)] }), code: 'DELETED_UNCOMMITTED', fix: `git checkout -- ${P}` },
  { name: 'only on another host\'s WIP ref', f: facts({ history: [entry(A, 'A', 10, undefined, 'refs/remotes/origin/wip/beta/main')], tips: [tip('refs/remotes/origin/wip/beta/main', 'wip')] }), code: 'ONLY_ON_OTHER_REF', arg: 'refs/remotes/origin/wip/beta/main', fix: `git checkout refs/remotes/origin/wip/beta/main -- ${P}`, detail: /HEAD's history never had it/ },
  { name: 'deleted on another branch, no tip has it', f: facts({ history: [entry(B, 'D', 20, undefined, 'refs/heads/old'), entry(A, 'A', 10, undefined, 'refs/heads/old')] }), code: 'DELETED_IN_COMMIT', arg: B, fix: `git checkout ${B}^ -- ${P}`, detail: /never had it; deleted on refs\/heads\/old/ },
  { name: 'in a commit, no deletion, no tip (a merge dropped it)', f: facts({ history: [entry(A, 'A', 10, undefined, 'refs/heads/main')] }), code: 'ONLY_ON_OTHER_REF', arg: A, fix: `git checkout ${A} -- ${P}` },
  { name: 'a folder deleted in a commit on HEAD', f: facts({ path: 'tools', shown: 'tools', history: [{ ...entry(B, 'D', 20), path: 'tools/b.sh' }, { ...entry(B, 'D', 20), path: 'tools/a.sh' }, { ...entry(A, 'A', 10), path: 'tools/a.sh' }], onHead: new Set([B, A]) }), code: 'DELETED_IN_COMMIT', arg: B, fix: `git checkout ${B}^ -- tools` },
  { name: 'known only under an older name (from a subfolder)', f: facts({ shown: 'run.sh', up: '..', history: [{ ...entry(A, 'A', 10), path: 'scripts/run.sh' }] }), code: 'ONLY_ON_OTHER_REF', arg: A, fix: `git checkout ${A} -- ../scripts/run.sh`, detail: /as scripts\/run\.sh/ },
  { name: 'only guard telemetry knows it (untracked, never snapshotted)', f: facts({ mentions: [{ source: 'telemetry', ts: 70, host: 'alpha', event: 'critical_missing', entry: P, commit: null, operation: null }] }), code: 'DELETED_UNCOMMITTED', fix: null, detail: /no copy of it was kept/ },
  { name: 'only a ledger line names it', f: facts({ mentions: [{ source: 'ledger', ts: 70, host: 'alpha', id: '70-x', op: 'protect.refuse', ok: false, summary: null, how: ['paths'], snapshot: null }] }), code: 'DELETED_UNCOMMITTED', fix: null },
  { name: 'nothing ever had it', f: facts(), code: 'NEVER_EXISTED', fix: null },
  { name: 'quoted path in the fix', f: facts({ path: "a b/it's.txt", shown: "../a b/it's.txt", state: { ...GONE, indexMode: '100644', headMode: '100644' } }), code: 'DELETED_UNCOMMITTED', fix: `git checkout HEAD -- '../a b/it'\\''s.txt'` },
  { name: 'a leading dash never reads as an option', f: facts({ path: '-x.sh', shown: '-x.sh', state: { ...PRESENT, headMode: '100755', indexMode: '100755' } }), code: 'LOST_EXEC_BIT', arg: 'uncommitted', fix: 'chmod +x ./-x.sh' },
];

for (const r of rows) {
  test(`verdict: ${r.name} → ${r.code}`, () => {
    const v = judge(r.f);
    assert.equal(v.code, r.code, v.detail);
    if (r.arg !== undefined) assert.equal(verdictArg(v), r.arg);
    assert.equal(v.fix, r.fix);
    if (r.detail) assert.match(v.detail, r.detail);
  });
}

test('verdict: a path any commit, dx-hooks line or telemetry line knew is never NEVER_EXISTED', () => {
  for (const r of rows) {
    const known = r.f.history.length || r.f.mentions.length || r.f.removals.length || r.f.tips.length || r.f.state.present || r.f.state.headMode || r.f.state.indexMode;
    if (known) assert.notEqual(judge(r.f).code, 'NEVER_EXISTED', r.name);
  }
  // Narrowing the facts to a window would be the bug: the verdict must see the old deletion.
  const old: Mention[] = [{ source: 'telemetry', ts: 1, host: 'alpha', event: 'critical_not_executable', entry: P, commit: null, operation: null }];
  assert.equal(judge(facts({ mentions: old })).code, 'DELETED_UNCOMMITTED');
});

test('tips: refs ranked branch, WIP, pushed, remote, checkpoint, tag, stash, refs/dx; newest first within a kind', () => {
  const pre = 'refs/heads/wip';
  const refs = ['refs/dx/undo/1-a', 'refs/remotes/origin/main', 'refs/remotes/origin/wip/beta/main', 'refs/heads/feature', 'refs/tags/checkpoint/x', 'refs/stash', 'refs/dx/pushed/alpha/main', 'refs/tags/v1'];
  assert.deepEqual(refs.map((r) => classifyRef(r, pre)), ['dx', 'remote', 'wip', 'branch', 'checkpoint', 'stash', 'pushed', 'tag']);
  assert.deepEqual(['refs/heads/dx/index', 'refs/remotes/origin/dx/index', 'refs/dx/tmp/1-a/0', 'refs/remotes/origin/HEAD'].map((r) => classifyRef(r, pre)), [null, null, null, null]);
  assert.equal(classifyRef('refs/wip/beta/main', 'refs/wip'), 'wip');
  const ranked = rankTips([tip('refs/dx/undo/1', 'dx', 900), tip('refs/remotes/origin/wip/b/main', 'wip', 100), tip('refs/remotes/origin/wip/c/main', 'wip', 200), tip('refs/heads/f', 'branch', 50)]);
  assert.deepEqual(ranked.map((t) => t.ref), ['refs/heads/f', 'refs/remotes/origin/wip/c/main', 'refs/remotes/origin/wip/b/main', 'refs/dx/undo/1']);
});

test('parseLog: commits, renames and deletions from `git log --raw -z` output', () => {
  const rec = (s: string, src: string, subj: string, raw: string) => `\x1e${s}\x00${src}\x00Ann\x00ann@x\x00100\x00200\x00${subj}\x00\n${raw}`;
  const text = rec(B, 'refs/heads/main', 'move it', `:100755 100755 1111111 1111111 R100\x00old name\x00${P}\x00`) + rec(A, 'refs/remotes/origin/wip/b/main', 'add', `:000000 100644 0000000 1111111 A\x00old name\x00`) + rec(C, 'HEAD', 'gone', `:100644 000000 1111111 0000000 D\x00x\x00`);
  const got = parseLog(text);
  assert.deepEqual(got.map((e) => [e.sha, e.status, e.path, e.from ?? null, e.oldMode, e.newMode, e.ref, e.date, e.committed]), [
    [B, 'R', P, 'old name', '100755', '100755', 'refs/heads/main', 100, 200],
    [A, 'A', 'old name', null, '000000', '100644', 'refs/remotes/origin/wip/b/main', 100, 200],
    [C, 'D', 'x', null, '100644', '000000', 'HEAD', 100, 200],
  ]);
});

test('evidence: where a ledger line names a path, and which lines removed it (undone ones left out)', () => {
  const ev = (id: string, op: string, detail: Record<string, unknown>, ok = true): LedgerEvent => ({ id, ts: 1, host: 'alpha', op, ok, detail });
  assert.deepEqual(whereNamed({ ...ev('1', 'rollback', { commits: [{ protected: [{ path: P }] }] }), paths: [P] }, P), ['paths', 'commits.protected.path']);
  const ledger = [
    ev('1', 'checkpoint.restore', { snapshot: SNAP, removed: [P] }),
    ev('2', 'sync.reset', { snapshot: SNAP, removed: ['other'] }),
    ev('3', 'checkpoint.restore', { snapshot: SNAP, checkpoint: A }),
    ev('4', 'checkpoint.restore', { snapshot: SNAP, removed: [P] }),
    ev('5', 'undo', { undid: '4', snapshot: C }),
  ];
  const r = removalCandidates(ledger, P);
  assert.deepEqual(r.explicit.map((x) => x.id), ['1']);
  assert.deepEqual(r.checks.map((c) => [c.event.id, c.target]), [['3', A]]);
});

test('when: durations back from now, ISO dates, clear exit-2 errors', () => {
  const now = 1_800_000_000;
  assert.equal(parseWhen('24h', '--since', now), now - 86_400);
  assert.equal(parseWhen('2025-01-30', '--since', now), Date.UTC(2025, 0, 30) / 1000);
  assert.equal(parseWhen('2025-01-30T14:00:00Z', '--since', now), Date.UTC(2025, 0, 30, 14) / 1000);
  for (const bad of ['yesterday', '2025-02-30', '2025-01-30T25:00', '-3h', '']) {
    assert.throws(() => parseWhen(bad, '--since', now), (e: { code?: string; exitCode?: number }) => e.code === 'BAD_TIME' && e.exitCode === 2, bad);
  }
  assert.deepEqual(parseWindow('7d', undefined, now), { since: now - 7 * 86_400, until: null });
  assert.throws(() => parseWindow('1d', '2d', now), /window is empty/);
});
