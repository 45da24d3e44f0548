// Issue 13 point 3: a checkpoint carries the agent session's save (`checkpoint create --session`, a
// Dx-Session trailer on the tag; the session's ref is pushed with the tag). `checkpoint restore` names it,
// and `session restore --checkpoint` brings that save back — on another host too, after later saves. A
// tag whose trailer names a commit outside the session's history, or a garbled trailer, restores nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, lsRemote, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, installedHosts } from '../helpers/idle.ts';

const stateOf = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => ({ role: 'user', content: `m${i}` })), agent_contexts: {}, task_progress: { n }, current_task: `t${n}` });

test('checkpoint create --session records the save and pushes the session with the tag; session restore --checkpoint brings that save back on another host; restore names it', async (t) => {
  const { sb, remote, hosts: [a, b] } = await installedHosts(t, ['vm', 'laptop'], { DX_WIP_PUSH: 'sync' }) as { sb: Sandbox; remote: string; hosts: [Host, Host] };
  const file = path.join(sb.root, 's.json');
  fs.writeFileSync(file, JSON.stringify(stateOf(3)));
  // Saved but not pushed yet (wip.push would queue it): the checkpoint's push carries the session ref.
  assert.equal((await dx(a, ['session', 'save', 'ses', '--agent', 'codex', '--file', file, '--json'])).code, 0);
  await idle(a);
  const cp = await dx(a, ['checkpoint', 'create', 'cp1', '-m', 'three messages in', '--session', 'ses', '--json']);
  assert.equal(cp.code, 0, cp.stderr);
  const saved = JSON.parse(cp.stdout) as { checkpoint: { session: { ref: string; commit: string } } };
  const ref = 'refs/dx/sessions/vm/codex/ses';
  assert.equal(saved.checkpoint.session.ref, ref);
  const tagMsg = (await a.git(['cat-file', '-p', 'refs/tags/checkpoint/cp1'])).out;
  assert.match(tagMsg, new RegExp(`Dx-Session: ${ref} ${saved.checkpoint.session.commit}`));
  assert.ok((await lsRemote(a.env, remote)).has(ref), 'the session ref went with the tag');
  // Later saves move the session on.
  fs.writeFileSync(file, JSON.stringify(stateOf(5)));
  assert.equal((await dx(a, ['session', 'save', 'ses', '--agent', 'codex', '--file', file, '--wait'])).code, 0);
  // On the laptop: the checkpoint's save, not the newest.
  const out = path.join(sb.root, 'at-cp.json');
  const r = await dx(b, ['session', 'restore', 'ses', '--checkpoint', 'cp1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), stateOf(3));
  const newest = await dx(b, ['session', 'restore', 'ses', '--host', 'vm']);
  assert.deepEqual(JSON.parse(newest.stdout), stateOf(5));
  const wrongId = await dx(b, ['session', 'restore', 'other', '--checkpoint', 'cp1']);
  assert.equal(wrongId.code, 2);
  assert.match(wrongId.stderr, /recorded session .*ses/);
  // checkpoint restore names the session state and the command that brings it back.
  const back = await dx(a, ['checkpoint', 'restore', 'cp1']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /agent session state saved with it: refs\/dx\/sessions\/vm\/codex\/ses at [0-9a-f]{12} — bring it back: dx-hooks session restore ses --checkpoint cp1/);
});

test('a hostile checkpoint tag: a Dx-Session naming a commit outside that session\'s history restores nothing; a garbled one counts as none', async (t) => {
  const { sb, hosts: [a] } = await installedHosts(t, ['vm']) as { sb: Sandbox; remote: string; hosts: [Host] };
  const file = path.join(sb.root, 's.json');
  fs.writeFileSync(file, JSON.stringify(stateOf(2)));
  assert.equal((await dx(a, ['session', 'save', 'ses', '--agent', 'codex', '--file', file, '--wait'])).code, 0);
  const head = (await a.git(['rev-parse', 'HEAD'])).out;
  const tagger = (await a.git(['var', 'GIT_COMMITTER_IDENT'])).out;
  const mk = async (name: string, trailer: string) => {
    const msg = `hostile\n\nDx-Checkpoint: ${name}\nDx-Host: evil\nDx-Branch: main\nDx-Base: ${head}\nDx-Dirty: false\nDx-Time: 1\n${trailer}\n`;
    const tag = (await a.git(['mktag'], { input: `object ${head}\ntype commit\ntag checkpoint/${name}\ntagger ${tagger}\n\n${msg}` })).out;
    await a.git(['update-ref', `refs/tags/checkpoint/${name}`, tag]);
  };
  await mk('evil1', `Dx-Session: refs/dx/sessions/vm/codex/ses ${head}`); // HEAD is no save of that session
  await mk('evil2', 'Dx-Session: refs/heads/main ../../etc');
  const one = await dx(a, ['session', 'restore', 'ses', '--checkpoint', 'evil1']);
  assert.equal(one.code, 1);
  assert.match(one.stderr, /not in that session's history/);
  const two = await dx(a, ['session', 'restore', 'ses', '--checkpoint', 'evil2']);
  assert.equal(two.code, 1);
  assert.match(two.stderr, /recorded no session/);
});
