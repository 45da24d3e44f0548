// Hosts and detached work (issue 11 point 4): two detached sessions both stay on the remote, a branch
// named `detached` and a detached HEAD each keep their own WIP, and two machines sharing one host id
// are noticed by `status` and `doctor`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

/** A sandbox, its bare remote, and one installed clone per name; `machine`: a config directory of its own (another machine). */
async function setup(t: Parameters<typeof withSandbox>[0], names: { host: string; dir: string; machine?: boolean }[]): Promise<{ sb: Sandbox; remote: string; hs: Host[] }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hs: Host[] = [];
  for (const n of names) {
    const h = await cloneAs(sb, remote, n.host, n.dir);
    h.env.DX_WIP_PUSH = 'sync';
    if (n.machine) h.env.XDG_CONFIG_HOME = sb.tmp(`${n.dir}-config`);
    await installHooks(h);
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

test('two detached sessions: the second one\'s WIP does not drop the first one\'s commit from the remote; a branch named detached has a slot of its own', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'alpha', dir: 'alpha' }]);
  const a = hs[0] as Host;
  await a.git(['checkout', '--quiet', '--detach', 'HEAD']);
  const d1 = await a.commit('detached session 1', { 'one.txt': '1\n' });
  await a.git(['checkout', '--quiet', '--detach', 'main']);
  const d2 = await a.commit('detached session 2', { 'two.txt': '2\n' });
  assert.deepEqual(await reachableOnRemote(sb, remote, d1), [`refs/dx/displaced/alpha/${d1.slice(0, 12)}/HEAD`], 'the first session kept aside');
  const refs = await lsRemote(sb.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/HEAD'), d2, 'the detached slot holds the newest session');
  assert.ok(!refs.has('refs/heads/wip/alpha/detached'), 'no branch-like slot for a detached HEAD');
  assert.ok((await reachableOnRemote(sb, remote, d2)).includes('refs/heads/wip/alpha/HEAD'));
  // A later commit of the same session continues it: nothing more is kept aside.
  const d3 = await a.commit('detached session 2, more', { 'two.txt': '3\n' });
  assert.equal((await lsRemote(sb.env, remote, 'refs/dx/displaced/*')).size, 1);
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/alpha/HEAD'), d3);
  // A branch named "detached" gets its own slot; the detached HEAD's stays.
  await a.git(['switch', '--quiet', '-c', 'detached', 'main']);
  const b = await a.commit('on the branch named detached', { 'b.txt': 'b\n' });
  const after = await lsRemote(sb.env, remote);
  assert.equal(after.get('refs/heads/wip/alpha/detached'), b);
  assert.equal(after.get('refs/heads/wip/alpha/HEAD'), d3);
  const idx = JSON.parse((await git(remote, sb.env, ['show', 'refs/heads/dx/index:.dx/wip-index.json'])).out) as { entries: Record<string, { sha: string }> };
  assert.equal(idx.entries['alpha/detached']?.sha, b);
  assert.equal(idx.entries['alpha/HEAD']?.sha, d3);
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
  assert.ok((await reachableOnRemote(sb, remote, d1)).length > 0, 'the first session is on the remote');
  assert.equal((await lsRemote(sb.env, remote)).get('refs/heads/wip/alpha/HEAD'), d2);
});

test('two machines with one host id: status and doctor name the collision and the fix; nothing either pushed is lost; a distinct host ends it', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'twin', dir: 'machine-a' }, { host: 'twin', dir: 'machine-b', machine: true }]);
  const [a, b] = hs as [Host, Host];
  const a1 = await a.commit('a1', { 'a.txt': '1\n' });
  const b1 = await b.commit('b1', { 'b.txt': '1\n' }); // b's first push: a1 kept aside, b knows no earlier value of its own
  const st = await dx(a, ['status']);
  assert.equal(st.code, 1, st.stdout);
  assert.match(st.stdout, /another machine writes this host's WIP ref refs\/heads\/wip\/twin\/main/);
  assert.match(st.stdout, /two machines use the host id "twin"/);
  assert.match(st.stdout, /set a distinct "host" in the machine config/);
  const doc = await dx(a, ['doctor', '--json']);
  const codes = (JSON.parse(doc.stdout) as { diagnostics: { code: string; message: string }[] }).diagnostics.map((d) => d.code);
  assert.ok(codes.includes('HOST_COLLISION'), doc.stdout);
  assert.equal(doc.code, 1);
  // Each push of one displaces the other's value; the one whose value was replaced notices at its next push.
  const a2 = await a.commit('a2', { 'a.txt': '2\n' });
  const b2 = await b.commit('b2', { 'b.txt': '2\n' });
  assert.match(fs.readFileSync(path.join(b.dir, '.git/dx/events.jsonl'), 'utf8'), /"op":"host.collision"/, 'the push that found a2 logged it');
  const rows = await dx(b, ['status', '--repos', b.dir, '--json']);
  assert.equal(rows.code, 1, rows.stdout);
  assert.ok((JSON.parse(rows.stdout) as { rows: { problems: { code: string }[] }[] }).rows[0]?.problems.some((p) => p.code === 'HOST_COLLISION'), rows.stdout);
  for (const sha of [a1, b1, a2, b2]) assert.ok((await reachableOnRemote(sb, remote, sha)).length > 0, `${sha} is on the remote`);
  // The fix: a distinct host on machine b. Its records under "twin" are history (a's clears at its next
  // push whose lease holds: collision.ts clearCollision, unit-tested).
  b.env.DX_HOST = 'twin-b';
  const fixed = await dx(b, ['status']);
  assert.doesNotMatch(fixed.stdout, /collision/, fixed.stdout);
  assert.equal(fixed.code, 0, fixed.stdout);
});

