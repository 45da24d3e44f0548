// Issue 13 point 2 across hosts: host A (a VM running an agent) saves a 10,000-message session and 20
// more saves; they reach the remote (the first with --wait, the rest through the background worker). A's
// repository is deleted; host B (a laptop) lists it from the remote, restores it — every message
// identical. With the remote unreachable a save is loud, kept pending, and lands once it is back. Six hosts
// saving at once all land, and a pasted token is in none of the remote's objects.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, git, lsRemote, waitFor, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, installedHosts } from '../helpers/idle.ts';

const stateOf = (n: number) => ({
  messages: Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'the quick brown fox '.repeat(5)}` })),
  agent_contexts: { coder: { files: n } },
  task_progress: { done: n },
  current_task: `step ${n}`,
});

test('a session saved on host A (10,000 messages + 20 saves) is restored on host B after A is gone: every message identical', async (t) => {
  const { sb, remote, hosts: [a, b] } = await installedHosts(t, ['vm', 'laptop']) as { sb: Sandbox; remote: string; hosts: [Host, Host] };
  const file = path.join(sb.root, 'state.json');
  fs.writeFileSync(file, JSON.stringify(stateOf(10_000)));
  const first = await dx(a, ['session', 'save', 'run-7', '--agent', 'claude-code', '--file', file, '--wait', '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal((JSON.parse(first.stdout) as { push: { state: string } }).push.state, 'pushed');
  let last = '';
  for (let i = 1; i <= 20; i++) {
    fs.writeFileSync(file, JSON.stringify(stateOf(10_000 + i)));
    const r = await dx(a, ['session', 'save', 'run-7', '--agent', 'claude-code', '--file', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    last = (JSON.parse(r.stdout) as { commit: string }).commit;
  }
  const ref = 'refs/dx/sessions/vm/claude-code/run-7';
  await waitFor(async () => (await lsRemote(a.env, remote)).get(ref) === last, { what: 'the last save on the remote (background worker)', timeoutMs: 30_000 });
  await idle(a);
  fs.rmSync(a.dir, { recursive: true, force: true });

  const listed = await dx(b, ['session', 'list', '--all-hosts', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  // Described from the remote by vm's summary (nothing of the session itself is fetched for a list).
  type Row = { host: string; agent: string; id: string; fetched: boolean; described: string; branch: string | null; turns: number; messages: number; updated: number; commit: string };
  const rows = JSON.parse(listed.stdout) as Row[];
  assert.deepEqual(rows.map((x) => [x.host, x.agent, x.id, x.fetched, x.described, x.branch, x.turns, x.messages, x.commit]), [['vm', 'claude-code', 'run-7', false, 'summary', 'main', 21, 10_020, last]]);
  assert.ok(rows[0]!.updated > 0);
  assert.equal((await b.git(['rev-parse', '--verify', '--quiet', ref], { allowFail: true })).out, '', 'listing fetched no session');
  const text = await dx(b, ['session', 'list', '--all-hosts']);
  assert.match(text.stdout, /claude-code\/run-7 {2}host vm {2}branch main {2}updated .+ {2}21 turn\(s\), 10020 message\(s\) {2}\(on the remote\)/);
  const out = path.join(sb.root, 'restored.json');
  const r = await dx(b, ['session', 'restore', 'run-7', '--host', 'vm', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), stateOf(10_020));
  const show = JSON.parse((await dx(b, ['session', 'show', 'run-7', '--host', 'vm', '--offline', '--json'])).stdout) as { session: { turns: unknown[]; host: string } };
  assert.equal(show.session.turns.length, 21);
  assert.equal(show.session.host, 'vm');
});

test('an unreachable remote: the save is kept, said on stderr, in the ledger and the banner, pending — and it lands when the remote is back', async (t) => {
  const { sb, remote, hosts: [a] } = await installedHosts(t, ['vm']) as { sb: Sandbox; remote: string; hosts: [Host] };
  const gone = path.join(sb.root, 'moved.git');
  fs.renameSync(remote, gone);
  const file = path.join(sb.root, 'state.json');
  fs.writeFileSync(file, JSON.stringify(stateOf(3)));
  const r = await dx(a, ['session', 'save', 's-off', '--agent', 'codex', '--file', file, '--wait']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /kept here but NOT on origin/);
  const ref = 'refs/dx/sessions/vm/codex/s-off';
  assert.ok((await a.git(['rev-parse', '--verify', ref])).out, 'kept locally');
  const state = JSON.parse(fs.readFileSync(path.join(a.dir, '.git/dx/state.json'), 'utf8')) as { refPushes: Array<{ refs: string[]; attempts: number }> };
  assert.deepEqual(state.refPushes.map((p) => [p.refs, p.attempts]), [[[ref], 1]]);
  assert.match(fs.readFileSync(path.join(a.dir, '.git/dx/banner'), 'utf8'), /push of refs\/dx\/sessions\/vm\/codex\/s-off failing/);
  const ledger = fs.readFileSync(path.join(a.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; detail?: { refs?: string[] } });
  assert.ok(ledger.some((e) => e.op === 'refs.push' && !e.ok && e.detail?.refs?.includes(ref)), 'the failed push is in the ledger');
  // The remote is back: the next command's retry pushes it.
  fs.renameSync(gone, remote);
  const st = await dx(a, ['status']);
  assert.equal(st.code, 0, st.stderr + st.stdout);
  await idle(a);
  assert.equal((await lsRemote(a.env, remote)).get(ref), (await a.git(['rev-parse', ref])).out, 'landed');
  assert.deepEqual((JSON.parse(fs.readFileSync(path.join(a.dir, '.git/dx/state.json'), 'utf8')) as { refPushes: unknown[] }).refPushes, []);
});

test('six hosts save at once to one remote: every save lands, each restores on another host, and a pasted GitHub token, AWS secret key and private key are in none of the remote\'s objects', async (t) => {
  const { sb, remote, hosts: six } = await installedHosts(t, Array.from({ length: 6 }, (_, i) => `h${i}`));
  const TOKEN = 'ghp_' + 'x7Kq2mZpL9vR4tY8wB3nC6dF1gH5jS0aE2uI';
  const AWS = '9yNqVnXk5wR3sT7uP2qM' + '8bF4hJ6kL0cD1eG3iA5z';
  const KEY_BODY = 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Bs2+8f5q2S4zYp0nYcQm0u3ZqXq';
  const files = six.map((h, i) => {
    const f = path.join(sb.root, `state-${i}.json`);
    const st = stateOf(50 + i);
    (st.messages[0] as { content: string }).content = `token ${TOKEN} from ${h.name}`;
    // The AWS secret key and the private key in later messages of the same session.
    (st.messages[1] as { content: string }).content = `aws_secret_access_key = ${AWS}`;
    // A key of a real key's length (the scanner's rule wants more than one line of body).
    (st.messages[2] as { content: string }).content = `-----BEGIN RSA PRIVATE KEY-----\n${Array(25).fill(KEY_BODY).join('\n')}\n-----END RSA PRIVATE KEY-----`;
    fs.writeFileSync(f, JSON.stringify(st));
    return f;
  });
  const results = await Promise.all(six.map((h, i) => dx(h, ['session', 'save', 'shared-id', '--agent', 'aider', '--file', files[i]!, '--wait', '--json'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const there = await lsRemote(six[0]!.env, remote);
  for (const [i, h] of six.entries()) {
    const ref = `refs/dx/sessions/${h.name}/aider/shared-id`;
    assert.equal(there.get(ref), (JSON.parse(results[i]!.stdout) as { commit: string }).commit, `${ref} landed`);
  }
  // Every object the remote holds, as text: the token is in none.
  const ids = (await git(remote, six[0]!.env, ['rev-list', '--objects', '--all'])).out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  const objects = (await git(remote, six[0]!.env, ['cat-file', '--batch'], { input: ids.join('\n') + '\n' })).out;
  assert.ok(!objects.includes(TOKEN), 'the token reached the remote');
  assert.ok(!objects.includes(AWS) && !objects.includes(AWS.slice(-12)), 'the AWS secret key (or a part of it) reached the remote');
  assert.ok(!objects.includes(KEY_BODY), 'the private key reached the remote');
  assert.ok(objects.includes('[REDACTED:GITHUB_TOKEN]'));
  // Each host's session restores on its neighbour, every message as saved (the token redacted).
  for (const [i, h] of six.entries()) {
    const other = six[(i + 1) % 6]!;
    const r = await dx(other, ['session', 'restore', 'shared-id', '--host', h.name]);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as ReturnType<typeof stateOf>;
    assert.equal(got.messages.length, 50 + i);
    assert.equal((got.messages[0] as { content: string }).content, `token [REDACTED:GITHUB_TOKEN] from ${h.name}`);
    assert.match((got.messages[1] as { content: string }).content, /^\[REDACTED:AWSSecretAccessKey\]$/);
    assert.match((got.messages[2] as { content: string }).content, /\[REDACTED:PrivateKey\]/);
    assert.deepEqual(got.messages.slice(3), stateOf(50 + i).messages.slice(3));
  }
});

test('session rm removes this host\'s session here and on the remote; dx-hooks undo puts it back, both places, at the same save', async (t) => {
  const { sb, remote, hosts: [a] } = await installedHosts(t, ['vm']) as { sb: Sandbox; remote: string; hosts: [Host] };
  const file = path.join(sb.root, 's.json');
  fs.writeFileSync(file, JSON.stringify(stateOf(4)));
  assert.equal((await dx(a, ['session', 'save', 'gone', '--agent', 'codex', '--file', file, '--wait'])).code, 0);
  const ref = 'refs/dx/sessions/vm/codex/gone';
  const saved = (await a.git(['rev-parse', ref])).out;
  assert.equal((await dx(a, ['session', 'rm', 'nope'])).code, 1, 'an unknown session');
  const rm = await dx(a, ['session', 'rm', 'gone', '--json']);
  assert.equal(rm.code, 0, rm.stderr);
  const event = (JSON.parse(rm.stdout) as { id: string }).id;
  assert.equal((await a.git(['rev-parse', '-q', '--verify', ref], { allowFail: true })).out, '', 'gone here');
  assert.equal((await lsRemote(a.env, remote)).get(ref), undefined, 'gone on the remote');
  const undo = await dx(a, ['undo', event]);
  assert.equal(undo.code, 0, undo.stderr + undo.stdout);
  await idle(a);
  assert.equal((await a.git(['rev-parse', ref])).out, saved, 'back here');
  assert.equal((await lsRemote(a.env, remote)).get(ref), saved, 'back on the remote');
  assert.deepEqual(JSON.parse((await dx(a, ['session', 'restore', 'gone'])).stdout), stateOf(4));
});
