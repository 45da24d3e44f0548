// No queued entry is ever stranded (issue 12 point 1), at the two places where a hook and the worker
// cross without a lock:
// - a hook that opened the queue for its append just before the worker renamed it writes its line into
//   the taken file after the worker read it: that line goes back to the queue, not into the bin;
// - a hook that queues after the worker's last look at the queue must find no live worker, so it starts
//   one: the worker drops its hook-given name (dx/worker.starting, the pid of its parent sh) before that look.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dxPaths } from '../../src/core/context.ts';
import { openSession } from '../../src/core/session.ts';
import { enqueue, takeQueue } from '../../src/core/wip/queue.ts';
import { liveWorker, runWorker } from '../../src/core/wip/worker.ts';
import { startWorker } from '../../src/commands/background.ts';
import { cloneAs, createBareRemote, lsRemote, seedRemote, waitFor, withSandbox } from '../helpers/index.ts';
import { pinProcessEnv } from '../helpers/inproc.ts';

test('a line appended to the queue file after the worker took and read it is handed back to the queue', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'q');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'q');
  const s = await openSession(h.dir);
  const { queue } = dxPaths(s.ctx);
  enqueue(s.ctx, { kind: 'branch', branch: 'main' });
  // The hook's open file descriptor: opened (O_APPEND) on the queue before the worker's rename.
  const fd = fs.openSync(queue, 'a');
  const taken = takeQueue(s.ctx);
  assert.deepEqual(taken.items, [{ kind: 'branch', branch: 'main' }]);
  assert.equal(fs.existsSync(queue), false, 'the queue was taken by a rename');
  fs.writeSync(fd, 'refs/heads/late\n'); // lands in the taken file, after the worker read it
  fs.closeSync(fd);
  taken.done();
  assert.equal(fs.readFileSync(queue, 'utf8'), 'refs/heads/late\n', 'the late line is queued again');
  assert.deepEqual(fs.readdirSync(path.dirname(queue)).filter((f) => f.endsWith('.work')), [], 'the taken file is gone');
  // Nothing late: done() hands nothing back.
  const again = takeQueue(s.ctx);
  assert.deepEqual(again.items, [{ kind: 'branch', branch: 'late' }]);
  again.done();
  assert.equal(fs.existsSync(queue), false);
});

test('the worker drops worker.starting when it names its parent sh, before its last look at the queue; another worker\'s name is kept', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'w');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'w');
  const s = await openSession(h.dir);
  const { workerStarting } = dxPaths(s.ctx);
  const tip = (await h.git(['rev-parse', 'HEAD'])).out.trim();

  // Started by a hook: the sh that runs this node is its parent.
  fs.mkdirSync(path.dirname(workerStarting), { recursive: true });
  fs.writeFileSync(workerStarting, `${process.ppid}\n`);
  enqueue(s.ctx, { kind: 'branch', branch: 'main' });
  const r = await runWorker(s, { refreshWarnings: false });
  assert.equal(r.busy, false);
  assert.equal(fs.existsSync(workerStarting), false, 'worker.starting still names this worker after it stopped looking at the queue');
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/w/main'), tip, 'the queued commit was mirrored');

  // A newer hook started another worker meanwhile: its name stays.
  const other = String(process.ppid + 1);
  fs.writeFileSync(workerStarting, `${other}\n`);
  enqueue(s.ctx, { kind: 'branch', branch: 'main' });
  await runWorker(s, { refreshWarnings: false });
  assert.equal(fs.readFileSync(workerStarting, 'utf8'), `${other}\n`);

  // Started by a command (commands/background.ts): it names the node itself.
  fs.writeFileSync(workerStarting, `${process.pid}\n`);
  await runWorker(s, { refreshWarnings: false });
  assert.equal(fs.existsSync(workerStarting), false);
});

test('a worker a command started is live for the next command and the hooks until it is done; a starting pid that is not a dx-hooks worker is not', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 's');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 's');
  const s = await openSession(h.dir);
  const { workerStarting } = dxPaths(s.ctx);
  fs.mkdirSync(path.dirname(workerStarting), { recursive: true });
  // A live process that is no worker (a reused pid), then one whose command line names hook-worker.
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const fake = spawn('sh', ['-c', 'sleep 30', 'hook-worker'], { stdio: 'ignore' });
  t.after(() => {
    sleeper.kill('SIGKILL');
    fake.kill('SIGKILL');
  });
  fs.writeFileSync(workerStarting, `${sleeper.pid}\n`);
  assert.equal(liveWorker(s.ctx), null);
  fs.writeFileSync(workerStarting, `${fake.pid}\n`);
  assert.equal(liveWorker(s.ctx), fake.pid);
  fs.rmSync(workerStarting);

  // The real thing: the node it starts is named before startWorker returns (node's start-up alone outlasts
  // that), and it drops its name when done.
  await startWorker(s.ctx);
  const named = Number(fs.readFileSync(workerStarting, 'utf8').trim());
  assert.ok(named > 0 && named !== process.pid);
  await waitFor(async () => !fs.existsSync(workerStarting), { what: 'the started worker to drop its name', timeoutMs: 30_000 });
  assert.equal(liveWorker(s.ctx), null);

  // worker.starting a symlink to a file outside: nothing is written through it; the ledger says why.
  const outside = sb.tmp('outside-starting');
  fs.writeFileSync(outside, 'keep\n');
  fs.symlinkSync(outside, workerStarting);
  await startWorker(s.ctx);
  assert.equal(fs.readFileSync(outside, 'utf8'), 'keep\n');
  assert.ok(fs.lstatSync(workerStarting).isSymbolicLink());
  const ledger = fs.readFileSync(dxPaths(s.ctx).ledger, 'utf8');
  assert.match(ledger, /"op":"worker.start","ok":false,"error":"could not name the started worker/);
  await waitFor(async () => !fs.existsSync(dxPaths(s.ctx).workerPid) && !fs.existsSync(`${dxPaths(s.ctx).lock}.lock`), { what: 'the started worker to finish', timeoutMs: 30_000 });
  assert.equal(fs.readFileSync(outside, 'utf8'), 'keep\n', 'the worker wrote nothing through it either');
});
