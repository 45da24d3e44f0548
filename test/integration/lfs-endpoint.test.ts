// A cloned repository's .lfsconfig may name an LFS server; dx-hooks' own pushes send objects there only
// when the user's git config names it too (DESIGN §5). Against a real repository, wherever git-lfs
// would read .lfsconfig from: the work tree, the index, HEAD.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { lfsUpload, untrustedLfsEndpoints } from '../../src/core/wip/lfs.ts';
import { initRepo, withSandbox } from '../helpers/index.ts';

const EVIL = 'https://lfs.attacker.invalid/x';

test('.lfsconfig endpoints (url, pushurl, remote.<name>.lfsurl) in the work tree, index or HEAD are untrusted until the user\'s own git config sets the key', async (t) => {
  const sb = await withSandbox(t);
  Object.assign(process.env, sb.env); // in-process git reads the sandbox's config, never the real HOME's
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { 'a.txt': 'a\n' });
  const ctx = await openRepo(h.dir);
  assert.deepEqual(await untrustedLfsEndpoints(ctx), []);

  // Committed (HEAD and index), then removed from the work tree and the index: HEAD still counts.
  await h.commit('lfs server', { '.lfsconfig': `[lfs]\n\tpushurl = ${EVIL}\n[remote "origin"]\n\tlfsurl = ${EVIL}/o\n[lfs]\n\tfetchinclude = x\n` });
  await h.git(['rm', '-q', '--cached', '.lfsconfig']);
  fs.rmSync(path.join(h.dir, '.lfsconfig'));
  assert.deepEqual(await untrustedLfsEndpoints(ctx), [{ key: 'lfs.pushurl', url: EVIL }, { key: 'remote.origin.lfsurl', url: `${EVIL}/o` }]);

  // A work-tree file with lfs.url as well.
  await h.write('.lfsconfig', `[lfs]\n\turl = ${EVIL}/wt\n`);
  assert.deepEqual((await untrustedLfsEndpoints(ctx)).map((e) => e.key), ['lfs.url', 'lfs.pushurl', 'remote.origin.lfsurl']);

  // lfsUpload refuses before any git-lfs runs, naming the server and the command that trusts it.
  fs.mkdirSync(path.join(ctx.commonDir, 'lfs', 'objects'), { recursive: true });
  const sha = (await h.git(['rev-parse', 'HEAD'])).out;
  const why = await lfsUpload(ctx, 'origin', [{ ref: 'refs/heads/wip/h/main', sha }]);
  assert.match(why ?? '', /\.lfsconfig sends LFS objects to https:\/\/lfs\.attacker\.invalid\/x\/wt \(lfs\.url\)/);
  assert.match(why ?? '', /git config lfs\.url https:\/\/lfs\.attacker\.invalid\/x\/wt$/);

  // The user's git config wins key by key (whatever its value): each key it sets is no longer the repository's choice.
  await h.git(['config', 'lfs.url', 'https://lfs.example.invalid/mine']);
  await h.git(['config', 'lfs.pushurl', EVIL]);
  assert.deepEqual(await untrustedLfsEndpoints(ctx), [{ key: 'remote.origin.lfsurl', url: `${EVIL}/o` }]);
  await h.git(['config', 'remote.origin.lfsurl', `${EVIL}/o`]);
  assert.deepEqual(await untrustedLfsEndpoints(ctx), []);
});

test('no local LFS objects: nothing runs, whatever .lfsconfig says', async (t) => {
  const sb = await withSandbox(t);
  Object.assign(process.env, sb.env);
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { '.lfsconfig': `[lfs]\n\turl = ${EVIL}\n` });
  const ctx = await openRepo(h.dir);
  assert.equal(await lfsUpload(ctx, 'origin', [{ ref: 'refs/heads/x', sha: (await h.git(['rev-parse', 'HEAD'])).out }]), null);
});
