// e2e (issue 12 point 1): one worker per burst. While a worker holds the lock (here: held up by a remote
// whose pre-receive waits for a gate file the test opens), the commits made meanwhile start no second
// node — the live worker takes their queue entries before it lets go — and the last commit still lands
// on the WIP ref. Observed with a `node` on PATH that logs its arguments before running the real one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, lsRemote, seedRemote, waitFor } from '../helpers/index.ts';
import { idle, idleSandbox, spyOnNode } from '../helpers/idle.ts';

test('a burst of commits behind a busy worker starts no second worker, and the last commit is mirrored', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'burst');
  hosts.push(h);
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.commit('config');
  await idle(h); // the config commit's own worker must not be the one the gate holds
  // The remote holds every push until the gate file exists (a slow network, for as long as the test wants).
  const gate = sb.tmp('gate');
  fs.writeFileSync(path.join(remote, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >/dev/null\nwhile [ ! -f '${gate}' ]; do sleep 0.05; done\n`, { mode: 0o755 });
  const spy = spyOnNode(sb, h);
  const workers = () => spy.lines().filter((l) => / hook-worker$/.test(l)).length;
  const pidFile = path.join(h.dir, '.git', 'dx', 'worker.pid');

  let last = '';
  try {
    await h.commit('first', { 'a.txt': '1\n' });
    await waitFor(async () => fs.existsSync(pidFile), { what: 'the worker to take the lock', timeoutMs: 30_000 });
    assert.equal(workers(), 1);
    for (let i = 2; i <= 5; i++) last = await h.commit(`commit ${i}`, { 'a.txt': `${i}\n` });
    assert.equal(workers(), 1, 'a commit behind a live worker started another node');
  } finally {
    fs.writeFileSync(gate, ''); // never leave a push hanging
  }
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/burst/main') === last, { what: 'the last commit of the burst on the WIP ref', timeoutMs: 30_000 });
  await idle(h);
  assert.equal(fs.existsSync(pidFile), false, 'the worker left its pid behind');
  assert.equal(workers(), 1);
  // Nothing stranded: the queue is empty, and no push is pending.
  assert.equal(fs.existsSync(path.join(h.dir, '.git', 'dx', 'queue')), false);
  const st = JSON.parse((await dx(h, ['status', '--json', '--offline'])).stdout) as { pending: unknown[] };
  assert.deepEqual(st.pending, []);
});

test('a worker file naming a dead process, or a process that is not dx-hooks, does not stop the next commit\'s worker', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'stale');
  hosts.push(h);
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.commit('config');
  const pidFile = path.join(h.dir, '.git', 'dx', 'worker.pid');
  // A live process that is not a dx-hooks worker (a reused pid); 2^22 is beyond pid_max on Linux.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  for (const pid of [String(other.pid), '4194304', 'not-a-pid']) {
    fs.writeFileSync(pidFile, `${pid}\n`);
    const sha = await h.commit(`with worker.pid ${pid}`, { 'a.txt': `${pid}\n` });
    await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/stale/main') === sha, { what: `the commit mirrored despite worker.pid ${pid}`, timeoutMs: 30_000 });
    await idle(h);
  }
});

test('commits right after the first one, before its worker has taken the lock, start no second node: the starting worker is alive for them', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'quick');
  hosts.push(h);
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.commit('config');
  await idle(h);
  const spy = spyOnNode(sb, h);
  const workers = () => spy.lines().filter((l) => / hook-worker$/.test(l)).length;
  // Back to back, with no wait: node's start-up alone outlasts the five commits.
  let last = '';
  for (let i = 1; i <= 5; i++) last = await h.commit(`quick ${i}`, { 'q.txt': `${i}\n` });
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/quick/main') === last, { what: 'the last quick commit on the WIP ref', timeoutMs: 30_000 });
  await idle(h);
  assert.ok(workers() <= 2, `${workers()} workers started for 5 back-to-back commits`);
  // A starting-worker file naming a process that is not a worker does not stop the next commit's.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  fs.writeFileSync(path.join(h.dir, '.git', 'dx', 'worker.starting'), `${other.pid}\n`);
  const next = await h.commit('after a foreign starting pid', { 'q.txt': 'next\n' });
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/quick/main') === next, { what: 'the commit after a foreign starting pid', timeoutMs: 30_000 });
});
