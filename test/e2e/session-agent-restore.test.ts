// Issue 14 point 4: a session of 50 turns saved on host A (a VM) is restored on host B (a laptop) in another
// directory: the transcript lands where the agent reads it on B — Claude Code's ~/.claude/projects/<launch
// directory>/<id>.jsonl, Codex's ~/.codex/sessions/YYYY/MM/DD/rollout-…-<id>.jsonl, Gemini CLI's
// ~/.gemini/tmp/<project>/chats/session-…-<id8>.jsonl — with every path under
// A's work tree re-homed to B's, other text byte for byte, and the command that resumes the agent is printed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, type Host } from '../helpers/index.ts';
import { installedHosts } from '../helpers/idle.ts';

test('50 turns saved on host A, restored on host B in another directory: the transcript where Claude Code and Codex read it, paths re-homed, the resume command printed', async (t) => {
  const { sb, hosts } = await installedHosts(t, ['vm', 'laptop']);
  const [a, b] = hosts as [Host, Host];
  assert.notEqual(a.dir, b.dir);
  const home = sb.env.HOME!;
  const state = path.join(sb.root, 'state.json');
  fs.writeFileSync(state, JSON.stringify({ messages: [], agent_contexts: {}, task_progress: {}, current_task: 'x' }));
  const transcript = path.join(sb.root, 'claude.jsonl');
  fs.writeFileSync(transcript, '');
  for (let n = 1; n <= 50; n++) {
    fs.appendFileSync(transcript, [
      { type: 'user', cwd: a.dir, sessionId: 'c-50', message: { role: 'user', content: `turn ${n}: look at ${a.dir}/src/app.ts, not /etc/hosts` } },
      { type: 'assistant', cwd: a.dir, sessionId: 'c-50', message: { role: 'assistant', content: [{ type: 'tool_use', name: 'Edit', input: { file_path: `${a.dir}/src/app.ts`, old_string: 'a', new_string: 'b' } }] } },
    ].map((l) => JSON.stringify(l) + '\n').join(''));
    const r = await dx(a, ['session', 'save', 'c-50', '--agent', 'claude-code', '--file', state, '--transcript', transcript, ...(n === 50 ? ['--wait'] : [])]);
    assert.equal(r.code, 0, r.stderr);
  }
  const cx = path.join(sb.root, 'codex.jsonl');
  fs.writeFileSync(cx, JSON.stringify({ type: 'session_meta', payload: { id: 'x-1', cwd: a.dir } }) + '\n' + JSON.stringify({ type: 'response_item', payload: { text: `edited ${a.dir}/README.md` } }) + '\n');
  assert.equal((await dx(a, ['session', 'save', 'x-1', '--agent', 'codex', '--file', state, '--transcript', cx, '--wait'])).code, 0);

  const r = await dx(b, ['session', 'restore', 'c-50', '--host', 'vm', '--out', path.join(sb.root, 'restored.json')]);
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(home, '.claude/projects', b.dir.replace(/[^A-Za-z0-9]/g, '-'), 'c-50.jsonl');
  assert.ok(fs.existsSync(file), `${file} not written: ${r.stdout}`);
  assert.match(r.stdout, /resume it: claude --resume c-50/);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cwd: string; message: { content: unknown } });
  assert.equal(lines.length, 100, 'every line of 50 turns');
  assert.ok(lines.every((l) => l.cwd === b.dir), 'a cwd still names host A\'s directory');
  assert.equal(lines[0]!.message.content, `turn 1: look at ${a.dir}/src/app.ts, not /etc/hosts`, 'what the user typed is left as typed (a path inside a sentence is not a path field)');
  assert.equal((lines[1]!.message.content as Array<{ input: { file_path: string } }>)[0]!.input.file_path, `${b.dir}/src/app.ts`);
  assert.ok(!fs.readFileSync(file, 'utf8').includes(`"cwd":"${a.dir}"`));
  // Restoring again leaves what the agent has here as it is (the state is still restored); --force replaces it.
  fs.appendFileSync(file, '{"type":"user","message":"typed on the laptop since"}\n');
  const kept = fs.readFileSync(file, 'utf8');
  const again = await dx(b, ['session', 'restore', 'c-50', '--host', 'vm', '--out', path.join(sb.root, 'again.json')]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /has this session here already .*left as it is; --force replaces it/);
  assert.equal(fs.readFileSync(file, 'utf8'), kept, 'the agent\'s own transcript was replaced without --force');
  const forced = await dx(b, ['session', 'restore', 'c-50', '--host', 'vm', '--out', path.join(sb.root, 'again.json'), '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 100);

  const c = await dx(b, ['session', 'restore', 'x-1', '--host', 'vm', '--json']);
  assert.equal(c.code, 0, c.stderr);
  const j = JSON.parse(c.stdout) as { agent: { file: string; resume: string; moved: number } };
  assert.match(j.agent.file, new RegExp(`^${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.codex/sessions/\\d{4}/\\d{2}/\\d{2}/rollout-[0-9T-]+-x-1\\.jsonl$`));
  assert.equal(j.agent.resume, 'codex resume x-1');
  assert.equal(j.agent.moved, 1);
  const first = JSON.parse(fs.readFileSync(j.agent.file, 'utf8').split('\n')[0]!) as { payload: { cwd: string } };
  assert.equal(first.payload.cwd, b.dir);

  // Gemini CLI: its registry names the laptop's folder for this directory; the chat lands there.
  const gm = path.join(sb.root, 'gemini.jsonl');
  fs.writeFileSync(gm, JSON.stringify({ sessionId: 'g-7f3a9c1e-0000', projectHash: 'x', cwd: a.dir, type: 'user', content: 'hi' }) + '\n');
  assert.equal((await dx(a, ['session', 'save', 'g-7f3a9c1e-0000', '--agent', 'gemini-cli', '--file', state, '--transcript', gm, '--wait'])).code, 0);
  fs.mkdirSync(path.join(home, '.gemini'), { recursive: true });
  fs.writeFileSync(path.join(home, '.gemini/projects.json'), JSON.stringify({ projects: { [b.dir]: 'laptop-proj' } }));
  const g = JSON.parse((await dx(b, ['session', 'restore', 'g-7f3a9c1e-0000', '--host', 'vm', '--json'])).stdout) as { agent: { file: string; resume: string } };
  assert.match(g.agent.file, /\/\.gemini\/tmp\/laptop-proj\/chats\/session-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-g-7f3a9c\.jsonl$/);
  assert.equal(g.agent.resume, 'gemini --resume g-7f3a9c1e-0000');
  assert.equal((JSON.parse(fs.readFileSync(g.agent.file, 'utf8').split('\n')[0]!) as { cwd: string }).cwd, b.dir);
});
