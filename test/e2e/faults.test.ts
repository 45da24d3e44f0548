// Faults injected for real: git daemon on 127.0.0.1 (the network path), a corrupt index on the
// remote, a foreign write to this host's WIP ref, a worker killed mid-run, a corrupt state file,
// the refs/wip prefix, and a detached HEAD. Each asserts that nothing was lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxBin, dxJson, git, lsRemote, seedRemote, startGitDaemon, waitFor, withSandbox, type Host } from '../helpers/index.ts';

interface IndexJson { entries: Record<string, { sha: string; dirty: boolean }> }

async function installed(h: Host): Promise<Host> {
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  return h;
}

test('over git:// (git daemon on 127.0.0.1): commits mirror, the index updates, another host restores', async (t) => {
  const sb = await withSandbox(t);
  const base = sb.tmp('srv');
  fs.mkdirSync(base);
  const remote = await createBareRemote(sb, 'srv/project.git');
  await seedRemote(sb, remote);
  const daemon = await startGitDaemon(sb, base);
  t.after(() => daemon.stop());
  const url = daemon.url('project.git');
  const a = await installed(await cloneAs(sb, url, 'netA'));
  const b = await installed(await cloneAs(sb, url, 'netB'));
  const sha = await a.commit('over the network', { 'n.txt': 'net\n' });
  assert.equal((await lsRemote(a.env, url)).get('refs/heads/wip/neta/main'), sha);
  const r = await dxJson<{ branch: string; sha: string }>(b, ['restore', '--host', 'neta', '--branch', 'main']);
  assert.deepEqual([r.branch, r.sha], ['rescue/neta/main', sha]);
});

test('a corrupt index on the remote is reported, rebuilt from the WIP refs, and no host\'s entry is lost', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await installed(await cloneAs(sb, remote, 'alpha'));
  const b = await installed(await cloneAs(sb, remote, 'beta'));
  const shaA = await a.commit('alpha work', { 'a.txt': 'a\n' });
  await b.commit('beta work', { 'b.txt': 'b\n' });
  // Someone writes garbage to the index branch.
  const junk = sb.tmp('junk');
  await git(sb.root, sb.env, ['clone', '-q', '-b', 'dx/index', remote, junk]);
  fs.writeFileSync(path.join(junk, '.dx/wip-index.json'), '{"schema_version": 1, "entries": "broken"');
  await git(junk, sb.env, ['commit', '-qam', 'corrupt it']);
  await git(junk, sb.env, ['push', '-q', 'origin', 'dx/index']);
  const show = await dx(a, ['index', 'show']);
  assert.equal(show.code, 1);
  assert.match(show.stderr, /corrupt/);
  assert.match(show.stderr, /dx-hooks index rebuild/);
  // The next update repairs it from the WIP refs: both hosts present.
  const shaB2 = await b.commit('beta again', { 'b.txt': 'b2\n' });
  const idx = await dxJson<IndexJson>(a, ['index', 'show']);
  assert.equal(idx.entries['alpha/main']?.sha, shaA);
  assert.equal(idx.entries['beta/main']?.sha, shaB2);
  const ledger = fs.readFileSync(path.join(b.dir, '.git/dx/events.jsonl'), 'utf8');
  assert.match(ledger, /"op":"index.repair"/);
  // And an explicit rebuild gives the same answer.
  assert.equal((await dx(a, ['index', 'rebuild'])).code, 0);
  const rebuilt = await dxJson<IndexJson>(a, ['index', 'show']);
  assert.deepEqual(Object.keys(rebuilt.entries).sort(), ['alpha/main', 'beta/main']);
});

