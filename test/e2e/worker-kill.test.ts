// Fault test (issue 12 point 1): no queued commit is ever stranded. The background worker is killed
// (SIGKILL: no cleanup at all) at each step of its run — holding the lock before it takes the queue,
// in the middle of the WIP push, in the middle of the index push — and the next commit's hook replaces
// it: every commit reaches the WIP ref and the index, and nothing is left queued. The remote holds a
// push while a gate file exists, so the test kills the worker exactly there. DX_LOCK_STALE_MS shortens
// the wait for the dead worker's lock (30 s in use) so the suite stays fast.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, waitFor, type Host } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

const indexSha = async (h: Host, remote: string, key: string) => {
  const r = await git(remote, h.env, ['show', 'refs/heads/dx/index:.dx/wip-index.json'], { allowFail: true });
  return r.code === 0 ? (JSON.parse(r.out) as { entries: Record<string, { sha: string }> }).entries[key]?.sha : undefined;
};

test('a worker killed at each step is replaced by the next commit\'s hook: every commit lands, nothing stays queued', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'killed');
  hosts.push(h);
  h.env.DX_LOCK_STALE_MS = '2000';
  assert.equal((await dx(h, ['install'])).code, 0);
  const gates = sb.tmp('gates');
  fs.mkdirSync(gates);
  // A push of a WIP ref (or of the index) waits while gates/wip (gates/index) exists, after saying it arrived.
  fs.writeFileSync(path.join(remote, 'hooks', 'pre-receive'), `#!/bin/sh
while read -r old new ref; do
  case $ref in refs/heads/wip/*) k=wip ;; refs/heads/dx/index) k=index ;; *) k= ;; esac
  if [ -n "$k" ] && [ -f '${gates}'/"$k" ]; then : >'${gates}'/"$k".entered; while [ -f '${gates}'/"$k" ]; do sleep 0.05; done; fi
done
exit 0
`, { mode: 0o755 });
  const dxDir = path.join(h.dir, '.git', 'dx');
  const pidFile = path.join(dxDir, 'worker.pid');
  const wip = 'refs/heads/wip/killed/main';
  const landed = async (sha: string) => {
    await waitFor(async () => (await lsRemote(h.env, remote)).get(wip) === sha && (await indexSha(h, remote, 'killed/main')) === sha, { what: `${sha.slice(0, 12)} on the WIP ref and in the index`, timeoutMs: 60_000 });
  };
  const killWorker = async () => {
    await waitFor(async () => fs.existsSync(pidFile) && /^\d+$/.test(fs.readFileSync(pidFile, 'utf8').trim()), { what: 'the worker to name itself', timeoutMs: 30_000 });
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, { what: `worker ${pid} to die` });
  };
  const gate = (k: string) => fs.writeFileSync(path.join(gates, k), '');
  const open = (k: string) => { fs.rmSync(path.join(gates, k), { force: true }); fs.rmSync(path.join(gates, `${k}.entered`), { force: true }); };
  t.after(() => { open('wip'); open('index'); });

  // 1. Holding the lock, before it took the queue (its debounce): killed at once.
  const c1 = await h.commit('one', { 'a.txt': '1\n' });
  await killWorker();
  const c2 = await h.commit('two', { 'a.txt': '2\n' });
  await landed(c2);
  assert.ok((await git(remote, h.env, ['merge-base', '--is-ancestor', c1, c2])).code === 0);

  // 2. In the middle of the WIP push.
  gate('wip');
  await h.commit('three', { 'a.txt': '3\n' });
  await waitFor(async () => fs.existsSync(path.join(gates, 'wip.entered')), { what: 'the WIP push to reach the remote' });
  await killWorker();
  open('wip');
  const c4 = await h.commit('four', { 'a.txt': '4\n' });
  await landed(c4);

  // 3. In the middle of the index push (the WIP ref already moved).
  gate('index');
  const c5 = await h.commit('five', { 'a.txt': '5\n' });
  await waitFor(async () => fs.existsSync(path.join(gates, 'index.entered')), { what: 'the index push to reach the remote' });
  await killWorker();
  open('index');
  const c6 = await h.commit('six', { 'a.txt': '6\n' });
  await landed(c6);
  assert.ok((await git(remote, h.env, ['merge-base', '--is-ancestor', c5, c6])).code === 0);

  // Nothing stranded: no queue, no taken-but-unfinished queue file, nothing pending.
  await idle(h);
  assert.deepEqual(fs.readdirSync(dxDir).filter((f) => /^queue/.test(f)), [], 'a queue file was left behind');
  const st = JSON.parse((await dx(h, ['status', '--json', '--offline'])).stdout) as { pending: unknown[] };
  assert.deepEqual(st.pending, []);
  assert.equal(fs.existsSync(path.join(dxDir, 'banner')), false, fs.existsSync(path.join(dxDir, 'banner')) ? fs.readFileSync(path.join(dxDir, 'banner'), 'utf8') : '');
});
