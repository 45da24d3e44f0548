// The "retried by the next hook or command" preflight in-process against a real clone and bare remote:
// a commit queued while `.dxrc` was broken (the worker could not start: "WIP backup paused" banner) is
// pushed, and the banner cleared, by the first command after the config is fixed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { dxPaths, openRepo } from '../../src/core/context.ts';
import { recordFailure } from '../../src/core/loud.ts';
import { openSession } from '../../src/core/session.ts';
import { enqueue, queueNonEmpty } from '../../src/core/wip/queue.ts';
import { retryPendingWork } from '../../src/core/wip/retry.ts';
import { cloneAs, createBareRemote, lsRemote, seedRemote, withSandbox, type Sandbox } from '../helpers/index.ts';

/** In-process git and the machine config must see the sandbox, exactly like a spawned CLI. */
function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

test('after a bad .dxrc is fixed, the next command pushes the commit queued meanwhile and clears the "paused" banner', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'lap');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'lap');
  await h.write('.dxrc.json', JSON.stringify({ wip: { push: 'nope' } }));
  const sha = await h.commit('work while the config was broken', { 'a.txt': 'a\n' });
  // What the post-commit shim and the worker it starts do with a broken config.
  const broken = await openSession(h.dir).catch((err: unknown) => err);
  assert.equal((broken as { code?: string }).code, 'CONFIG_INVALID');
  const ctx = await openRepo(h.dir);
  enqueue(ctx, { kind: 'branch', branch: 'main' });
  await recordFailure(h.dir, 'hook-worker', 'WIP backup paused', broken);
  const banner = dxPaths(ctx).banner;
  assert.match(fs.readFileSync(banner, 'utf8'), /WIP backup paused/);

  await h.write('.dxrc.json', JSON.stringify({ wip: { push: 'background' } }));
  const s = await openSession(h.dir);
  const r = await retryPendingWork(s);
  assert.equal(r.ran, true);
  assert.equal(r.banner, null);
  assert.equal(fs.existsSync(banner), false, 'the paused banner is gone');
  assert.equal(queueNonEmpty(ctx), false);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/lap/main'), sha, 'the queued commit was pushed');
  // Nothing left to do: the next command starts no worker.
  assert.deepEqual(await retryPendingWork(s), { ran: false, banner: null });
});
