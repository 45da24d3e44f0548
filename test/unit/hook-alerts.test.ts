// Unit (issue 11): the pure parts of "never silent when protection stops" — lefthook's local-config
// block (written, merged into the user's YAML, refused where a key would repeat), the alert payload
// (Slack-style, neutralised), and failure episodes (opened once, closed once, across processes' races).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { closeEpisode, openEpisode } from '../../src/core/alert/episode.ts';
import { alertFor, slackSafe } from '../../src/core/alert/payload.ts';
import { webhookOf } from '../../src/core/alert/send.ts';
import { hooksInBlock, isLefthookHook, lefthookBlock, mergeLefthookBlock, stripLefthookBlock } from '../../src/core/install/lefthook.ts';

test('lefthook: its hook files are recognised; the block runs the runtime with git\'s arguments quoted and stdin where git gives it', () => {
  assert.ok(isLefthookHook('#!/bin/sh\ncall_lefthook()\n{\n}\ncall_lefthook run "pre-commit" "$@"\n'));
  assert.ok(!isLefthookHook('#!/bin/sh\necho lefthook is great\n'));
  const block = lefthookBlock(['pre-push', 'pre-commit']);
  assert.deepEqual(hooksInBlock(block), ['pre-push', 'pre-commit']);
  assert.match(block, /pre-push:\n {2}jobs:\n {4}- name: dx-hooks\n {6}use_stdin: true\n {6}run: \|-\n {8}sh -c '.*"\$d\/hooks\/pre-push" "\$@".*' dx-hooks\n/, 'no {1} {2}: lefthook pastes them raw, and a remote URL may hold a quote');
  assert.doesNotMatch(block, /\{1\}/);
  assert.match(block, /pre-commit:\n {2}jobs:\n {4}- name: dx-hooks\n {6}run: \|-\n {8}sh -c '.*' dx-hooks\n/);
});

test('lefthook: the block is appended to the user\'s local config, replaced on refresh, refused when a key would repeat, and stripped exactly', () => {
  const mine = 'commit-msg:\n  jobs:\n    - run: echo mine\n';
  const merged = mergeLefthookBlock(mine, ['pre-commit'], 'lefthook-local.yml');
  assert.ok(merged.startsWith(mine));
  assert.equal(stripLefthookBlock(merged), mine);
  const again = mergeLefthookBlock(merged, ['pre-commit', 'post-commit'], 'lefthook-local.yml');
  assert.deepEqual(hooksInBlock(again), ['pre-commit', 'post-commit']);
  assert.equal(again.split('# >>> dx-hooks >>>').length, 2);
  assert.throws(() => mergeLefthookBlock('pre-commit:\n  jobs: []\n', ['pre-commit'], 'lefthook-local.yml'), (e: { code?: string; hint?: string }) => e.code === 'LEFTHOOK_LOCAL_CONFLICT' && /name: dx-hooks/.test(e.hint ?? ''));
});

test('alert payload: Slack-style text and fields; a remote\'s text cannot ping a channel, forge a link or carry escapes', () => {
  const ep = { id: 'abc', kind: 'backup' as const, since: 1_700_000_000, text: 'dx-hooks: WIP backup failing — remote: <!channel> <http://evil|click> \u001b[31m & more' };
  const a = alertFor(ep, 'failing', 'laptop', '/home/me/repo', 1_700_000_100);
  assert.match(a.payload.text, /^dx-hooks: WIP backup failing on laptop in \/home\/me\/repo\n/);
  // What Slack renders (text, attachments) holds no < > and no controls; dx_hooks keeps the data (controls escaped) for other receivers.
  // eslint-disable-next-line no-control-regex -- matching controls is the point
  assert.ok(!/[<>\u001b]/.test(JSON.stringify({ text: a.payload.text, attachments: a.payload.attachments })), JSON.stringify(a.payload));
  assert.match(a.payload.text, /&lt;!channel&gt;/);
  assert.deepEqual(a.payload.dx_hooks, { event: 'backup.failing', episode: 'abc', host: 'laptop', repo: '/home/me/repo', since: 1_700_000_000, at: 1_700_000_100, detail: 'WIP backup failing — remote: <!channel> <http://evil|click> \\x1b[31m & more' });
  assert.equal(a.payload.attachments[0]?.color, 'danger');
  assert.equal(alertFor(ep, 'recovered', 'laptop', '/r').payload.dx_hooks.event, 'backup.recovered');
  assert.ok(!a.body.includes('\u001b') && !a.title.includes('\n'));
  assert.equal(slackSafe('a&b'), 'a&amp;b');
});

test('webhook: only http(s) URLs are ever called', () => {
  assert.equal(webhookOf({ webhook: 'https://hooks.example/x' }), 'https://hooks.example/x');
  assert.equal(webhookOf({ webhook: 'file:///etc/passwd' }), null);
  assert.equal(webhookOf({ webhook: 'javascript:alert(1)' }), null);
  assert.equal(webhookOf({}), null);
});

test('episodes: opened once however often the failure is seen, closed once, then a new one opens', (t) => {
  const common = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-episode-'));
  t.after(() => fs.rmSync(common, { recursive: true, force: true }));
  fs.mkdirSync(path.join(common, 'dx'));
  const ctx = { top: common, gitDir: common, commonDir: common, dxDir: path.join(common, 'dx') };
  const first = openEpisode(ctx, 'backup', 'failing');
  assert.ok(first);
  assert.equal(openEpisode(ctx, 'backup', 'still failing'), null);
  assert.ok(openEpisode(ctx, 'hooks', 'other kind'), 'kinds are separate episodes');
  assert.equal(closeEpisode(ctx, 'backup')?.id, first.id);
  assert.equal(closeEpisode(ctx, 'backup'), null);
  assert.notEqual(openEpisode(ctx, 'backup', 'again')?.id, first.id);
});
