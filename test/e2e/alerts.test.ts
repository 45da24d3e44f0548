// e2e (issue 11, "alert"): a failing backup reaches the user where they are. The machine config's
// webhook gets one JSON POST when a failure episode starts and one when it recovers (a real HTTP
// server on 127.0.0.1), in the background — the commit returns while the POST is still unanswered —
// never twice for one episode, with the remote's text neutralised; a desktop notification goes out
// through notify-send's argv. Linux: the desktop half uses a notify-send on PATH that records its argv.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, rejectPushesTo, seedRemote, waitFor, withSandbox, type Host } from '../helpers/index.ts';
import { assertOk } from './_e2e.ts';

interface Got { path: string; type: string | undefined; body: { text: string; attachments: { fields: { title: string; value: string }[] }[]; dx_hooks: { event: string; episode: string } } }

/** A webhook receiver on 127.0.0.1; `hold` keeps the first request unanswered until `release()`. */
async function receiver(t: { after: (fn: () => unknown) => void }, hold = false) {
  const got: Got[] = [];
  let release = () => undefined as void;
  const held = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', async () => {
      got.push({ path: req.url ?? '', type: req.headers['content-type'], body: JSON.parse(data) as Got['body'] });
      if (hold && got.length === 1) await held;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    release();
    server.closeAllConnections();
    server.close();
  });
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, release: () => release() };
}

const alertLines = (h: Host) => {
  try {
    return fs.readFileSync(path.join(h.dir, '.git', 'dx', 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"op":"alert"'));
  } catch {
    return [];
  }
};

/** A notify-send that appends its argv (NUL-separated, one line per call) to `log`. */
function fakeNotifySend(dir: string, log: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'notify-send'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done >> '${log}'\nprintf '\\n' >> '${log}'\n`, { mode: 0o755 });
}

test('webhook and desktop: one alert when the backup starts failing, none while it keeps failing, one when it recovers; the commit never waits for the POST', { skip: process.platform !== 'linux' && 'notify-send is Linux\'s' }, async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const srv = await receiver(t, true);
  const bin = sb.tmp('bin');
  const notes = sb.tmp('notify.log');
  fakeNotifySend(bin, notes);
  fs.mkdirSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks'), { recursive: true });
  fs.writeFileSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json'), JSON.stringify({ webhook: `${srv.url}/hook` }));
  const h = await cloneAs(sb, remote, 'alerty');
  h.env.PATH = `${bin}${path.delimiter}${h.env.PATH ?? ''}`;
  h.env.DX_WIP_PUSH = 'sync';
  assertOk(await dx(h, ['install']), 'dx-hooks install');
  // The remote refuses this host's WIP with a message that tries to ping a Slack channel and colour the terminal.
  await rejectPushesTo(remote, ['refs/heads/wip/alerty/main'], 'nope <!channel> \u001b[31mred');

  await h.commit('one', { 'a.txt': 'a\n' });
  // The commit has returned while the POST is still unanswered: it never waited for it.
  await waitFor(async () => srv.got.length === 1, { what: 'the "failing" POST' });
  assert.equal(alertLines(h).length, 0, 'the sender finished before the server answered?');
  const first = srv.got[0] as Got;
  assert.equal(first.path, '/hook');
  assert.equal(first.type, 'application/json');
  assert.equal(first.body.dx_hooks.event, 'backup.failing');
  assert.match(first.body.text, /WIP backup failing on alerty/);
  assert.ok(!first.body.text.includes('<!channel>') && !JSON.stringify(first.body).includes('\u001b'), `the remote's text reached the webhook raw: ${first.body.text}`);
  assert.ok(first.body.attachments[0]?.fields.some((f) => f.title === 'host' && f.value === 'alerty'));
  srv.release();
  await waitFor(async () => alertLines(h).length === 1, { what: 'the sender\'s ledger line' });

  // Still failing: the same episode, nothing sent.
  await h.commit('two', { 'b.txt': 'b\n' });
  // Recovered: the remote accepts again; status retries the pending push, the banner goes, one "recovered" POST.
  fs.rmSync(path.join(remote, 'hooks', 'pre-receive'));
  await dx(h, ['status']);
  await waitFor(async () => srv.got.length === 2 && alertLines(h).length === 2, { what: 'the "recovered" POST' });
  const second = srv.got[1] as Got;
  assert.equal(second.body.dx_hooks.event, 'backup.recovered');
  assert.equal(second.body.dx_hooks.episode, first.body.dx_hooks.episode);
  assert.equal(srv.got.length, 2, 'an episode was alerted more than once each way');

  // Desktop: notify-send ran twice, argv only, the remote's text neutralised.
  const calls = fs.readFileSync(notes, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\0').filter(Boolean));
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0]?.slice(0, 3), ['--app-name=dx-hooks', '--', 'dx-hooks: WIP backup failing']);
  assert.ok(!calls[0]?.join(' ').includes('\u001b'), 'an escape sequence reached the desktop notification');
  assert.equal(calls[1]?.[2], 'dx-hooks: WIP backup recovered');
});
