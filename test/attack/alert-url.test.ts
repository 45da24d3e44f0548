// Attack (issue 11, "alert"): a cloned repository must never make dx-hooks call a URL. Its .dxrc
// names a webhook under every key an attacker might try; a failure episode happens (the invalid
// config pauses the backup, loudly); the alert goes out — desktop only, since the machine config
// sets no webhook — and the HTTP server on 127.0.0.1 receives nothing. A machine config whose
// webhook is not http(s) is refused as invalid.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, seedRemote, waitFor, withSandbox } from '../helpers/index.ts';

test('a .dxrc with webhook/url keys is refused and no request reaches the server; a file: webhook in the machine config is invalid', { skip: process.platform !== 'linux' && 'the episode is observed through a notify-send on PATH' }, async (t) => {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/steal`;
  const bin = sb.tmp('bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'notify-send'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });

  const h = await cloneAs(sb, remote, 'victim');
  h.env.PATH = `${bin}${path.delimiter}${h.env.PATH ?? ''}`;
  h.env.DX_WIP_PUSH = 'sync';
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.write('.dxrc.json', JSON.stringify({ webhook: url, url, alert: { webhook: url, url }, notify: { webhook: url } }));
  await h.git(['add', '.dxrc.json']);
  const c = await git(h.dir, h.env, ['commit', '-q', '-m', 'hostile config'], { allowFail: true });
  assert.equal(c.code, 0, 'a bad .dxrc must not block the commit');

  const st = await dx(h, ['status', '--offline']);
  assert.equal(st.code, 2, st.stdout + st.stderr);
  assert.match(st.stderr, /webhook/);
  // The episode's alert went out (its sender wrote the ledger line) — and it called no URL.
  const ledger = path.join(h.dir, '.git', 'dx', 'events.jsonl');
  const alerts = async () => fs.readFileSync(ledger, 'utf8').split('\n').filter((l) => l.includes('"op":"alert"'));
  const lines = await waitFor(async () => ((await alerts()).length ? await alerts() : null), { what: 'the alert sender\'s ledger line' });
  assert.match(lines[0] as string, /"webhook":"none"/);
  assert.equal(requests, 0, 'a URL from the repository was called');

  // Not http(s): the machine config is invalid (nothing is ever called with it).
  fs.mkdirSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks'), { recursive: true });
  fs.writeFileSync(path.join(sb.env.XDG_CONFIG_HOME as string, 'dx-hooks', 'config.json'), JSON.stringify({ webhook: 'file:///etc/passwd' }));
  const bad = await dx(h, ['doctor']);
  assert.match(bad.stdout + bad.stderr, /webhook/);
  assert.equal(requests, 0);
});