test('a foreign write to this host\'s WIP ref is never clobbered: it is kept under refs/dx/displaced/', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await installed(await cloneAs(sb, remote, 'alpha'));
  await a.commit('mine', { 'a.txt': '1\n' });
  // Another writer (a second clone using the same host name) pushes something unrelated there.
  const intruder = await cloneAs(sb, remote, 'intruder');
  await intruder.commit('foreign', { 'x.txt': 'x\n' });
  const foreign = (await intruder.git(['rev-parse', 'HEAD'])).out;
  await intruder.git(['push', '-q', '--force', 'origin', 'HEAD:refs/heads/wip/alpha/main']);
  const mine = await a.commit('mine again', { 'a.txt': '2\n' });
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/main'), mine);
  const kept = [...refs].find(([r]) => r.startsWith('refs/dx/displaced/alpha/'));
  assert.ok(kept, 'the foreign value is kept on the remote');
  assert.equal(kept[1], foreign);
});

test('a worker killed mid-run loses nothing: the queue survives and the next run pushes it', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'alpha');
  a.env.DX_WIP_PUSH = 'off'; // queue nothing from hooks while we stage the crash
  await installHooks(a);
  const sha = await a.commit('queued work', { 'q.txt': 'q\n' });
  fs.appendFileSync(path.join(a.dir, '.git/dx/queue'), 'refs/heads/main\n');
  // A worker whose push hangs (a TCP server on 127.0.0.1 that accepts and never answers) is SIGKILLed mid-push.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((sock) => sockets.add(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const sock of sockets) sock.destroy(); // also ends the killed worker's orphaned git push
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  await a.git(['remote', 'set-url', 'origin', `git://127.0.0.1:${port}/hang.git`]);
  const child = spawn(process.execPath, [dxBin, 'hook-worker', '--foreground'], { cwd: a.dir, env: a.env, stdio: 'ignore' });
  await waitFor(async () => fs.readdirSync(path.join(a.dir, '.git/dx')).some((f) => f.endsWith('.work')), { what: 'the worker to take the queue' });
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  // Corrupt the state file too, as a crash mid-write could have; and let the dead worker's lock go stale.
  fs.writeFileSync(path.join(a.dir, '.git/dx/state.json'), '{"schema_version":1,"wip":{"x":');
  const lockDir = path.join(a.dir, '.git/dx/worker.lock');
  assert.ok(fs.existsSync(lockDir), 'the killed worker left its lock behind');
  const old = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(lockDir, old, old);
  await a.git(['remote', 'set-url', 'origin', remote]);
  const r = await dx(a, ['hook-worker', '--foreground', '--wait-lock', '1000']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), sha, 'the killed worker\'s queue was pushed');
  assert.ok(!fs.readdirSync(path.join(a.dir, '.git/dx')).some((f) => f.endsWith('.work')), 'the taken queue is done');
});

test('wip.refPrefix refs/wip: WIP stays out of branches, and restore and status fetch it explicitly', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'alpha');
  const b = await cloneAs(sb, remote, 'beta');
  for (const h of [a, b]) {
    await h.write('.dxrc.json', JSON.stringify({ wip: { refPrefix: 'refs/wip' } }));
    await installed(h);
  }
  const sha = await a.commit('hidden wip', { 'h.txt': 'h\n' });
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/wip/alpha/main'), sha);
  assert.ok(![...refs.keys()].some((r) => r.startsWith('refs/heads/wip/')));
  await b.git(['fetch', '-q']);
  assert.ok(!(await b.git(['for-each-ref', '--format=%(refname)'])).out.includes('refs/wip/'), 'a plain fetch does not bring WIP');
  const st = await dxJson<{ others: { host: string; sha: string }[] }>(b, ['status']);
  assert.equal(st.others.find((o) => o.host === 'alpha')?.sha, sha);
  const r = await dxJson<{ sha: string }>(b, ['restore', '--host', 'alpha', '--branch', 'main']);
  assert.equal(r.sha, sha);
});

