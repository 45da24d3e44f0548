// Linked worktrees (issue 11 point 5) through the built CLI with the hooks installed: two worktrees of
// one repository with different `.dxrc` settings. Each has its own hook state (<git-dir>/dx/hook-state),
// written for its own config — a new worktree gets one as `git worktree add` checks it out — and each
// worktree's hooks follow its own settings: protected paths, critical files, the push mode (its WIP).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, hookStateFile, hostAt, lsRemote, readHookStateFile, seedRemote, waitFor } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

test('two linked worktrees with different .dxrc: each hook state, protection, guard and WIP follows its own', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'wt', 'wt-a');
  hosts.push(a);
  await a.commit('files', { 'only-a.txt': 'protected in A\n', 'keep.txt': 'keep\n', 'tools/b.sh': '#!/bin/sh\n' });
  await a.git(['push', '-q', 'origin', 'main']);
  // A protects only-a.txt (its own, untracked .dxrc: nothing committed protects anything).
  await a.write('.dxrc.json', JSON.stringify({ protect: { paths: ['only-a.txt'] } }));
  await installHooks(a);

  // `git worktree add` runs post-checkout in the new worktree: B has no hook state yet, so node writes it there.
  const bDir = sb.tmp('wt-b');
  await a.git(['worktree', 'add', '-q', '-b', 'feature', bDir]);
  const b = hostAt(sb, 'wt', bDir);
  hosts.push(b);
  const aFile = hookStateFile(a.dir);
  const bFile = hookStateFile(b.dir, path.join(a.dir, '.git', 'worktrees', 'wt-b'));
  assert.ok(fs.existsSync(bFile), 'git worktree add left the new worktree without a hook state');
  assert.equal(readHookStateFile(aFile).protect.pathsSet, true);
  assert.deepEqual(readHookStateFile(aFile).protectList, [['100644', 'only-a.txt']]);
  assert.equal(readHookStateFile(bFile).protect.pathsSet, false, 'B took A\'s protection');

  // B's own settings: WIP push off, tools/b.sh critical. Its next hook picks them up; A's state is untouched.
  const aBefore = fs.readFileSync(aFile, 'utf8');
  await b.write('.dxrc.json', JSON.stringify({ wip: { push: 'off' }, guard: { critical: ['tools/b.sh'] } }));
  await b.git(['checkout', '-q', '--', 'keep.txt']);
  const bState = readHookStateFile(bFile);
  assert.equal(bState.mode, 'off');
  assert.deepEqual(bState.critical, [{ kind: '-', path: 'tools/b.sh' }]);
  assert.notEqual(bState.fingerprint, readHookStateFile(aFile).fingerprint);
  assert.equal(fs.readFileSync(aFile, 'utf8'), aBefore, 'a hook in B rewrote A\'s hook state');
  // `dx-hooks status` in B rewrites B's state only.
  assert.ok([0, 1].includes((await dx(b, ['status'])).code));
  assert.equal(fs.readFileSync(aFile, 'utf8'), aBefore, 'status in B rewrote A\'s hook state');

  // The guard: tools/b.sh is critical in B only.
  fs.rmSync(path.join(b.dir, 'tools/b.sh'));
  fs.rmSync(path.join(a.dir, 'tools/b.sh'));
  assert.match((await b.git(['checkout', '-q', '--', 'keep.txt'])).stderr, /critical file tools\/b\.sh is missing/);
  assert.doesNotMatch((await a.git(['checkout', '-q', '--', 'keep.txt'])).stderr, /critical file/);
  await a.git(['checkout', '-q', '--', 'tools/b.sh']);
  await b.git(['checkout', '-q', '--', 'tools/b.sh']);
  await idle(b);

  // Protection: deleting only-a.txt is refused in A, allowed in B (B's .dxrc does not protect it).
  await a.git(['rm', '-q', 'only-a.txt']);
  const refusedA = await a.git(['commit', '-q', '-m', 'drop only-a in A'], { allowFail: true });
  assert.equal(refusedA.code, 1, refusedA.stderr);
  assert.match(refusedA.stderr, /only-a\.txt/);
  await a.git(['reset', '-q', '--hard', 'HEAD']);
  assert.ok(fs.existsSync(path.join(a.dir, 'only-a.txt')));
  await b.git(['rm', '-q', 'only-a.txt']);
  const allowedB = await b.git(['commit', '-q', '-m', 'drop only-a in B'], { allowFail: true });
  assert.equal(allowedB.code, 0, allowedB.stderr);

  // WIP: A's commits are mirrored to A's WIP ref of main; B (push off) mirrors nothing of feature.
  const aSha = await a.commit('work in A', { 'a-work.txt': 'a\n' });
  await waitFor(async () => (await lsRemote(a.env, remote)).get('refs/heads/wip/wt/main') === aSha, { what: 'A\'s commit on its WIP ref', timeoutMs: 30_000 });
  await b.commit('work in B', { 'b-work.txt': 'b\n' });
  await idle(a);
  await idle(b);
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/heads/wip/wt/main'), aSha);
  assert.equal(refs.has('refs/heads/wip/wt/feature'), false, 'B\'s push-off setting was ignored');

  // doctor in B: a hook state written for another .dxrc is reported and rewritten by --fix; A's is left alone.
  const aNow = fs.readFileSync(aFile, 'utf8');
  fs.writeFileSync(bFile, fs.readFileSync(bFile, 'utf8').replace(/^(dx-hook-state \S+ \S+) \S+$/m, '$1 0000000000000000'));
  type Report = { diagnostics: Array<{ code: string; message: string; fixed: boolean }> };
  const seen = JSON.parse((await dx(b, ['doctor', '--json'])).stdout) as Report;
  const stale = seen.diagnostics.find((d) => d.code === 'HOOK_STATE_STALE');
  assert.ok(stale, JSON.stringify(seen.diagnostics));
  assert.match(stale.message, /written for another \.dxrc/);
  const fixed = JSON.parse((await dx(b, ['doctor', '--fix', '--json'])).stdout) as Report;
  assert.equal(fixed.diagnostics.find((d) => d.code === 'HOOK_STATE_STALE')?.fixed, true, JSON.stringify(fixed.diagnostics));
  const again = JSON.parse((await dx(b, ['doctor', '--json'])).stdout) as Report;
  assert.equal(again.diagnostics.some((d) => d.code === 'HOOK_STATE_STALE'), false, 'still stale after --fix');
  assert.equal(fs.readFileSync(aFile, 'utf8'), aNow, 'doctor in B rewrote A\'s hook state');
});
