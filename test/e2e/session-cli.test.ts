// Issue 13 point 2, the commands: `dx-hooks session save`
// from a file and from stdin, `list`, `show`, `restore` to stdout and to files — an existing file is not
// replaced without --force, a link is never written through — and bad input (a corrupt state file, an id
// with `..`) is exit 2 with nothing written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, initRepo, withSandbox } from '../helpers/index.ts';

const state = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => ({ role: 'user', content: `m${i}` })), agent_contexts: {}, task_progress: { step: n }, current_task: `task ${n}`, extra: { kept: true } });

test('session save (file, stdin), list, show, restore: the state comes back as saved; files are never replaced or written through a link without asking', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  const file = path.join(sb.root, 'state.json');
  fs.writeFileSync(file, JSON.stringify(state(3)));
  fs.writeFileSync(path.join(sb.root, 't.jsonl'), '{"type":"user"}\n');
  const saved = await dx(h, ['session', 'save', 'abc-1', '--agent', 'claude-code', '--file', file, '--transcript', path.join(sb.root, 't.jsonl'), '--json']);
  assert.equal(saved.code, 0, saved.stderr);
  assert.equal((JSON.parse(saved.stdout) as { ref: string }).ref, 'refs/dx/sessions/vm1/claude-code/abc-1');
  const piped = await dx(h, ['session', 'save', 'abc-1', '--agent', 'claude-code', '--file', '-'], { input: JSON.stringify(state(4)) });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /turn 2 .*1 new message/);
  const list = JSON.parse((await dx(h, ['session', 'list', '--json'])).stdout) as Array<{ agent: string; id: string; turns: number; messages: number }>;
  assert.deepEqual(list.map((x) => [x.agent, x.id, x.turns, x.messages]), [['claude-code', 'abc-1', 2, 4]]);
  const show = await dx(h, ['session', 'show', 'abc-1']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /claude-code\/abc-1 on host vm1/);
  assert.match(show.stdout, /task 4/);
  const toStdout = await dx(h, ['session', 'restore', 'abc-1']);
  assert.deepEqual(JSON.parse(toStdout.stdout), state(4));
  const out = path.join(sb.root, 'back.json');
  const tout = path.join(sb.root, 'back.jsonl');
  const r = await dx(h, ['session', 'restore', 'abc-1', '--out', out, '--transcript-out', tout]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), state(4));
  assert.equal(fs.readFileSync(tout, 'utf8'), '{"type":"user"}\n');
  const again = await dx(h, ['session', 'restore', 'abc-1', '--out', out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists.*--force/s);
  assert.equal((await dx(h, ['session', 'restore', 'abc-1', '--out', out, '--force'])).code, 0);
  // A link where --out points: never written through, even with --force.
  const target = path.join(sb.root, 'elsewhere.txt');
  fs.writeFileSync(target, 'untouched');
  const link = path.join(sb.root, 'link.json');
  fs.symlinkSync(target, link);
  const viaLink = await dx(h, ['session', 'restore', 'abc-1', '--out', link, '--force']);
  assert.notEqual(viaLink.code, 0);
  assert.equal(fs.readFileSync(target, 'utf8'), 'untouched');
});

test('bad input is exit 2 and writes nothing: a state file that is not JSON, one without messages, an id with .., no --agent; an unknown session is exit 1', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  const bad = path.join(sb.root, 'bad.json');
  fs.writeFileSync(bad, '{ "messages": [ ');
  const noMessages = path.join(sb.root, 'nomsg.json');
  fs.writeFileSync(noMessages, JSON.stringify({ agent_contexts: {}, task_progress: {}, current_task: null }));
  const good = path.join(sb.root, 'good.json');
  fs.writeFileSync(good, JSON.stringify(state(1)));
  const cases: Array<[string[], RegExp]> = [
    [['session', 'save', 's1', '--agent', 'codex', '--file', bad], /not JSON/],
    [['session', 'save', 's1', '--agent', 'codex', '--file', noMessages], /messages/],
    [['session', 'save', '../x', '--agent', 'codex', '--file', good], /is not a session id/],
    [['session', 'save', 's1', '--file', good], /--agent is required/],
  ];
  for (const [args, msg] of cases) {
    const r = await dx(h, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  assert.equal((await h.git(['for-each-ref', 'refs/dx/sessions/'])).out, '', 'nothing written');
  const none = await dx(h, ['session', 'show', 'nope']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no session "nope"/);
});
