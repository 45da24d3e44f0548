// The batch planner (DESIGN §7) as a table: resume an interrupted batch over the same
// repositories; redo failures only with --retry-failed; start fresh with --no-resume, over other
// repositories, after a finished batch, or when the progress is stale or corrupt; refuse while running.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { planBatch } from '../../src/core/batch/plan.ts';
import { BatchProgressSchema, readProgress, remaining, type BatchProgress } from '../../src/core/batch/progress.ts';

const NOW = 1_800_000_000;
const repos = ['/r/a', '/r/b', '/r/c', '/r/d', '/r/e'];

function progress(over: Partial<BatchProgress> = {}): BatchProgress {
  return BatchProgressSchema.parse({
    schema_version: 1, command: 'sync', session_id: 's1', pid: 4242, started_at: NOW - 60, updated_at: NOW - 30,
    queued: repos, current: ['/r/c'], completed: ['/r/a'], failed: [{ repo: '/r/b', error: 'boom', at: NOW - 40 }], skipped: [], finished_at: null, ...over,
  });
}

const ok = (p: BatchProgress) => ({ kind: 'ok' as const, progress: p });
const base = { repos, resume: true, retryFailed: false, now: NOW, running: false };

test('an interrupted batch resumes with the repositories that have no outcome (the one in progress is redone)', () => {
  const p = planBatch({ ...base, previous: ok(progress()) });
  assert.equal(p.mode, 'resume');
  assert.deepEqual(p.todo, ['/r/c', '/r/d', '/r/e']);
  assert.deepEqual(p.carried?.completed, ['/r/a']);
  assert.deepEqual(p.carried?.failed.map((f) => f.repo), ['/r/b']);
  assert.match(p.note ?? '', /1 done, 3 to go; 1 failed \(redo them with --retry-failed\)/);
});

test('--retry-failed also redoes the failed ones, in queue order', () => {
  const p = planBatch({ ...base, retryFailed: true, previous: ok(progress()) });
  assert.deepEqual(p.todo, ['/r/b', '/r/c', '/r/d', '/r/e']);
  assert.deepEqual(p.carried?.failed, []);
});

test('--no-resume, other repositories, a stale or corrupt file start fresh', () => {
  assert.deepEqual(planBatch({ ...base, resume: false, previous: ok(progress()) }).todo, repos);
  const other = planBatch({ ...base, repos: ['/x'], previous: ok(progress()) });
  assert.deepEqual([other.mode, other.todo], ['fresh', ['/x']]);
  assert.match(other.note ?? '', /other repositories/);
  const stale = planBatch({ ...base, previous: ok(progress({ updated_at: NOW - 25 * 3600 })) });
  assert.deepEqual([stale.mode, stale.todo.length], ['fresh', 5]);
  assert.match(stale.note ?? '', /more than 24 h ago/);
  const corrupt = planBatch({ ...base, previous: { kind: 'corrupt', error: 'not JSON' } });
  assert.deepEqual([corrupt.mode, corrupt.todo.length], ['fresh', 5]);
  assert.match(corrupt.note ?? '', /not JSON/);
  assert.deepEqual(planBatch({ ...base, previous: { kind: 'none' } }).todo, repos);
});

test('the same repositories in another order still resume', () => {
  const p = planBatch({ ...base, repos: [...repos].reverse(), previous: ok(progress()) });
  assert.equal(p.mode, 'resume');
});

test('a finished batch: the next run starts fresh, or with --retry-failed redoes only the failed', () => {
  const done = progress({ current: [], completed: ['/r/a', '/r/c', '/r/d', '/r/e'], finished_at: NOW - 10 });
  assert.deepEqual(planBatch({ ...base, previous: ok(done) }), { mode: 'fresh', todo: repos, carried: null, note: null });
  const retry = planBatch({ ...base, retryFailed: true, previous: ok(done) });
  assert.deepEqual([retry.mode, retry.todo], ['retry-failed', ['/r/b']]);
  assert.deepEqual(retry.carried?.completed, ['/r/a', '/r/c', '/r/d', '/r/e']);
});

test('a run that still holds the progress is refused (unless its progress is stale)', () => {
  assert.equal(planBatch({ ...base, running: true, previous: ok(progress()) }).mode, 'running');
  assert.equal(planBatch({ ...base, running: true, previous: ok(progress({ updated_at: NOW - 2 * 86_400 })) }).mode, 'fresh');
});

test('the schema refuses what is not a progress file, and remaining() keeps queue order', () => {
  assert.equal(BatchProgressSchema.safeParse({ schema_version: 2 }).success, false);
  assert.equal(BatchProgressSchema.safeParse({ ...progress(), pid: -1 }).success, false);
  assert.deepEqual(remaining(progress()), ['/r/c', '/r/d', '/r/e']);
});

test('readProgress (through the store): missing is none, cut short is corrupt at the end of file, a directory is corrupt naming EISDIR', (t) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-progress-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  const file = path.join(d, 'batch-progress.json');
  assert.deepEqual(readProgress(file), { kind: 'none' });
  fs.writeFileSync(file, JSON.stringify(progress()));
  assert.equal(readProgress(file).kind, 'ok');
  fs.writeFileSync(file, '{"schema_version": 1, "queued": [');
  const cut = readProgress(file);
  assert.ok(cut.kind === 'corrupt' && cut.error.includes(`${file} is not a valid dx-hooks batch progress file: at end of file`), JSON.stringify(cut));
  fs.rmSync(file);
  fs.mkdirSync(file);
  const dir = readProgress(file);
  assert.ok(dir.kind === 'corrupt' && /EISDIR/.test(dir.error) && dir.error.includes(file), JSON.stringify(dir));
});
