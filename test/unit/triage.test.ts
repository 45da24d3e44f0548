// Triage as pure functions: the `git status --porcelain=v2 --branch -z` parser (git-status(1),
// "Porcelain Format Version 2"), the worst level of a row, the problems-first order of rows, and
// the one-line summary printed per repository.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rowSummary } from '../../src/commands/triage.ts';
import type { RepoContext } from '../../src/core/context.ts';
import { DxError } from '../../src/core/errors.ts';
import { newerElsewhere, parseStatusV2 } from '../../src/core/triage/facts.ts';
import { sortRows, worst, type Problem, type TriageRow } from '../../src/core/triage/row.ts';

const OID = 'c62cfd91dc74110538a450aa34d417d413b1d2b6';
const BLOB = '61780798228d17af2d34fce4cfbdf35556832472';
/** NUL-terminated records, as `-z` prints them. */
const z = (...records: string[]): string => records.map((r) => `${r}\0`).join('');

const changed = (p: string): string => `1 .M N... 100644 100644 100644 ${BLOB} ${BLOB} ${p}`;
const renamed = (to: string, from: string): string[] => [`2 R. N... 100644 100644 100644 ${BLOB} ${BLOB} R100 ${to}`, from];
const unmerged = (p: string): string => `u UU N... 100644 100644 100644 100644 ${BLOB} ${BLOB} ${BLOB} ${p}`;

test('parseStatusV2: a branch with an upstream, +A -B, and every kind of change record', () => {
  const out = z(
    `# branch.oid ${OID}`,
    '# branch.head main',
    '# branch.upstream origin/main',
    '# branch.ab +12 -345',
    changed('b c.txt'),
    ...renamed('renamed.txt', 'a.txt'),
    unmerged('conflict.txt'),
    '? untracked.txt',
  );
  assert.deepEqual(parseStatusV2(out), { branch: 'main', head: OID, upstream: { ref: 'origin/main', ahead: 12, behind: 345 }, dirty: 4 });
});

test('parseStatusV2: the original path after a rename record is not a record of its own, even when it looks like one', () => {
  for (const from of ['a.txt', '1 .M looks like an ordinary record', '? looks untracked', 'u UU looks unmerged', '2 R. looks like a rename', '# branch.head not-a-branch', '# branch.ab +9 -9']) {
    const r = parseStatusV2(z(`# branch.oid ${OID}`, '# branch.head main', ...renamed('to.txt', from), changed('other.txt')));
    assert.equal(r.dirty, 2, `original path ${JSON.stringify(from)}`);
    assert.equal(r.branch, 'main', `original path ${JSON.stringify(from)}`);
    assert.equal(r.upstream, null, `original path ${JSON.stringify(from)}`);
  }
  // Two renames in a row.
  const two = parseStatusV2(z('# branch.oid ' + OID, '# branch.head main', ...renamed('x2', 'x1'), ...renamed('y2', 'y1')));
  assert.equal(two.dirty, 2);
});

test('parseStatusV2: a detached HEAD has no branch and no upstream, but a head', () => {
  const r = parseStatusV2(z(`# branch.oid ${OID}`, '# branch.head (detached)', changed('f.txt'), ...renamed('renamed.txt', 'a.txt'), '? untracked.txt'));
  assert.deepEqual(r, { branch: null, head: OID, upstream: null, dirty: 3 });
});

test('parseStatusV2: a repository with no commits yet (`(initial)`) has a branch but no head', () => {
  assert.deepEqual(parseStatusV2(z('# branch.oid (initial)', '# branch.head main')), { branch: 'main', head: null, upstream: null, dirty: 0 });
  assert.deepEqual(parseStatusV2(z('# branch.oid (initial)', '# branch.head trunk', '? new.txt', '? other new.txt')), { branch: 'trunk', head: null, upstream: null, dirty: 2 });
});

test('parseStatusV2: in sync with the upstream (+0 -0), branch names with slashes, paths with spaces and newlines', () => {
  const r = parseStatusV2(z(`# branch.oid ${OID}`, '# branch.head feature/a-b', '# branch.upstream upstream/feature/a-b', '# branch.ab +0 -0', changed('dir with space/file\nwith newline.txt')));
  assert.deepEqual(r, { branch: 'feature/a-b', head: OID, upstream: { ref: 'upstream/feature/a-b', ahead: 0, behind: 0 }, dirty: 1 });
});

test('parseStatusV2: empty output (nothing known) and ignored-file records are not dirty', () => {
  assert.deepEqual(parseStatusV2(''), { branch: null, head: null, upstream: null, dirty: 0 });
  assert.equal(parseStatusV2(z(`# branch.oid ${OID}`, '# branch.head main', '! ignored.log')).dirty, 0);
  // An unknown header (git may add some, e.g. # stash) is ignored.
  assert.deepEqual(parseStatusV2(z(`# branch.oid ${OID}`, '# branch.head main', '# stash 3')), { branch: 'main', head: OID, upstream: null, dirty: 0 });
});

