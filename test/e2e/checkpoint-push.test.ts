// `dx-hooks checkpoint` (no name) under sustained use (issue 12): the WIP ref lands in the foreground
// and the WIP index update is left to a background worker (no banner meanwhile: it is queued, not
// failing), unless --wait; a checkpoint of an unchanged work tree pushes nothing and leaves no new ref
// on the remote; and a background index update that fails is as loud as any other failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dxJson, git, lsRemote, rejectPushesTo, seedRemote } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

interface Pushed { snapshot: { sha: string; dirty: boolean }; unchanged: boolean; pushed: { ref: string; sha: string }[]; failed: unknown[]; index: { ok: boolean }[]; indexQueued: boolean }
const state = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, '.git/dx/state.json'), 'utf8')) as { index: { pending?: { attempts: number; keys: string[] } } };

async function indexEntry(env: NodeJS.ProcessEnv, remote: string, key: string): Promise<{ sha: string } | undefined> {
  const r = await git(remote, env, ['show', 'refs/heads/dx/index:.dx/wip-index.json'], { allowFail: true });
  return r.code === 0 ? (JSON.parse(r.out) as { entries: Record<string, { sha: string }> }).entries[key] : undefined;
}

test('the WIP ref lands now and the index update in the background (queued: no banner); --wait updates it first; an unchanged tree pushes nothing and adds no ref', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'cp');
  hosts.push(h);
  await h.write('README.md', 'seed\nhalf-done\n');

  const first = await dxJson<Pushed>(h, ['checkpoint']);
  assert.equal(first.indexQueued, true);
  assert.deepEqual(first.index, [], 'the index was updated in the foreground');
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/cp/main'), first.snapshot.sha, 'the WIP ref did not land before the command returned');
  await idle(h);
  assert.equal((await indexEntry(h.env, remote, 'cp/main'))?.sha, first.snapshot.sha, 'the background worker did not update the index');
  assert.equal(state(h.dir).index.pending, undefined, 'the queued index update is still pending');
  assert.equal(fs.existsSync(path.join(h.dir, '.git/dx/banner')), false);

  // Unchanged: the same snapshot, nothing pushed, the remote's refs exactly as they were.
  const refs = await lsRemote(h.env, remote);
  const again = await dxJson<Pushed>(h, ['checkpoint']);
  assert.equal(again.unchanged, true);
  assert.equal(again.snapshot.sha, first.snapshot.sha);
  assert.deepEqual(again.pushed, []);
  await idle(h);
  assert.deepEqual(await lsRemote(h.env, remote), refs, 'a checkpoint of an unchanged tree changed the remote');

  // --wait: the index holds the new snapshot when the command returns.
  await h.write('README.md', 'seed\nhalf-done\nmore\n');
  const waited = await dxJson<Pushed>(h, ['checkpoint', '--wait']);
  assert.equal(waited.indexQueued, false);
  assert.deepEqual(waited.index.map((i) => i.ok), [true]);
  assert.equal((await indexEntry(h.env, remote, 'cp/main'))?.sha, waited.snapshot.sha);
});

test('a background index update the remote rejects is loud: pending with an attempt, the banner says so', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'cpfail');
  hosts.push(h);
  await rejectPushesTo(remote, ['refs/heads/dx/index'], 'index frozen');
  await h.write('README.md', 'seed\nwork\n');
  const r = await dxJson<Pushed>(h, ['checkpoint']);
  assert.equal(r.indexQueued, true);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/cpfail/main'), r.snapshot.sha);
  await idle(h);
  const pending = state(h.dir).index.pending;
  assert.ok(pending && pending.attempts >= 1, `the failed index update is not pending: ${JSON.stringify(pending)}`);
  assert.deepEqual(pending.keys, ['cpfail/main']);
  assert.match(fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8'), /WIP index update failing since .*index frozen/);
});
