// Pending ref pushes (checkpoint tags, what undo mirrors) in-process against real repositories: a push
// that failed is kept in state.json and retried by the worker against the remote it belongs to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCheckpoint } from '../../src/core/checkpoints/create.ts';
import { retryRefPushes } from '../../src/core/remote-refs.ts';
import { openSession } from '../../src/core/session.ts';
import { readState } from '../../src/core/state.ts';
import { createBareRemote, initRepo, lsRemote, withSandbox, type Sandbox } from '../helpers/index.ts';

/** In-process git and the machine config must see the sandbox, exactly like a spawned CLI. */
function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

test('a checkpoint made before the repository had a remote is pushed once it has one, not retried against an empty remote name', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'alpha');
  const h = await initRepo(sb, 'repo', 'alpha');
  await h.commit('base', { 'a.txt': 'a\n' });
  const s = await openSession(h.dir);
  const made = await createCheckpoint(s, 'early');
  assert.equal(made.push.ok, false);
  assert.equal(readState(s.ctx).state.refPushes.length, 1, 'kept pending');

  const remote = await createBareRemote(sb);
  await h.git(['remote', 'add', 'origin', remote]);
  const failures = await retryRefPushes(s);
  assert.deepEqual(failures.map((f) => [f.remote, f.error]), []);
  assert.equal((await lsRemote(h.env, remote)).get('refs/tags/checkpoint/early'), made.checkpoint.tag);
  assert.deepEqual(readState(s.ctx).state.refPushes, []);
});

test('a pending push keeps its own remote: retried there even when the configured remote is another one', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'alpha');
  const h = await initRepo(sb, 'repo', 'alpha');
  await h.commit('base', { 'a.txt': 'a\n' });
  const backup = await createBareRemote(sb, 'backup.git');
  await h.git(['remote', 'add', 'backup', sb.tmp('not-yet.git')]);
  await h.write('.dxrc.json', JSON.stringify({ remote: 'backup' }));
  const s = await openSession(h.dir);
  const made = await createCheckpoint(s, 'offline');
  assert.equal(made.push.remote, 'backup');
  assert.equal(made.push.ok, false);
  await h.git(['remote', 'add', 'origin', await createBareRemote(sb, 'origin.git')]);
  await h.git(['remote', 'set-url', 'backup', backup]);
  assert.deepEqual(await retryRefPushes(s), []);
  assert.equal((await lsRemote(h.env, backup)).get('refs/tags/checkpoint/offline'), made.checkpoint.tag);
  assert.equal((await lsRemote(h.env, sb.tmp('origin.git'))).size, 0, 'nothing went to origin');
});
