// Which remote refs pre-push guards (dx refs, this host's private refs), the mirror-push detection, and the shell quoting of the override.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dxRefKind, privateRefKind } from '../../src/core/protect/dxrefs.ts';
import { shellQuote as shWord } from '../../src/core/text/shell.ts';
import { isMirrorPush, pushCommandLine } from '../../src/core/protect/pushcmd.ts';

test('dx refs: the index, every host\'s WIP under the configured prefix, refs/dx/**, checkpoint tags; nothing else', () => {
  const p = 'refs/heads/wip';
  for (const r of ['refs/heads/dx/index', 'refs/heads/wip/a/main', 'refs/heads/wip/a/feat/x', 'refs/dx/snapshots/a/0123456789ab/main', 'refs/dx/displaced/a/x/main', 'refs/dx/sessions/a/b/c', 'refs/tags/checkpoint/n']) assert.ok(dxRefKind(p, r), r);
  for (const r of ['refs/heads/main', 'refs/heads/wip', 'refs/heads/wip/a', 'refs/tags/v1', 'refs/heads/dx/other']) assert.equal(dxRefKind(p, r), null, r);
  assert.equal(dxRefKind('refs/wip', 'refs/heads/wip/a/main'), null, 'with refs/wip, a branch named wip/… is the user\'s');
  assert.ok(dxRefKind('refs/wip', 'refs/wip/a/main'));
});

test('private refs are never published; the remote\'s kept snapshots are not private', () => {
  for (const r of ['refs/dx/index', 'refs/dx/undo/1-a', 'refs/dx/local/a/main', 'refs/dx/pushed/a/main', 'refs/dx/tmp/1/x']) assert.ok(privateRefKind(r), r);
  for (const r of ['refs/dx/snapshots/a/x/main', 'refs/heads/dx/index', 'refs/heads/main']) assert.equal(privateRefKind(r), null, r);
});

test('mirror detection and shell quoting', () => {
  assert.ok(isMirrorPush(['push', '--mirror', 'origin']));
  assert.ok(isMirrorPush(['-C', 'x', 'push', 'origin', '--mirror']));
  assert.ok(!isMirrorPush(['push', 'origin', '--', '--mirror'].slice(0, 2)));
  assert.ok(!isMirrorPush(null));
  assert.ok(isMirrorPush(['push', '--mirr', 'origin']), 'an abbreviated --mirror is a mirror too');
  assert.ok(!isMirrorPush(['push', '--', 'origin']));
  assert.equal(pushCommandLine(process.pid), null, 'this test process is not a git push');
  assert.equal(shWord('origin'), 'origin');
  assert.equal(shWord('refs/heads/*:refs/heads/*'), "'refs/heads/*:refs/heads/*'");
  assert.equal(shWord("it's"), "'it'\\''s'");
  assert.equal(shWord('$(rm -rf ~)'), "'$(rm -rf ~)'");
});
