// Other hosts' newer WIP of every local branch (issue 12 point 3): the git calls do not grow with
// hosts × branches — one for-each-ref, one object check, one fetch for what is missing, one count per
// (WIP commit, branch tip) pair never counted before — and a second look counts nothing again. The
// answers are the ones the per-pair check gave: counts, contained WIP skipped, the newest five per branch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSession } from '../../src/core/session.ts';
import { newerWipByBranch, MAX_WARNINGS_PER_BRANCH } from '../../src/core/wip/newer.ts';
import type { WipIndex } from '../../src/core/wipindex/format.ts';
import { cloneAs, createBareRemote, seedRemote, withSandbox } from '../helpers/index.ts';
import { pinProcessEnv, tracedGit } from '../helpers/inproc.ts';

test('8 hosts × 6 branches: bounded git calls, right counts, contained and own entries skipped, five per branch; the second look runs no count', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const here = await cloneAs(sb, remote, 'here');
  const other = await cloneAs(sb, remote, 'other');
  const branches = ['main', 'b1', 'b2', 'b3', 'b4', 'b5'];
  for (const b of branches.slice(1)) await here.git(['branch', b]);
  const base = (await here.git(['rev-parse', 'HEAD'])).out.trim();
  const tipTime = Number((await here.git(['log', '-1', '--format=%ct'])).out.trim());
  // Host k's WIP of each branch: k+1 commits on top of the seed, pushed as its WIP ref (not fetched here).
  const index: WipIndex = { schema_version: 1, repo: 'r', updated: 0, entries: {}, hosts: {} };
  const hosts = Array.from({ length: 8 }, (_, k) => `h${k}`);
  const updates: string[] = [];
  for (const [k, host] of hosts.entries()) {
    for (const b of branches) {
      let sha = base;
      for (let i = 0; i <= k; i++) sha = (await other.git(['commit-tree', '-p', sha, '-m', `${host} ${b} ${i}`, `${sha}^{tree}`])).out.trim();
      const ref = `refs/heads/wip/${host}/${b}`;
      updates.push(`update ${ref} ${sha}`);
      index.entries[`${host}/${b}`] = { host, branch: b, ref, sha, base, ts: tipTime + 100 + k, message: `${host} on ${b}`, dirty: false };
    }
  }
  await other.git(['update-ref', '--stdin'], { input: updates.join('\n') + '\n' });
  await other.git(['push', '--quiet', 'origin', 'refs/heads/wip/*:refs/heads/wip/*']);
  // Our own entry, and another host's WIP that the branch already contains: never warned about.
  index.entries['here/main'] = { host: 'here', branch: 'main', ref: 'refs/heads/wip/here/main', sha: 'a'.repeat(40), base, ts: tipTime + 999, message: 'mine', dirty: false };
  index.entries['old/b1'] = { host: 'old', branch: 'b1', ref: 'refs/heads/wip/old/b1', sha: base, base, ts: tipTime + 999, message: 'contained', dirty: false };
  // A branch nobody has here: ignored.
  index.entries['h0/gone'] = { ...index.entries['h0/main']!, branch: 'gone', ref: 'refs/heads/wip/h0/gone' };

  const s = await openSession(here.dir);
  const first = await tracedGit(() => newerWipByBranch(s, index, 'origin'));
  const kinds = (gits: string[]) => gits.map((g) => /git "([^"]+)"/.exec(g)?.[1]);
  const counted = (gits: string[]) => kinds(gits).filter((k) => k === 'rev-list').length;
  const pairs = branches.length * MAX_WARNINGS_PER_BRANCH;
  assert.equal(kinds(first.gits).filter((k) => k === 'fetch').length, 1, 'one fetch for every missing WIP commit');
  assert.equal(counted(first.gits), pairs, 'one count per pair shown');
  assert.ok(first.gits.length <= pairs + 8, `${first.gits.length} git calls for ${pairs} pairs`);
  assert.deepEqual([...first.value.keys()].sort(), [...branches].sort());
  for (const b of branches) {
    const shown = first.value.get(b)!;
    // The newest five hosts (h7 … h3), each with its own count of commits the branch lacks.
    assert.deepEqual(shown.map((n) => [n.entry.host, n.count]), [7, 6, 5, 4, 3].map((k) => [`h${k}`, k + 1]), b);
  }
  const second = await tracedGit(() => newerWipByBranch(s, index, 'origin'));
  assert.equal(counted(second.gits), 0, 'pairs counted before were counted again');
  assert.ok(second.gits.length <= 3, `the second look ran ${second.gits.length} git calls`);
  assert.deepEqual([...second.value].map(([b, l]) => [b, l.map((n) => n.count)]), [...first.value].map(([b, l]) => [b, l.map((n) => n.count)]));

  // A new commit on main: only main's pairs are counted again, against the new tip.
  await here.git(['commit', '--quiet', '--allow-empty', '-m', 'moved']);
  const moved = await tracedGit(() => newerWipByBranch(s, index, 'origin'));
  assert.ok(counted(moved.gits) <= MAX_WARNINGS_PER_BRANCH, `${counted(moved.gits)} counts after one branch moved`);

  // A corrupt cache is said in the ledger and counted again, never trusted.
  const cache = path.join(here.dir, '.git', 'dx', 'newer-cache.json');
  fs.writeFileSync(cache, '{"schema_version":1,"counts":{"x":1}');
  const again = await tracedGit(() => newerWipByBranch(s, index, 'origin'));
  assert.equal(counted(again.gits), pairs);
  assert.match(fs.readFileSync(path.join(here.dir, '.git', 'dx', 'events.jsonl'), 'utf8'), /"op":"cache\.corrupt"/);
  assert.equal(JSON.parse(fs.readFileSync(cache, 'utf8')).schema_version, 1, 'the cache was not rewritten whole');
});