test('the default host id: <hostname>-<6 chars> on a new machine; the plain hostname where an earlier version ran', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const fresh = await cloneAs(sb, remote, 'unused', 'fresh');
  delete fresh.env.DX_HOST;
  await installHooks(fresh);
  const id = (JSON.parse((await dx(fresh, ['status', '--offline', '--json'])).stdout) as { host: string }).host;
  assert.match(id, /^[a-z0-9._-]+-[a-z2-7]{6}$/);
  assert.equal(fs.readFileSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'host-id'), 'utf8'), `${id}\n`);
  // Upgrade: a machine config written by an earlier version, no host-id file yet.
  const old = { ...fresh, env: { ...fresh.env, XDG_CONFIG_HOME: sb.tmp('old-config') } };
  fs.mkdirSync(path.join(old.env.XDG_CONFIG_HOME, 'dx-hooks'), { recursive: true });
  fs.writeFileSync(path.join(old.env.XDG_CONFIG_HOME, 'dx-hooks', 'config.json'), JSON.stringify({ repos: [fresh.dir] }));
  const plain = (JSON.parse((await dx(old, ['status', '--offline', '--json'])).stdout) as { host: string }).host;
  assert.equal(`${plain}-${id.slice(-6)}`, id, 'the plain hostname, kept');
});

test('two clones of one repository on one machine take turns on the WIP ref: not a host collision', async (t) => {
  const { hs } = await setup(t, [{ host: 'desk', dir: 'clone-1' }, { host: 'desk', dir: 'clone-2' }]);
  const [one, two] = hs as [Host, Host];
  await one.commit('one', { 'one.txt': '1\n' });
  await two.commit('two', { 'two.txt': '2\n' });
  const st = await dx(one, ['status']);
  assert.doesNotMatch(st.stdout, /collision/, st.stdout);
  assert.equal(st.code, 0, st.stdout);
});

test('upgrade: the detached WIP an earlier version left at wip/<host>/detached is kept aside when a branch named detached first pushes there', async (t) => {
  const { sb, remote, hs } = await setup(t, [{ host: 'alpha', dir: 'alpha' }]);
  const a = hs[0] as Host;
  const off = { ...a.env, DX_HOOKS: '0' };
  // What the earlier version did for a detached commit: its local records, the remote ref, state.json.
  await git(a.dir, off, ['checkout', '--quiet', '--detach']);
  await a.write('old.txt', 'old detached work\n');
  await git(a.dir, off, ['add', '-A']);
  await git(a.dir, off, ['commit', '--quiet', '-m', 'old detached work']);
  const old = (await a.git(['rev-parse', 'HEAD'])).out;
  await a.git(['update-ref', '--create-reflog', 'refs/dx/local/alpha/detached', old]);
  await a.git(['update-ref', 'refs/dx/pushed/alpha/detached', old]);
  await a.git(['push', '--quiet', '--no-verify', 'origin', `${old}:refs/heads/wip/alpha/detached`]);
  // …and a later detached commit whose push was still pending, recorded under the old name.
  await a.write('old.txt', 'pending detached work\n');
  await git(a.dir, off, ['commit', '--quiet', '-am', 'pending detached work']);
  const pending = (await a.git(['rev-parse', 'HEAD'])).out;
  const now = Math.floor(Date.now() / 1000);
  const legacy = { lastPushed: old, lastPushedAt: now, lastResult: 'error', pending: { sha: pending, branch: null, since: now, attempts: 1, error: 'offline', dirty: false, keep: [] } };
  fs.writeFileSync(path.join(a.dir, '.git/dx/state.json'), JSON.stringify({ schema_version: 1, wip: { 'refs/heads/wip/alpha/detached': legacy }, index: {}, refPushes: [] }));
  await git(a.dir, off, ['switch', '--quiet', '-c', 'detached', 'main']);
  const b = await a.commit('a branch named detached', { 'b.txt': 'b\n' });
  const refs = await lsRemote(sb.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/detached'), b);
  assert.ok((await reachableOnRemote(sb, remote, old)).includes(`refs/dx/displaced/alpha/${old.slice(0, 12)}/detached`), 'the old detached WIP kept aside');
  assert.equal(refs.get('refs/heads/wip/alpha/HEAD'), pending, 'the pending detached push went to the new slot');
  const st = await dx(a, ['status']);
  assert.doesNotMatch(st.stdout, /collision|pending/, st.stdout);
  assert.equal(st.code, 0, st.stdout);
});