const p = (level: Problem['level'], code = level.toUpperCase()): Problem => ({ level, code, message: `${code} happened` });

test('worst: ok without problems, else the most severe level whatever the order', () => {
  assert.equal(worst({ problems: [] }), 'ok');
  assert.equal(worst({ problems: [p('info')] }), 'info');
  assert.equal(worst({ problems: [p('info'), p('warning')] }), 'warning');
  assert.equal(worst({ problems: [p('warning'), p('info'), p('warning')] }), 'warning');
  assert.equal(worst({ problems: [p('info'), p('warning'), p('error')] }), 'error');
  assert.equal(worst({ problems: [p('error'), p('info')] }), 'error');
});

test('sortRows: errors, then warnings, then info, then clean; by path within a level; the input is not reordered', () => {
  const rows = [
    { repo: '/src/zeta', problems: [] },
    { repo: '/src/beta', problems: [p('info', 'LOCAL_ONLY')] },
    { repo: '/src/alpha', problems: [] },
    { repo: '/src/yak', problems: [p('warning', 'DIVERGED'), p('info', 'LOCAL_ONLY')] },
    { repo: '/src/delta', problems: [p('info', 'LOCAL_ONLY'), p('error', 'BACKUP_FAILED')] },
    { repo: '/src/carol', problems: [p('warning', 'NOT_INSTALLED')] },
    { repo: '/src/bob', problems: [p('error', 'LOCAL_ONLY'), p('warning', 'NOT_INSTALLED')] },
  ];
  const before = rows.map((r) => r.repo);
  const sorted = sortRows(rows);
  assert.deepEqual(sorted.map((r) => r.repo), ['/src/bob', '/src/delta', '/src/carol', '/src/yak', '/src/beta', '/src/alpha', '/src/zeta']);
  assert.deepEqual(rows.map((r) => r.repo), before, 'sortRows returns a new array');
  assert.notEqual(sorted, rows);
  assert.deepEqual(sortRows([]), []);
});

function row(over: Partial<TriageRow>): TriageRow {
  return {
    repo: '/src/r',
    host: 'alpha',
    branch: 'main',
    head: OID,
    upstream: { ref: 'origin/main', ahead: 0, behind: 0 },
    dirty: 0,
    role: 'active',
    roleSource: 'default',
    installed: true,
    localOnly: { count: 0, oldest: null },
    wip: { ref: 'refs/heads/wip/alpha/main', lastPushedAt: null, lastResult: null, lastError: null, pending: 0 },
    others: [],
    problems: [],
    ...over,
  };
}

test('rowSummary: branch, ahead/behind, dirty count, and the first problem that is not info', () => {
  assert.equal(rowSummary(row({})), 'main 0↑ 0↓, 0 dirty');
  assert.equal(rowSummary(row({ upstream: { ref: 'origin/main', ahead: 2, behind: 1 }, dirty: 3, problems: [p('info', 'LOCAL_ONLY'), p('warning', 'DIVERGED')] })), 'main 2↑ 1↓, 3 dirty — DIVERGED');
  assert.equal(rowSummary(row({ problems: [p('error', 'BACKUP_FAILED'), p('info', 'LOCAL_ONLY')] })), 'main 0↑ 0↓, 0 dirty — BACKUP_FAILED');
  assert.equal(rowSummary(row({ problems: [p('info', 'LOCAL_ONLY')] })), 'main 0↑ 0↓, 0 dirty — LOCAL_ONLY');
  assert.equal(rowSummary(row({ branch: null, upstream: null })), '(detached) no upstream, 0 dirty');
});

test('newerElsewhere (through the store): missing is none, a valid record is read, an invalid one says what and where, an unreadable one is loud', (t) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-warn-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  const ctx = { top: d, gitDir: path.join(d, '.git'), commonDir: path.join(d, '.git'), dxDir: path.join(d, '.git/dx') } as unknown as RepoContext;
  const file = path.join(d, '.git/dx/warn/main.json');
  assert.deepEqual(newerElsewhere(ctx, 'main'), { records: [], error: null });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rec = { host: 'zed', branch: 'main', sha: OID, ts: 1, message: 'wip', dirty: false, count: 2, restore: 'dx-hooks restore --host zed --branch main' };
  fs.writeFileSync(file, JSON.stringify([rec]));
  assert.deepEqual(newerElsewhere(ctx, 'main'), { records: [rec], error: null });
  fs.writeFileSync(file, JSON.stringify([{ ...rec, sha: 'nope' }]));
  assert.match(newerElsewhere(ctx, 'main').error ?? '', /warn\/main\.json is not a valid newer-WIP record: at key 0\.sha, /);
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.throws(() => newerElsewhere(ctx, 'main'), (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE');
});
