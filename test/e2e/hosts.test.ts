// Hosts and detached work (issue 11 point 4): two detached sessions both stay on the remote, a branch
// named `detached` and a detached HEAD each keep their own WIP, and two machines sharing one host id
// are noticed by `status` and `doctor`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

async function setup(t: Parameters<typeof withSandbox>[0], names: { host: string; dir: string }[]): Promise<{ sb: Sandbox; remote: string; hs: Host[] }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hs: Host[] = [];
  for (const n of names) {
    const h = await cloneAs(sb, remote, n.host, n.dir);
    h.env.DX_WIP_PUSH = 'sync';
    const r = await dx(h, ['install']);
    assert.equal(r.code, 0, r.stderr);
    hs.push(h);
  }
  return { sb, remote, hs };
}

/** Whether the bare remote has `sha` and some ref reaches it (gc would keep it). */
async function reachableOnRemote(sb: Sandbox, remote: string, sha: string): Promise<string[]> {
  const has = await git(remote, sb.env, ['cat-file', '-e', `${sha}^{commit}`], { allowFail: true });
  if (has.code !== 0) return [];
  return (await git(remote, sb.env, ['for-each-ref', '--format=%(refname)', '--contains', sha])).out.split('\n').filter(Boolean);
}

test('two detached sessions: the second one\'s WIP does not drop the first one\'s commit from the remote', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'alpha', dir: 'alpha' }]);
  const a = hs[0] as Host;
  await a.git(['checkout', '--quiet', '--detach', 'HEAD']);
  const d1 = await a.commit('detached session 1', { 'one.txt': '1\n' });
  await a.git(['checkout', '--quiet', '--detach', 'main']);
  const d2 = await a.commit('detached session 2', { 'two.txt': '2\n' });
  const refs = await lsRemote(sb.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/HEAD'), d2, 'the detached slot holds the newest session');
  assert.ok(!refs.has('refs/heads/wip/alpha/detached'), 'no branch-like slot for a detached HEAD');
  assert.deepEqual(await reachableOnRemote(sb, remote, d1), [`refs/dx/displaced/alpha/${d1.slice(0, 12)}/HEAD`], 'the first session kept aside');
  assert.ok((await reachableOnRemote(sb, remote, d2)).includes('refs/heads/wip/alpha/HEAD'));
  // A later commit of the same session continues it: nothing more is kept aside.
  const d3 = await a.commit('detached session 2, more', { 'two.txt': '3\n' });
  assert.equal((await lsRemote(sb.env, remote, 'refs/dx/displaced/*')).size, 1);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/alpha/HEAD'), d3);
});

test('two detached sessions queued before one worker run (a burst): both commits reach the remote', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'alpha', dir: 'alpha' }]);
  const a = hs[0] as Host;
  const off = { ...a.env, DX_HOOKS: '0' };
  const commit = async (msg: string, file: string) => {
    await a.write(file, `${msg}\n`);
    await git(a.dir, off, ['add', '-A']);
    await git(a.dir, off, ['commit', '--quiet', '-m', msg]);
    return (await a.git(['rev-parse', 'HEAD'])).out;
  };
  await git(a.dir, off, ['checkout', '--quiet', '--detach', 'HEAD']);
  const d1 = await commit('burst session 1', 'one.txt');
  await git(a.dir, off, ['checkout', '--quiet', '--detach', 'main']);
  const d2 = await commit('burst session 2', 'two.txt');
  fs.appendFileSync(path.join(a.dir, '.git/dx/queue'), `${d1}\n${d2}\n`);
  const w = await dx(a, ['hook-worker', '--foreground']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/alpha/HEAD'), d2);
  assert.ok((await reachableOnRemote(sb, remote, d1)).length > 0, 'the first session is on the remote');
});

test('a branch named "detached" and a detached HEAD each keep their own WIP ref', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'alpha', dir: 'alpha' }]);
  const a = hs[0] as Host;
  await a.git(['switch', '--quiet', '-c', 'detached']);
  const b = await a.commit('on the branch named detached', { 'b.txt': 'b\n' });
  await a.git(['checkout', '--quiet', '--detach', 'main']);
  const d = await a.commit('on a detached HEAD', { 'd.txt': 'd\n' });
  await a.git(['switch', '--quiet', 'detached']);
  const b2 = await a.commit('the branch again', { 'b.txt': 'b2\n' });
  const refs = await lsRemote(sb.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/detached'), b2);
  assert.equal(refs.get('refs/heads/wip/alpha/HEAD'), d);
  assert.ok((await reachableOnRemote(sb, remote, b)).length > 0);
  const idx = JSON.parse((await git(remote, sb.env, ['show', 'refs/heads/dx/index:.dx/wip-index.json'])).out) as { entries: Record<string, { sha: string }> };
  assert.equal(idx.entries['alpha/detached']?.sha, b2);
  assert.equal(idx.entries['alpha/HEAD']?.sha, d);
});