test('a detached HEAD mirrors to wip/<host>/HEAD; checkpoint pushes uncommitted work as a snapshot', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await installed(await cloneAs(sb, remote, 'alpha'));
  await a.git(['checkout', '--detach']);
  const det = await a.commit('on a detached head', { 'd.txt': 'd\n' });
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/HEAD'), det);
  await a.git(['switch', 'main']);
  await a.write('dirty.txt', 'not committed yet\n');
  await a.write('.env', 'SECRET=x\n');
  const r = await dxJson<{ snapshot: { sha: string; dirty: boolean; excluded: { path: string }[] }; pushed: { ref: string }[] }>(a, ['checkpoint', '-m', 'before lunch', '--wait']);
  assert.equal(r.snapshot.dirty, true);
  assert.deepEqual(r.snapshot.excluded.map((e) => e.path), ['.env']);
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), r.snapshot.sha);
  assert.equal((await a.git(['show', `${r.snapshot.sha}:dirty.txt`])).out, 'not committed yet');
  assert.equal((await a.git(['status', '--porcelain'])).out.includes('dirty.txt'), true, 'the work tree is untouched');
  const idx = await dxJson<IndexJson>(a, ['index', 'show']);
  assert.equal(idx.entries['alpha/main']?.dirty, true);
  // With the remote gone, checkpoint exits 1 and keeps the work locally.
  await a.git(['remote', 'set-url', 'origin', sb.tmp('nowhere.git')]);
  await a.write('dirty.txt', 'not committed yet, and more\n'); // new work: an unchanged tree is not pushed again
  const fail = await dx(a, ['checkpoint']);
  assert.equal(fail.code, 1);
  assert.match(fail.stderr, /kept locally but NOT on the remote/);
  const local = (await a.git(['rev-parse', 'refs/dx/local/alpha/main'])).out;
  assert.equal((await a.git(['show', `${local}:dirty.txt`])).out, 'not committed yet, and more');
});

test('no .dxrc remote: WIP goes to the branch\'s upstream remote; with no remote at all the failure is loud', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'up');
  await h.git(['remote', 'rename', 'origin', 'upstream']);
  await installed(h);
  const sha = await h.commit('to the upstream remote', { 'u.txt': 'u\n' });
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/up/main'), sha);
  await h.git(['switch', '-c', 'local-only']);
  await h.commit('no upstream, no origin', { 'l.txt': 'l\n' });
  const st = await dx(h, ['status', '--json', '--offline']);
  assert.equal(st.code, 1);
  const r = JSON.parse(st.stdout) as { pending: { ref: string; error: string }[] };
  assert.equal(r.pending[0]?.ref, 'refs/heads/wip/up/local-only');
  assert.match(r.pending[0]?.error ?? '', /no remote named "origin"/);
});

test('a pushed snapshot of uncommitted work is never simply overwritten: the next push keeps it under refs/dx/snapshots/', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await installed(await cloneAs(sb, remote, 'alpha'));
  await a.write('draft.txt', 'an idea, not committed\n');
  const cp = await dxJson<{ snapshot: { sha: string } }>(a, ['checkpoint']);
  await a.write('draft.txt', 'a different idea\n');
  const c = await a.commit('commit something else');
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/main'), c);
  assert.equal(refs.get(`refs/dx/snapshots/alpha/${cp.snapshot.sha.slice(0, 12)}/main`), cp.snapshot.sha);

  // Offline: a checkpoint that never reached the remote, then a commit; back online both arrive.
  await a.git(['remote', 'set-url', 'origin', sb.tmp('offline.git')]);
  await a.write('draft.txt', 'offline idea\n');
  const cp2 = await dx(a, ['checkpoint', '--json']);
  assert.equal(cp2.code, 1);
  const snap2 = (JSON.parse(cp2.stdout) as { snapshot: { sha: string } }).snapshot.sha;
  await a.write('draft.txt', 'offline commit\n');
  const c2 = await a.commit('committed offline');
  await a.git(['remote', 'set-url', 'origin', remote]);
  assert.equal((await dx(a, ['hook-worker', '--foreground'])).code, 0);
  const after = await lsRemote(a.env, remote);
  assert.equal(after.get('refs/heads/wip/alpha/main'), c2);
  assert.equal(after.get(`refs/dx/snapshots/alpha/${snap2.slice(0, 12)}/main`), snap2, 'the never-pushed snapshot was kept too');
});
