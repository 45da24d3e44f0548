// Resolving `--repos <paths|globs>` against a real directory tree (core/batch/repos.ts): globs keep
// the directories holding a .git, sorted and de-duplicated; a plain path is kept as given (a missing
// one is reported by the batch); a glob that keeps nothing is an error naming it when typed on the
// command line, and only said (the others still run) when it comes from the machine config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { resolveRepos } from '../../src/core/batch/repos.ts';
import { DxError } from '../../src/core/errors.ts';
import { withSandbox } from '../helpers/index.ts';

/** dirs under root; those ending in `+` get a `.git` directory (the name without the `+`). */
function tree(root: string, dirs: string[]): void {
  for (const d of dirs) {
    const dir = path.join(root, d.replace(/\+$/, ''));
    fs.mkdirSync(d.endsWith('+') ? path.join(dir, '.git') : dir, { recursive: true });
  }
}

test('globs keep the repositories they match, sorted, each once; a subdirectory names its repository; a plain missing path is kept', async (t) => {
  const sb = await withSandbox(t);
  tree(sb.root, ['src/b+', 'src/a+', 'src/notes', 'src/a/lib', 'other/c+']);
  const repos = await resolveRepos(['src/*', 'src/a/lib', 'other/c', 'gone'], {}, sb.root);
  assert.deepEqual(repos, ['src/a', 'src/b', 'other/c', 'gone'].map((d) => path.join(sb.root, d)));
});

test('a glob on the command line that matches no repository is an error (exit 2) naming it, even when it matches plain directories', async (t) => {
  const sb = await withSandbox(t);
  tree(sb.root, ['src/a+', 'plain/x']);
  for (const globs of [['nothing-*'], ['plain/*'], ['src/*', 'nothing-*', 'plain/{x,y}']]) {
    await assert.rejects(resolveRepos(globs, {}, sb.root), (e: unknown) => {
      assert.ok(e instanceof DxError);
      assert.equal(e.code, 'GLOB_NO_MATCH');
      assert.equal(e.exitCode, 2);
      for (const g of globs.filter((x) => x !== 'src/*')) assert.ok(e.message.includes(`"${g}"`), e.message);
      assert.ok(!e.message.includes('"src/*"'), 'a glob that matched is not named');
      return true;
    });
  }
});

test('a glob of the machine config that matches nothing is handed to the caller, and the others still run', async (t) => {
  const sb = await withSandbox(t);
  tree(sb.root, ['src/a+']);
  const said: string[] = [];
  const repos = await resolveRepos([], { repos: [path.join(sb.root, 'moved/*'), path.join(sb.root, 'src/*')] }, sb.root, (g, source) => said.push(`${source}: ${g}`));
  assert.deepEqual(repos, [path.join(sb.root, 'src/a')]);
  assert.deepEqual(said, [`machine config: ${path.join(sb.root, 'moved/*')}`]);
  await assert.rejects(resolveRepos([], {}, sb.root), (e: unknown) => e instanceof DxError && e.code === 'NO_REPOS' && e.exitCode === 2);
});