test('the worker reads the index it just pushed for the warnings, and its listing of the remote stands in for the index fetch: no fetch of dx/index (two before issue 12)', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'solo');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'solo');
  await h.git(['commit', '--quiet', '--allow-empty', '-m', 'work']);
  const s = await openSession(h.dir);
  const { enqueue } = await import('../../src/core/wip/queue.ts');
  const { runWorker } = await import('../../src/core/wip/worker.ts');
  enqueue(s.ctx, { kind: 'branch', branch: 'main' });
  const run = await tracedGit(() => runWorker(s, { refreshWarnings: true }));
  assert.equal(run.value.busy, false);
  const fetches = run.gits.filter((g) => g.includes('"fetch"') && g.includes('dx/index'));
  assert.equal(fetches.length, 0, fetches.join(''));
  assert.equal(run.gits.filter((g) => g.includes('"ls-remote"')).length, 1, 'one listing of the remote: the check for vanished refs');
  assert.ok(!run.value.busy && run.value.refreshError === null, 'the warnings refresh failed');
  assert.ok(run.value.busy === false && run.value.reports.some((r) => r.pushed.length === 1));
  // The index did land: the remote holds it, with this host's entry.
  const there = (await h.git(['ls-remote', 'origin', 'refs/heads/dx/index'])).out.trim();
  assert.match(there, /^[0-9a-f]{40}\trefs\/heads\/dx\/index$/);
});


/** A clone "here" of a seeded remote, its tip, the tip's commit time (Unix s), and a commit on top of it that the branch lacks. */
async function oneCommitAhead(t: Parameters<typeof withSandbox>[0]) {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const here = await cloneAs(sb, remote, 'here');
  const base = (await here.git(['rev-parse', 'HEAD'])).out.trim();
  const tipTime = Number((await here.git(['log', '-1', '--format=%ct'])).out.trim());
  const ahead = (await here.git(['commit-tree', '-p', base, '-m', 'newer', `${base}^{tree}`])).out.trim();
  return { here, base, tipTime, ahead };
}

test('an entry of the very second the branch tip was committed in is newer work when it holds commits the branch lacks; an older one is not looked at', async (t) => {
  const { here, base, tipTime, ahead } = await oneCommitAhead(t);
  const entry = (host: string, ts: number) => ({ host, branch: 'main', ref: `refs/heads/wip/${host}/main`, sha: ahead, base, ts, message: host, dirty: false });
  const index: WipIndex = { schema_version: 1, repo: 'r', updated: 0, entries: { 'same/main': entry('same', tipTime), 'older/main': entry('older', tipTime - 1) }, hosts: {} };
  const got = await newerWipByBranch(await openSession(here.dir), index);
  assert.deepEqual(got.get('main')?.map((n) => [n.entry.host, n.count]), [['same', 1]]);
});

test('writeBranchWarnings: the same warnings are not written again (the folder\'s content key matches); new ones, or a key that does not match, rewrite the folder', async (t) => {
  const { writeBranchWarnings } = await import('../../src/core/wip/others.ts');
  const { here, base, tipTime, ahead } = await oneCommitAhead(t);
  const index = (ts: number): WipIndex => ({ schema_version: 1, repo: 'r', updated: 0, hosts: {}, entries: { 'other/main': { host: 'other', branch: 'main', ref: 'refs/heads/wip/other/main', sha: ahead, base, ts, message: 'newer', dirty: false } } });
  const s = await openSession(here.dir);
  const warn = path.join(here.dir, '.git', 'dx', 'warn');
  const msg = path.join(warn, 'main.msg');
  assert.deepEqual(await writeBranchWarnings(s, index(tipTime + 10)), ['main']);
  const first = fs.statSync(msg).ino;
  assert.match(fs.readFileSync(msg, 'utf8'), /host "other" has newer WIP of "main"/);
  assert.deepEqual(await writeBranchWarnings(s, index(tipTime + 10)), ['main']);
  assert.equal(fs.statSync(msg).ino, first, 'the same warnings: the file was not written again');
  await writeBranchWarnings(s, index(tipTime + 20));
  assert.notEqual(fs.statSync(msg).ino, first, 'a newer entry: rewritten');
  assert.match(fs.readFileSync(msg, 'utf8'), new RegExp(`^${tipTime + 20}\t`));
  const again = fs.statSync(msg).ino;
  fs.writeFileSync(path.join(warn, '.content-key'), 'not the key\n');
  await writeBranchWarnings(s, index(tipTime + 20));
  assert.notEqual(fs.statSync(msg).ino, again, 'a key that does not match the content: rewritten');
  // No newer WIP any more: the folder goes.
  await writeBranchWarnings(s, index(tipTime - 10));
  assert.equal(fs.existsSync(warn), false);
});
