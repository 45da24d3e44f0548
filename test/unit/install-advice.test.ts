// What install tells the user to commit and what stays local (issue 11 point 3), from a plan alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitAdvice } from '../../src/core/install/advice.ts';
import type { InstallPlan } from '../../src/core/install/plan.ts';

const top = '/r';
const common = '/r/.git';
const plan = (hooksDir: string, actions: InstallPlan['actions']): InstallPlan => ({ top, hooksDir, huskyDir: null, actions, notes: [] });

test('plain .git/hooks: commit the config; .git/dx and .git/hooks are local', () => {
  const a = commitAdvice(plan('/r/.git/hooks', [
    { kind: 'runtime', dir: '/r/.git/dx/hooks' },
    { kind: 'create-hook', hook: 'pre-commit', path: '/r/.git/hooks/pre-commit' },
    { kind: 'chain-hook', hook: 'pre-push', path: '/r/.git/hooks/pre-push', chained: '/r/.git/hooks/pre-push.pre-dx-hooks' },
    { kind: 'create-config', path: '/r/.dxrc.json' },
  ]), top, common);
  assert.deepEqual(a.commit.map((c) => c.path), ['.dxrc.json']);
  assert.deepEqual(a.local.map((c) => c.path), ['.git/dx/', '.git/hooks/']);
  assert.equal(a.command, 'git add -- .dxrc.json');
});

test('husky: the config first, then husky\'s files; the stub in husky\'s _ folder is local; package.json config named by its key', () => {
  const a = commitAdvice(plan('/r/.husky/_', [
    { kind: 'runtime', dir: '/r/.git/dx/hooks' },
    { kind: 'husky-append', hook: 'pre-commit', path: '/r/.husky/pre-commit', createFile: false },
    { kind: 'husky-refresh', hook: 'pre-push', path: '/r/.husky/pre-push' },
    { kind: 'create-hook', hook: 'reference-transaction', path: '/r/.husky/_/reference-transaction' },
    { kind: 'keep-config', path: '/r/package.json' },
  ]), top, common);
  assert.deepEqual(a.commit.map((c) => c.path), ['package.json', '.husky/pre-commit', '.husky/pre-push']);
  assert.match(a.commit[0]!.why, /"dx" key/);
  assert.deepEqual(a.local.map((c) => c.path), ['.git/dx/', '.husky/_/reference-transaction']);
  assert.equal(a.command, 'git add -- package.json .husky/pre-commit .husky/pre-push');
});

test('a linked worktree (common dir elsewhere): nothing to commit but what is in the work tree; odd names are quoted in the command', () => {
  const a = commitAdvice(plan('/main/.git/hooks', [
    { kind: 'runtime', dir: '/main/.git/dx/hooks' },
    { kind: 'create-hook', hook: 'pre-commit', path: '/main/.git/hooks/pre-commit' },
    { kind: 'husky-append', hook: 'pre-push', path: "/r/hu sky/pre-push; rm -rf ~'", createFile: true },
  ]), top, '/main/.git');
  assert.deepEqual(a.local.map((c) => c.path), ['/main/.git/dx/', '/main/.git/hooks/']);
  assert.equal(a.command, `git add -- 'hu sky/pre-push; rm -rf ~'\\'''`);
  assert.equal(commitAdvice(plan('/r/.git/hooks', [{ kind: 'runtime', dir: '/r/.git/dx/hooks' }]), top, common).command, null);
});
