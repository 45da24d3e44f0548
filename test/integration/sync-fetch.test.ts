// `dx-hooks sync` on an active host fetches once (issue 12 point 4): the WIP index comes in its own
// `git fetch --prune`, and the warnings refresh reads that copy instead of fetching it again. A remote
// with no index branch yet is no error, and the user's remote-tracking refs are fetched as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSession } from '../../src/core/session.ts';
import { syncRepo } from '../../src/core/sync/run.ts';
import { enqueue } from '../../src/core/wip/queue.ts';
import { runWorker } from '../../src/core/wip/worker.ts';
import { cloneAs, createBareRemote, seedRemote, withSandbox } from '../helpers/index.ts';
import { pinProcessEnv, tracedGit } from '../helpers/inproc.ts';

test('an active sync makes one fetch: the index comes with fetch --prune; the other host\'s newer WIP is warned about', async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'alpha');
  const b = await cloneAs(sb, remote, 'beta');

  // A remote with no index branch yet: one fetch, no error.
  pinProcessEnv(sb, 'beta');
  const empty = await tracedGit(async () => syncRepo(await openSession(b.dir)));
  assert.equal(empty.value.action, 'fetched');
  assert.equal(empty.gits.filter((g) => g.includes('"fetch"')).length, 1, empty.gits.filter((g) => g.includes('"fetch"')).join(''));

  // alpha commits and mirrors it (its WIP ref and the index on the remote).
  pinProcessEnv(sb, 'alpha');
  // (Often within the second the seed was committed in: an entry of that same second is newer work too.)
  const work = await a.commit('alpha work', { 'a.txt': 'a\n' });
  const sa = await openSession(a.dir);
  enqueue(sa.ctx, { kind: 'branch', branch: 'main' });
  await runWorker(sa, { refreshWarnings: false });
  await a.git(['push', '--quiet', 'origin', 'main:side']); // a new branch on the remote, fetched by sync as usual

  pinProcessEnv(sb, 'beta');
  const run = await tracedGit(async () => syncRepo(await openSession(b.dir)));
  // The index moved on the remote since beta last looked: the vanished-refs guard fetches it before the
  // prune (which would forget a copy it may need). Nothing fetches after the fetch --prune.
  const fetches = run.gits.filter((g) => g.includes('"fetch"'));
  assert.match(fetches.at(-1)!, /"--prune".*dx\/index/, fetches.join(''));
  assert.ok(fetches.length <= 2, fetches.join(''));
  assert.equal((await b.git(['rev-parse', 'refs/remotes/origin/side'])).out.trim(), work, 'the remote-tracking refs were not fetched');
  assert.match(fs.readFileSync(path.join(b.dir, '.git/dx/warn/main.msg'), 'utf8'), /host "alpha" has newer WIP of "main": 1 commit this branch lacks/);
  // Nothing moved since: one fetch in all.
  const still = await tracedGit(async () => syncRepo(await openSession(b.dir)));
  assert.equal(still.gits.filter((g) => g.includes('"fetch"')).length, 1, still.gits.filter((g) => g.includes('"fetch"')).join(''));
  assert.match(fs.readFileSync(path.join(b.dir, '.git/dx/warn/main.msg'), 'utf8'), /host "alpha" has newer WIP/);
});
