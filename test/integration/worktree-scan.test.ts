// The snapshot's one status pass (worktree-scan.ts, issue 12): staged entries with their index mode and
// blob, changed tracked paths, untracked files — for the names that trip parsers (spaces, unicode, a
// newline, a leading "? "), staged and unstaged deletions, intent-to-add, a conflict, a nested repository
// and an ignored file, checked against git's own answers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { scanWorkTree } from '../../src/core/worktree-scan.ts';
import { initRepo, withSandbox } from '../helpers/index.ts';

test('scanWorkTree: one status pass gives the staged entries (mode, blob), the changed paths and the untracked files, odd names included', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'scan');
  const odd = ['dir with space/ü.txt', 'new\nline.txt', '? looks like untracked.txt'];
  await h.commit('base', { 'a.txt': 'a\n', 'del.txt': 'd\n', 'mod.txt': 'm\n', 'staged.txt': 's\n', '.gitignore': 'ignored.log\n', ...Object.fromEntries(odd.map((p) => [p, `${p}\n`])) });

  await h.write('mod.txt', 'changed in the work tree\n');
  await h.write('staged.txt', 'changed and staged\n');
  await h.git(['add', 'staged.txt']);
  await h.git(['rm', '--quiet', '--cached', 'del.txt']); // a staged deletion; the file stays, untracked
  fs.rmSync(path.join(h.dir, 'a.txt')); // an unstaged deletion
  await h.write('new\nline.txt', 'odd name, changed\n');
  await h.write('dir with space/ü.txt', 'changed\n');
  await h.write('? looks like untracked.txt', 'staged odd name\n');
  await h.git(['add', '--', '? looks like untracked.txt']);
  await h.write('ita.txt', 'intent to add\n');
  await h.git(['add', '-N', 'ita.txt']);
  await h.write('unt ü.txt', 'untracked\n');
  await h.write('ignored.log', 'ignored\n');
  fs.mkdirSync(path.join(h.dir, 'nested'));
  await h.git(['init', '--quiet', path.join(h.dir, 'nested')]);
  await h.write('nested/inner.txt', 'inside a nested repository\n');

  const scan = await scanWorkTree(h.dir, {});
  const blob = async (spec: string) => (await h.git(['rev-parse', spec])).out.trim();
  const staged = Object.fromEntries(scan.staged.map((e) => [e.path, e]));
  assert.deepEqual(Object.keys(staged).sort(), ['? looks like untracked.txt', 'del.txt', 'staged.txt']);
  assert.deepEqual(staged['staged.txt'], { path: 'staged.txt', mode: '100644', sha: await blob(':staged.txt') });
  assert.deepEqual(staged['? looks like untracked.txt'], { path: '? looks like untracked.txt', mode: '100644', sha: await blob(':? looks like untracked.txt') });
  assert.deepEqual(staged['del.txt'], { path: 'del.txt', mode: null, sha: null });
  assert.deepEqual([...scan.changed].sort(), ['a.txt', 'dir with space/ü.txt', 'ita.txt', 'mod.txt', 'new\nline.txt'].sort());
  // Untracked: files only, the nested repository and the ignored file left out — as `ls-files --others --exclude-standard` lists them.
  const others = (await h.git(['ls-files', '-z', '--others', '--exclude-standard'])).out.split('\0').filter((p) => p && !p.endsWith('/'));
  assert.deepEqual([...scan.untracked].sort(), others.sort());
  assert.deepEqual([...scan.untracked].sort(), ['del.txt', 'unt ü.txt']);

  // A stat-only change (touched, same content) is no change.
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(h.dir, 'mod.txt'), later, later);
  await h.git(['checkout', '--quiet', '--', 'mod.txt']);
  fs.utimesSync(path.join(h.dir, 'mod.txt'), later, later);
  assert.ok(!(await scanWorkTree(h.dir, {})).changed.includes('mod.txt'));
});

test('scanWorkTree: an unmerged path is staged with no blob and changed; an unborn branch stages every entry', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'conflict');
  await h.commit('base', { 'c.txt': 'base\n' });
  await h.git(['checkout', '--quiet', '-b', 'other']);
  await h.commit('theirs', { 'c.txt': 'theirs\n' });
  await h.git(['checkout', '--quiet', 'main']);
  await h.commit('ours', { 'c.txt': 'ours\n' });
  await h.git(['merge', '--quiet', 'other'], { allowFail: true });
  const scan = await scanWorkTree(h.dir, {});
  assert.deepEqual(scan.staged, [{ path: 'c.txt', mode: null, sha: null }]);
  assert.deepEqual(scan.changed, ['c.txt']);

  const fresh = await initRepo(sb, 'unborn');
  await fresh.write('first.txt', 'one\n');
  await fresh.git(['add', 'first.txt']);
  const unborn = await scanWorkTree(fresh.dir, {});
  assert.deepEqual(unborn.staged, [{ path: 'first.txt', mode: '100644', sha: (await fresh.git(['rev-parse', ':first.txt'])).out.trim() }]);
  assert.deepEqual([unborn.changed, unborn.untracked], [[], []]);
});
