// Host ids, WIP ref names, and the queue the sh shims write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveHost, sanitizeHost } from '../../src/core/host.ts';
import { parseQueue } from '../../src/core/wip/queue.ts';
import { parseWipRef, wipRef } from '../../src/core/wip/ref.ts';

test('host ids are reduced to [a-z0-9._-] and a valid ref component', () => {
  assert.equal(sanitizeHost('MacBook-Pro'), 'macbook-pro');
  assert.equal(sanitizeHost('my host$(rm -rf)'), 'my-host-rm--rf-');
  assert.equal(sanitizeHost('..hidden'), 'hidden');
  assert.equal(sanitizeHost('box.lock'), 'box');
  assert.equal(sanitizeHost('a..b'), 'a.b');
  assert.equal(sanitizeHost('ünï'), 'n-');
  assert.equal(sanitizeHost(''), 'unknown');
  assert.equal(resolveHost('Machine-Config', { DX_HOST: 'From-Env' }), 'from-env');
  assert.equal(resolveHost('Machine-Config', {}), 'machine-config');
});

test('WIP refs: one per (host, branch); a detached HEAD mirrors to HEAD, never to a branch\'s slot; parse is the inverse', () => {
  assert.equal(wipRef('refs/heads/wip', 'mac', 'feature/x'), 'refs/heads/wip/mac/feature/x');
  assert.equal(wipRef('refs/wip', 'mac', null), 'refs/wip/mac/HEAD');
  assert.equal(wipRef('refs/wip', 'mac', 'detached'), 'refs/wip/mac/detached');
  assert.notEqual(wipRef('refs/wip', 'mac', 'detached'), wipRef('refs/wip', 'mac', null));
  assert.deepEqual(parseWipRef('refs/heads/wip', 'refs/heads/wip/mac/feature/x'), { host: 'mac', branch: 'feature/x' });
  assert.equal(parseWipRef('refs/heads/wip', 'refs/heads/main'), null);
  assert.equal(parseWipRef('refs/heads/wip', 'refs/heads/wip/mac'), null);
});

test('queue lines: branch refs, detached shas and session refs; junk is counted, not trusted', () => {
  const q = parseQueue(`refs/heads/main\n${'a'.repeat(40)}\n\nrm -rf /\nrefs/heads/\nrefs/heads/feat/$(x)\n`);
  assert.deepEqual(q.items, [
    { kind: 'branch', branch: 'main' },
    { kind: 'detached', sha: 'a'.repeat(40) },
    { kind: 'branch', branch: 'feat/$(x)' },
  ]);
  assert.equal(q.invalid, 2);
  // A session save queued for the worker: only a session ref of the strict shape; anything else is junk.
  const r = parseQueue('refs/dx/sessions/vm1/claude-code/abc-1\nrefs/dx/sessions/vm1/claude-code/../../heads/main\nrefs/dx/undo/x\nrefs/dx/sessions/vm1/Claude/abc\nrefs/dx/sessions/vm1/codex/a.lock\n');
  assert.deepEqual(r.items, [{ kind: 'ref', ref: 'refs/dx/sessions/vm1/claude-code/abc-1' }]);
  assert.equal(r.invalid, 4);
});

test('git versions: reference-transaction needs git 2.28 or newer', async () => {
  const { parseGitVersion } = await import('../../src/core/install/plan.ts');
  assert.deepEqual(parseGitVersion('git version 2.39.5'), [2, 39]);
  assert.deepEqual(parseGitVersion('git version 2.27.0.windows.1'), [2, 27]);
  assert.deepEqual(parseGitVersion('nonsense'), [0, 0]);
});
