// A reference sync (syncRepo in-process, real clones and a real bare remote) resets the work tree to the
// remote, but dx-hooks' own config that was never committed (.dxrc.json as install writes it, .dxrc.yaml …)
// stays: it is what makes this repository a reference one in the first place.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSession } from '../../src/core/session.ts';
import { syncRepo } from '../../src/core/sync/run.ts';
import { cloneAs, createBareRemote, seedRemote, withSandbox, type Sandbox } from '../helpers/index.ts';

/** In-process git and the machine config must see the sandbox, exactly like a spawned CLI. */
function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

test('reference sync keeps dx-hooks\' own untracked config files and removes the other untracked files; one the remote has committed meanwhile is the remote\'s', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'vm');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const vm = await cloneAs(sb, remote, 'vm');
  const lap = await cloneAs(sb, remote, 'lap');
  const upstream = await lap.commit('team settings', { '.dxrc.yml': 'divergence:\n  warn: true\n' });
  await lap.git(['push', '-q', 'origin', 'main']);
  const dxrc = JSON.stringify({ role: 'reference', protect: { paths: ['deploy/**'] } }, null, 2) + '\n';
  await vm.write('.dxrc.json', dxrc);
  await vm.write('.dxrc.yaml', 'wip:\n  push: sync\n');
  await vm.write('.dxrc.yml', 'mine\n');
  await vm.write('junk/notes.txt', 'untracked junk\n');
  await vm.write('README.md', 'edited on the vm\n');
  const s = await openSession(vm.dir);

  const r = await syncRepo(s);
  assert.equal(r.role, 'reference');
  assert.equal(r.action, 'reset');
  assert.equal((await vm.git(['rev-parse', 'HEAD'])).out, upstream);
  assert.equal(fs.readFileSync(path.join(vm.dir, '.dxrc.json'), 'utf8'), dxrc, '.dxrc.json kept byte for byte');
  assert.equal(fs.readFileSync(path.join(vm.dir, '.dxrc.yaml'), 'utf8'), 'wip:\n  push: sync\n');
  assert.equal(fs.readFileSync(path.join(vm.dir, '.dxrc.yml'), 'utf8'), 'divergence:\n  warn: true\n', 'the committed one wins');
  assert.equal(fs.existsSync(path.join(vm.dir, 'junk')), false, 'other untracked files go (they are in the backup)');
  assert.equal(fs.readFileSync(path.join(vm.dir, 'README.md'), 'utf8'), 'seed\n');
  assert.equal((await vm.git(['status', '--porcelain', '--untracked-files=all'])).out, '?? .dxrc.json\n?? .dxrc.yaml');
  assert.deepEqual(r.reset?.ownConfig, ['.dxrc.json', '.dxrc.yaml']);
  assert.deepEqual(r.reset?.kept, []);
  // Still a reference repository: the next sync reads the same config and has nothing to do.
  const again = await syncRepo(await openSession(vm.dir));
  assert.deepEqual([again.role, again.action], ['reference', 'up-to-date']);
});
