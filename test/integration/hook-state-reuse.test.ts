// The worker rewrites the hook state after every commit and checkout: the protected paths of a HEAD
// already listed under the same protection are reused, not listed again (issue 12: with protect.paths
// set, every worker ran `ls-tree -r` over the whole tree). A new HEAD or a new protection lists again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeHookState } from '../../src/core/hookstate/write.ts';
import { openSession } from '../../src/core/session.ts';
import { initRepo, withSandbox } from '../helpers/index.ts';
import { pinProcessEnv as pin, tracedGit as traced } from '../helpers/inproc.ts';

test('the protected-path list is built once per HEAD and protection: reused by the next write, rebuilt after a commit or a .dxrc change', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'reuse');
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { '.dxrc.json': JSON.stringify({ protect: { paths: ['deploy/**'] } }), 'deploy/run.sh': '#!/bin/sh\n', 'a.txt': 'a\n' });
  const lsTrees = (gits: string[]) => gits.filter((g) => g.includes('"ls-tree" "-r"')).length;

  const first = await traced(async () => writeHookState(await openSession(h.dir)));
  assert.equal(lsTrees(first.gits), 1);
  assert.deepEqual(first.value.protectList, [['100644', 'deploy/run.sh']]);
  const again = await traced(async () => writeHookState(await openSession(h.dir)));
  assert.equal(lsTrees(again.gits), 0, 'the same HEAD and protection were listed again');
  assert.deepEqual(again.value.protectList, first.value.protectList);

  await h.commit('more', { 'deploy/two.sh': '#!/bin/sh\n' });
  const moved = await traced(async () => writeHookState(await openSession(h.dir)));
  assert.equal(lsTrees(moved.gits), 1, 'a new HEAD reused the old list');
  assert.deepEqual(moved.value.protectList.map(([, p]) => p), ['deploy/run.sh', 'deploy/two.sh']);

  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**', 'a.txt'] } }));
  const wider = await traced(async () => writeHookState(await openSession(h.dir)));
  assert.equal(lsTrees(wider.gits), 1, 'a new protection reused the old list');
  assert.deepEqual(wider.value.protectList.map(([, p]) => p), ['a.txt', 'deploy/run.sh', 'deploy/two.sh']);
});
