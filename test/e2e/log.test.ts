// `dx-hooks log`: the ledger made readable — newest first, local time, host, op, ok/error, refs
// old→new, paths — and filtered by age (--since) and by path (--path). Real events come from a
// real rollback; older ones are written to the ledger as the hooks would have written them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, dxJson, initRepo, withSandbox, type Host } from '../helpers/index.ts';

interface Ev { id: string; ts: number; host: string; op: string; ok: boolean; paths?: string[]; refs?: Record<string, { old: string | null; new: string | null }> }
interface LogJson { events: Ev[]; invalid: number }

const now = () => Math.floor(Date.now() / 1000);

async function repoWithHistory(t: Parameters<typeof withSandbox>[0]): Promise<{ h: Host; ledger: string; ids: Record<string, string> }> {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'logger');
  await h.commit('one', { 'a.txt': 'a\n' });
  await h.commit('two', { 'b.txt': 'b\n' });
  const ledger = path.join(h.dir, '.git/dx/events.jsonl');
  // Events the hooks wrote earlier (as JSON lines), one torn line, then a real rollback now.
  fs.mkdirSync(path.dirname(ledger), { recursive: true });
  const old = { id: `${now() - 3 * 86_400}-aaaaaa`, ts: now() - 3 * 86_400, host: 'laptop', op: 'protect.refuse', ok: false, error: 'commit deletes a protected path', paths: ['deploy/run.sh'] };
  const recent = { id: `${now() - 2 * 3600}-bbbbbb`, ts: now() - 2 * 3600, host: 'desk', op: 'wip.push', ok: true, detail: { note: 'kept deploy/run.sh aside' } };
  const other = { id: `${now() - 3600}-cccccc`, ts: now() - 3600, host: 'desk', op: 'snapshot', ok: true, paths: ['deployment.md'], detail: { wrote: 'docs/deployment.md', also: 'predeploy/x' } };
  fs.appendFileSync(ledger, [old, recent, other].map((e) => JSON.stringify(e) + '\n').join('') + '{"id":"torn","ts":1,"ho\n');
  const r = await dxJson<{ id: string }>(h, ['rollback', '1']);
  return { h, ledger, ids: { old: old.id, recent: recent.id, other: other.id, rollback: r.id } };
}

test('log --json: every event newest first, unreadable lines counted; --since keeps only the recent ones', async (t) => {
  const { h, ids } = await repoWithHistory(t);
  const all = await dxJson<LogJson>(h, ['log']);
  assert.equal(all.invalid, 1);
  assert.deepEqual(all.events.map((e) => e.id), [ids.rollback, ids.other, ids.recent, ids.old]);
  const rb = all.events[0] as Ev;
  assert.equal(rb.host, 'logger');
  assert.deepEqual(rb.paths, ['b.txt']);
  const day = await dxJson<LogJson>(h, ['log', '--since', '24h']);
  assert.deepEqual(day.events.map((e) => e.id), [ids.rollback, ids.other, ids.recent]);
  const halfHour = await dxJson<LogJson>(h, ['log', '--since', '30m']);
  assert.deepEqual(halfHour.events.map((e) => e.id), [ids.rollback]);
  const week = await dxJson<LogJson>(h, ['log', '--since', '7d']);
  assert.equal(week.events.length, 4);
  const bad = await dx(h, ['log', '--since', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"soon" is not a duration/);
});

test('log --path: events whose paths include it (or lie under it) or whose detail mentions it', async (t) => {
  const { h, ids } = await repoWithHistory(t);
  const byFile = await dxJson<LogJson>(h, ['log', '--path', 'deploy/run.sh']);
  assert.deepEqual(byFile.events.map((e) => e.id), [ids.recent, ids.old]);
  // A directory matches what lies under it — not a sibling that merely starts with the same letters.
  const byDir = await dxJson<LogJson>(h, ['log', '--path', 'deploy/']);
  assert.deepEqual(byDir.events.map((e) => e.id), [ids.recent, ids.old]);
  const both = await dxJson<LogJson>(h, ['log', '--path', './b.txt', '--since', '24h']);
  assert.deepEqual(both.events.map((e) => e.id), [ids.rollback]);
  const none = await dxJson<LogJson>(h, ['log', '--path', 'nowhere.txt']);
  assert.deepEqual(none.events, []);
});

test('log (text): local time, host, op, ok/error, refs old → new with short shas, paths — newest first', async (t) => {
  const { h, ids } = await repoWithHistory(t);
  const r = await dx(h, ['log']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 unreadable ledger line/);
  const text = r.stdout;
  const rb = (await dxJson<LogJson>(h, ['log'])).events[0] as Ev;
  const ref = rb.refs?.['refs/heads/main'];
  assert.ok(ref?.old && ref.new);
  assert.ok(text.includes(`refs/heads/main ${ref.old.slice(0, 7)} → ${ref.new.slice(0, 7)}`), text);
  assert.match(text, /logger {2}rollback {2}ok/);
  assert.match(text, /laptop {2}protect\.refuse {2}error/);
  assert.match(text, /commit deletes a protected path/);
  assert.match(text, /paths: b\.txt/);
  // TZ=UTC in the sandbox: the local time of the 3-day-old event is its UTC time.
  const d = new Date(Number(ids.old?.split('-')[0]) * 1000).toISOString();
  assert.ok(text.includes(`${d.slice(0, 10)} ${d.slice(11, 19)}  laptop`), text);
  assert.ok(text.indexOf(ids.rollback as string) < text.indexOf(ids.recent as string));
  assert.ok(text.indexOf(ids.recent as string) < text.indexOf(ids.old as string));
  const empty = await dx(h, ['log', '--path', 'nowhere.txt']);
  assert.match(empty.stdout, /No events match/);
});
