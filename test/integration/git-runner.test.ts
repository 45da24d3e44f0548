// The one git runner (src/core/git.ts): every call pinned to English and to no submodule recursion,
// one timeout meaning (wall clock, then killed), three kinds of call; and the protected-path check
// fails closed when git cannot compute its diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { GitError } from '../../src/core/errors.ts';
import { git, gitBestEffort, gitTry } from '../../src/core/git.ts';
import { protectedLosses } from '../../src/core/protect/match.ts';
import { initRepo, withSandbox } from '../helpers/index.ts';

test('every call: LC_ALL=C, no LANGUAGE, no hook-exported GIT_DIR, submodule.recurse=false', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const saved = { LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL, GIT_DIR: process.env.GIT_DIR };
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  process.env.LANGUAGE = 'de';
  process.env.LC_ALL = 'de_DE.UTF-8';
  process.env.GIT_DIR = '/nonexistent';
  const env = await git(['-c', 'alias.showenv=!env', 'showenv'], { cwd: h.dir });
  const vars = new Map(env.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(vars.get('LC_ALL'), 'C');
  assert.equal(vars.has('LANGUAGE'), false);
  assert.equal(vars.has('GIT_DIR') && vars.get('GIT_DIR') === '/nonexistent', false, 'the hook-exported GIT_DIR is dropped');
  assert.equal((await git(['config', '--get', 'submodule.recurse'], { cwd: h.dir })).trim(), 'false');
});

test('strict throws on any non-zero exit; gitTry answers with the code; best-effort never throws; a timeout kills', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await assert.rejects(git(['rev-parse', '--verify', 'no-such-ref'], { cwd: h.dir }), (e: unknown) => e instanceof GitError && e.gitExitCode === 128);
  assert.equal((await gitTry(['rev-parse', '-q', '--verify', 'no-such-ref'], { cwd: h.dir })).code, 1);
  assert.equal(await gitBestEffort(['update-ref', '-d', 'refs/heads/nothing-here', '1'.repeat(40)], { cwd: h.dir }, 'test'), false);
  const started = Date.now();
  await assert.rejects(gitTry(['-c', 'alias.slow=!sleep 20', 'slow'], { cwd: h.dir, timeoutMs: 300 }), (e: unknown) => e instanceof GitError && /timed out after 300 ms/.test(e.message));
  assert.ok(Date.now() - started < 10_000, 'killed, not waited for');
});

test('the protected-path check fails closed: a diff git cannot compute is an error, never "nothing lost"', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const head = await h.commit('base', { 'keep/a.txt': 'a\n' });
  const ctx = await openRepo(h.dir);
  const all = () => true;
  assert.deepEqual(await protectedLosses(ctx, all, head, head), []);
  await assert.rejects(protectedLosses(ctx, all, '1'.repeat(40), head), (e: unknown) => (e as { code?: string }).code === 'PROTECT_CHECK_FAILED');
  await assert.rejects(protectedLosses(ctx, all, '1'.repeat(40), { index: true }), (e: unknown) => (e as { code?: string }).code === 'PROTECT_CHECK_FAILED');
});

test('pre-commit refuses when its protected-path check cannot be computed (fail closed); DX_ALLOW_PROTECTED=1 goes ahead', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['keep/**'] } }));
  await h.commit('base', { 'keep/a.txt': 'a\n' });
  // HEAD's root tree is gone (a broken object store): the diff against HEAD cannot be computed.
  const tree = (await h.git(['rev-parse', 'HEAD^{tree}'])).out;
  fs.rmSync(path.join(h.dir, '.git/objects', tree.slice(0, 2), tree.slice(2)));
  const { run, REFUSED } = await import('../../src/commands/hook.ts');
  const saved = process.env.DX_ALLOW_PROTECTED;
  t.after(() => {
    if (saved === undefined) delete process.env.DX_ALLOW_PROTECTED;
    else process.env.DX_ALLOW_PROTECTED = saved;
  });
  delete process.env.DX_ALLOW_PROTECTED;
  assert.equal(await run({ name: 'pre-commit', cwd: h.dir }), REFUSED);
  process.env.DX_ALLOW_PROTECTED = '1';
  assert.equal(await run({ name: 'pre-commit', cwd: h.dir }), 0);
});

test('noHooks: an update of a private ref runs no hook (not the user\'s reference-transaction either); without it the hook runs', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.commit('one', { 'a.txt': 'a\n' });
  const log = path.join(sb.root, 'hook.log');
  const hook = path.join(h.dir, '.git', 'hooks', 'reference-transaction');
  fs.writeFileSync(hook, `#!/bin/sh\ncat >> '${log}'\n`, { mode: 0o755 });
  const sha = (await h.git(['rev-parse', 'HEAD'])).out.trim();
  await git(['update-ref', 'refs/dx/quiet', sha], { cwd: h.dir, noHooks: true });
  assert.equal(fs.existsSync(log), false, 'no hook ran');
  assert.equal((await h.git(['rev-parse', 'refs/dx/quiet'])).out.trim(), sha, 'the ref was written');
  await git(['update-ref', 'refs/dx/heard', sha], { cwd: h.dir });
  assert.match(fs.readFileSync(log, 'utf8'), /refs\/dx\/heard/);
});
