// Doctor's fix plan and report: fixes run in a safe order, a failing fix never stops the others,
// and a problem counts as fixed only when the second check no longer finds it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixPlan, mergeAfterFix, runFixes } from '../../src/core/doctor/report.ts';
import type { Diagnostic } from '../../src/core/doctor/types.ts';

const diag = (code: string, extra: Partial<Diagnostic> = {}): Diagnostic => ({ code, severity: 'error', message: `${code} message`, fixable: !!extra.fix, ...extra });

test('fixes run stale locks first, hooks before pushes, pushes before the index; unfixable ones are left out', async () => {
  const ran: string[] = [];
  const fix = (name: string) => async () => {
    ran.push(name);
    return `did ${name}`;
  };
  const found = [
    diag('INDEX_STALE', { fix: fix('index') }),
    diag('WIP_PENDING', { fix: fix('push') }),
    diag('CONFIG_INVALID'),
    diag('HOOKS_OUTDATED', { fix: fix('outdated') }),
    diag('SOMETHING_NEW', { fix: fix('new') }),
    diag('LOCK_STALE', { id: 'LOCK_STALE:a', fix: fix('lock a') }),
    diag('HOOKS_MISSING', { fix: fix('hooks') }),
    diag('LOCK_STALE', { id: 'LOCK_STALE:b', fix: fix('lock b') }),
  ];
  assert.deepEqual(fixPlan(found).map((d) => d.id ?? d.code), ['LOCK_STALE:a', 'LOCK_STALE:b', 'HOOKS_MISSING', 'HOOKS_OUTDATED', 'WIP_PENDING', 'INDEX_STALE', 'SOMETHING_NEW']);
  await runFixes(found);
  assert.deepEqual(ran, ['lock a', 'lock b', 'hooks', 'outdated', 'push', 'index', 'new']);
});

test('a failing fix is reported and the next fix still runs', async () => {
  const boom = diag('HOOKS_MISSING', { fix: async () => { throw new Error('disk full'); } });
  const ok = diag('WIP_PENDING', { fix: async () => 'pushed' });
  const results = await runFixes([boom, ok]);
  assert.deepEqual(results.get(boom), { ok: false, text: 'disk full' });
  assert.deepEqual(results.get(ok), { ok: true, text: 'pushed' });
});

test('the report: fixed only when the re-check no longer finds it; new problems are appended', () => {
  const gone = diag('LOCK_STALE', { id: 'LOCK_STALE:x', fix: async () => '' });
  const stays = diag('WIP_PENDING', { fix: async () => '' });
  const failed = diag('HOOKS_MISSING', { fix: async () => '' });
  const manual = diag('CONFIG_INVALID', { hint: 'edit it' });
  const vanished = diag('INDEX_STALE', { severity: 'warning' });
  const results = new Map([
    [gone, { ok: true, text: 'removed x' }],
    [stays, { ok: true, text: 'pushed nothing' }],
    [failed, { ok: false, text: 'EACCES' }],
  ]);
  const after = [diag('WIP_PENDING', { message: 'still 1 pending' }), diag('HOOKS_MISSING'), diag('CONFIG_INVALID'), diag('HOOKS_OUTDATED', { severity: 'warning' })];
  const r = mergeAfterFix([gone, stays, failed, manual, vanished], results, after);
  assert.deepEqual(r.map((d) => [d.code, d.fixed, d.fixResult]), [
    ['LOCK_STALE', true, 'removed x'],
    ['WIP_PENDING', false, 'pushed nothing; but the check still finds: still 1 pending'],
    ['HOOKS_MISSING', false, 'fix failed: EACCES'],
    ['CONFIG_INVALID', false, null],
    ['INDEX_STALE', true, 'gone after the other fixes'],
    ['HOOKS_OUTDATED', false, null],
  ]);
  assert.equal(r[3]?.hint, 'edit it');
  assert.equal(r[0]?.hint, null);
});

test('without --fix the report is the check as found', () => {
  const r = mergeAfterFix([diag('GIT_OLD', { hint: 'upgrade' })], new Map(), null);
  assert.deepEqual(r, [{ code: 'GIT_OLD', severity: 'error', message: 'GIT_OLD message', fixable: false, hint: 'upgrade', fixed: false, fixResult: null }]);
});
