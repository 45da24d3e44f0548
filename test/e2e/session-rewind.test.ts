// Issue 14 point 3: `dx-hooks session rewind <id> --turn <n>` over turns recorded by the agent's own hooks.
// Three turns change files from the shell (sed, rm, new files); rewinding to turn 1 puts the work tree back
// as turn 1 left it — files created later removed, ignored and secret files left alone, HEAD unmoved — and
// `dx-hooks undo` takes the rewind back. A rewind over protected paths is refused without --force; --dry-run
// changes nothing; --conversation forks the transcript where Claude Code reads it and prints the resume command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, run, waitFor, type Host } from '../helpers/index.ts';
import { fire } from '../helpers/agent.ts';
import { idle, installedHosts } from '../helpers/idle.ts';

const FILE = '.claude/settings.local.json';
const read = (h: Host, p: string) => (fs.existsSync(path.join(h.dir, p)) ? fs.readFileSync(path.join(h.dir, p), 'utf8') : null);

test('rewind --code to turn 1 of three: shell edits undone, later files removed, ignored and secret files kept, undoable; protected paths need --force; --conversation forks the transcript for claude --resume', async (t) => {
  const { sb, hosts } = await installedHosts(t, ['vm']);
  const h = hosts[0]!;
  fs.writeFileSync(path.join(h.dir, '.dxrc.json'), JSON.stringify({ protect: { paths: ['secret/**'] } }));
  fs.writeFileSync(path.join(h.dir, '.gitignore'), 'build/\n');
  await h.commit('base', { 'a.txt': 'a0\n', 'b.txt': 'b0\n', 'secret/key.txt': 'k0\n' });
  await idle(h);
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  const projects = path.join(sb.env.HOME!, '.claude/projects', h.dir.replace(/[^A-Za-z0-9]/g, '-'));
  fs.mkdirSync(projects, { recursive: true });
  const transcript = path.join(projects, 'sess-r.jsonl');
  fs.writeFileSync(transcript, '');
  const base = { session_id: 'sess-r', transcript_path: transcript, cwd: h.dir, permission_mode: 'default' };
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  const turn = async (n: number, work: () => Promise<void>) => {
    fs.appendFileSync(transcript, JSON.stringify({ type: 'user', sessionId: 'sess-r', message: { content: `turn ${n}` } }) + '\n');
    await fire(h, FILE, 'UserPromptSubmit', { ...base, hook_event_name: 'UserPromptSubmit', prompt: `turn ${n}` });
    await work();
    await fire(h, FILE, 'PostToolUse', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'x' }, tool_response: {} });
    fs.appendFileSync(transcript, JSON.stringify({ type: 'assistant', sessionId: 'sess-r', message: { content: `done ${n}` } }) + '\n');
    await fire(h, FILE, 'Stop', { ...base, hook_event_name: 'Stop', stop_hook_active: false });
    // n saves on the first-parent chain, after the session's empty root commit.
    await waitFor(async () => (await h.git(['rev-list', '--first-parent', '--count', 'refs/dx/sessions/vm/claude-code/sess-r'], { allowFail: true })).out === String(n + 1), { what: `turn ${n} saved`, timeoutMs: 30_000 });
    await idle(h);
  };
  await turn(1, async () => {
    await run('sed', ['-i', 's/a0/a1/', 'a.txt'], { cwd: h.dir, env: h.env });
  });
  await turn(2, async () => {
    fs.rmSync(path.join(h.dir, 'b.txt'));
    fs.writeFileSync(path.join(h.dir, 'c.txt'), 'c2\n');
  });
  await turn(3, async () => {
    await run('sed', ['-i', 's/a1/a3/', 'a.txt'], { cwd: h.dir, env: h.env });
    fs.writeFileSync(path.join(h.dir, 'd.txt'), 'd3\n');
    fs.writeFileSync(path.join(h.dir, 'secret/key.txt'), 'k3\n');
  });
  // Not the agent's: an ignored build file and a secret the snapshots never hold.
  fs.mkdirSync(path.join(h.dir, 'build'));
  fs.writeFileSync(path.join(h.dir, 'build/out.o'), 'obj\n');
  fs.writeFileSync(path.join(h.dir, '.env'), 'TOKEN=x\n');
  const now = () => ({ a: read(h, 'a.txt'), b: read(h, 'b.txt'), c: read(h, 'c.txt'), d: read(h, 'd.txt'), key: read(h, 'secret/key.txt'), build: read(h, 'build/out.o'), env: read(h, '.env') });
  const before = now();

  const dry = await dx(h, ['session', 'rewind', 'sess-r', '--turn', '1', '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout) as { code: { changed: string[]; removed: string[] } };
  assert.deepEqual(plan.code.removed.sort(), ['c.txt', 'd.txt']);
  assert.deepEqual(now(), before, '--dry-run changed something');

  const refused = await dx(h, ['session', 'rewind', 'sess-r', '--turn', '1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /protected paths: secret\/key\.txt/);
  assert.deepEqual(now(), before, 'a refused rewind changed something');

  const r = await dx(h, ['session', 'rewind', 'sess-r', '--turn', '1', '--force', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(now(), { a: 'a1\n', b: 'b0\n', c: null, d: null, key: 'k0\n', build: 'obj\n', env: 'TOKEN=x\n' });
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head, 'HEAD moved');
  const id = (JSON.parse(r.stdout) as { code: { eventId: string } }).code.eventId;
  const undo = await dx(h, ['undo', id]);
  assert.equal(undo.code, 0, undo.stderr + undo.stdout);
  assert.deepEqual(now(), before, 'dx-hooks undo did not bring the work tree back');

  // The conversation, forked at turn 2: where claude --resume looks, named as the fork; the original whole.
  const tip = (await h.git(['rev-parse', 'refs/dx/sessions/vm/claude-code/sess-r'])).out;
  const conv = await dx(h, ['session', 'rewind', 'sess-r', '--turn', '2', '--conversation']);
  assert.equal(conv.code, 0, conv.stderr);
  const fork = /as session ([0-9a-f-]{36})/.exec(conv.stdout)?.[1];
  assert.ok(fork, conv.stdout);
  assert.match(conv.stdout, new RegExp(`claude --resume ${fork}`));
  const forked = fs.readFileSync(path.join(projects, `${fork}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { sessionId: string; message: { content: string } });
  assert.deepEqual(forked.map((l) => l.message.content), ['turn 1', 'done 1', 'turn 2', 'done 2']);
  assert.ok(forked.every((l) => l.sessionId === fork));
  assert.equal((await h.git(['rev-parse', 'refs/dx/sessions/vm/claude-code/sess-r'])).out, tip, 'the original session moved');
  assert.ok((await h.git(['rev-parse', '--verify', `refs/dx/sessions/vm/claude-code/${fork}`])).out, 'the fork is a session of its own');
  assert.deepEqual(now(), before, '--conversation alone changed the work tree');
  // A turn that does not exist: exit 2, nothing changed.
  assert.equal((await dx(h, ['session', 'rewind', 'sess-r', '--turn', '9'])).code, 2);
});
