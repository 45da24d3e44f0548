// Snapshots of staged work (issue 11, point 8): staged, unstaged, both, deleted, renamed and excluded
// files give the right tree, and the git calls a snapshot makes do not grow with the number of staged
// files (2,000 staged files once cost 2,000+ git calls; the timing itself is bench scenario `staged`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { DEFAULT_EXCLUDE } from '../../src/core/config/schema.ts';
import { takeSnapshot } from '../../src/core/snapshot.ts';
import { initRepo, withSandbox, type Host } from '../helpers/index.ts';

const opts = { exclude: [...DEFAULT_EXCLUDE, 'private/**'], maxFileSize: 1024, host: 'snap' };

/** `path → <mode> <content>` of every file in a commit's tree. */
async function tree(h: Host, sha: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rec of (await h.git(['ls-tree', '-r', '-z', sha])).stdout.split('\0').filter(Boolean)) {
    const [meta, p] = rec.split('\t') as [string, string];
    const [mode, , blob] = meta.split(' ') as [string, string, string];
    out[p] = `${mode} ${(await h.git(['cat-file', 'blob', blob])).stdout}`;
  }
  return out;
}

test('staged, unstaged, both, deleted, renamed and excluded files: the snapshot tree is the work tree minus what must not leave', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.commit('base', {
    'staged.txt': 'v1\n', 'unstaged.txt': 'v1\n', 'both.txt': 'v1\n', 'del-staged.txt': 'bye\n', 'del-unstaged.txt': 'bye\n',
    'old-name.txt': 'renamed content\n', 'mv-edit.txt': 'moved then edited\n', 'exec.sh': '#!/bin/sh\n', 'keep.txt': 'same\n',
    'committed.key': 'committed long ago\n',
  });
  await h.write('staged.txt', 'v2 staged\n');
  await h.git(['add', 'staged.txt']);
  await h.write('unstaged.txt', 'v2 unstaged\n');
  await h.write('both.txt', 'v2 staged\n');
  await h.git(['add', 'both.txt']);
  await h.write('both.txt', 'v3 in the work tree\n');
  await h.git(['rm', '-q', 'del-staged.txt']);
  fs.rmSync(path.join(h.dir, 'del-unstaged.txt'));
  await h.git(['mv', 'old-name.txt', 'new-name.txt']);
  fs.mkdirSync(path.join(h.dir, 'moved'));
  await h.git(['mv', 'mv-edit.txt', 'moved/edited.txt']);
  await h.write('moved/edited.txt', 'moved then edited, again\n');
  fs.chmodSync(path.join(h.dir, 'exec.sh'), 0o755);
  await h.git(['add', 'exec.sh']);
  await h.write('staged-new.txt', 'new and staged\n');
  await h.git(['add', 'staged-new.txt']);
  await h.write('untracked.txt', 'untracked\n');
  // What must not leave: staged and unstaged secrets by name, wip.exclude, a staged big file, a staged edit of a committed secret.
  await h.write('.env', 'TOKEN=1\n');
  await h.git(['add', '-f', '.env']);
  await h.write('private/notes.txt', 'mine\n');
  await h.git(['add', 'private/notes.txt']);
  await h.write('private/unstaged.txt', 'mine too\n');
  await h.write('big-staged.bin', Buffer.alloc(2048, 7));
  await h.git(['add', 'big-staged.bin']);
  await h.write('committed.key', 'edited secret\n');
  await h.git(['add', 'committed.key']);
  // A staged private key by content (the scanner), under an innocent name.
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEA7bq'.padEnd(64, 'x')}\n${'A'.repeat(64)}\n-----END RSA PRIVATE KEY-----\n`;
  await h.write('innocent.txt', pem);
  await h.git(['add', 'innocent.txt']);
  const indexBefore = fs.readFileSync(path.join(h.dir, '.git', 'index'));

  const snap = await takeSnapshot(await openRepo(h.dir), opts);

  assert.deepEqual(fs.readFileSync(path.join(h.dir, '.git', 'index')), indexBefore, 'the real index is untouched');
  assert.deepEqual(await tree(h, snap.sha), {
    'staged.txt': '100644 v2 staged\n',
    'unstaged.txt': '100644 v2 unstaged\n',
    'both.txt': '100644 v3 in the work tree\n',
    'new-name.txt': '100644 renamed content\n',
    'moved/edited.txt': '100644 moved then edited, again\n',
    'exec.sh': '100755 #!/bin/sh\n',
    'keep.txt': '100644 same\n',
    'staged-new.txt': '100644 new and staged\n',
    'untracked.txt': '100644 untracked\n',
    'committed.key': '100644 committed long ago\n',
  });
  assert.deepEqual(snap.excluded.map((e) => `${e.path}:${e.reason}`).sort(), [
    '.env:exclude', 'big-staged.bin:size', 'committed.key:exclude', 'innocent.txt:secret', 'private/notes.txt:exclude', 'private/unstaged.txt:exclude',
  ]);
});

/** How many git processes `fn` starts (DX_DEBUG=1 makes src/core/git.ts name each one on stderr). */
async function gitCalls(fn: () => Promise<unknown>): Promise<number> {
  const write = process.stderr.write.bind(process.stderr);
  const saved = process.env.DX_DEBUG;
  let n = 0;
  process.env.DX_DEBUG = '1';
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (String(chunk).startsWith('dx-hooks: git ')) n++;
    else return write(chunk, ...rest);
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
    if (saved === undefined) delete process.env.DX_DEBUG;
    else process.env.DX_DEBUG = saved;
  }
  return n;
}

test('the git calls of a snapshot do not grow with the staged files: 300 staged cost what 300 unstaged do', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`src/f${i}.txt`, `v1 ${i}\n`]));
  await h.commit('base', files);
  for (const p of Object.keys(files)) await h.write(p, `v2 ${p}\n`);
  const ctx = await openRepo(h.dir);
  let unstagedSnap = '';
  const unstaged = await gitCalls(async () => (unstagedSnap = (await takeSnapshot(ctx, opts)).tree));
  await h.git(['add', '-A']);
  let stagedSnap = '';
  const staged = await gitCalls(async () => (stagedSnap = (await takeSnapshot(ctx, opts)).tree));
  assert.equal(stagedSnap, unstagedSnap, 'the same tree either way');
  assert.ok(staged <= unstaged + 3, `staged: ${staged} git calls, unstaged: ${unstaged}`);
});
