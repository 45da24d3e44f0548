// Issue 14 points 1 and 2: an agent's hooks installed into its own settings file (Claude Code, Codex,
// Gemini CLI) and driven with payloads in each agent's documented shape, exactly as the agent runs them:
// the command line from the settings file, through sh, with the payload on stdin, in a real repository.
// - PreToolUse / BeforeTool: destructive commands over protected paths are refused in the agent's own
//   format; harmless ones pass (the plainly harmless without node); nothing in a command line ever runs.
// - A turn: the prompt's snapshot, a shell edit (sed) and a removal (rm) by the agent, its end saved to the
//   session ref — the end snapshot holds the edit and lacks the removed file, the start snapshot holds both
//   as they were, the transcript is the agent's file.
// - Hostile payloads: a transcript outside the agent's folders is not read; a crash never blocks the agent
//   and is loud (stderr, ledger, banner).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, run, waitFor, type Host } from '../helpers/index.ts';
import { fire, hookLine } from '../helpers/agent.ts';
import { idle, installedHosts, spyOnNode } from '../helpers/idle.ts';

const FILE = '.claude/settings.local.json';

async function protectedRepo(t: Parameters<typeof installedHosts>[0]) {
  const { sb, hosts } = await installedHosts(t, ['vm']);
  const h = hosts[0]!;
  fs.writeFileSync(path.join(h.dir, '.dxrc.json'), JSON.stringify({ protect: { paths: ['secret/**', 'gen/**'] } }));
  fs.mkdirSync(path.join(h.dir, 'secret'));
  fs.mkdirSync(path.join(h.dir, 'sub'));
  fs.mkdirSync(path.join(h.dir, 'build'));
  fs.writeFileSync(path.join(h.dir, 'secret/key.txt'), 'key v1\n');
  fs.writeFileSync(path.join(h.dir, 'sub/code.txt'), 'code v1\n');
  fs.writeFileSync(path.join(h.dir, 'notes.txt'), 'line one\nline two\n');
  fs.writeFileSync(path.join(h.dir, '.gitignore'), 'build/\ngen/\n');
  await h.commit('protected paths', {});
  await idle(h);
  return { sb, h };
}

test('PreToolUse refuses destructive commands over protected paths in each agent\'s own format, lets harmless ones through (plain ones without node), and never runs a command line', async (t) => {
  const { sb, h } = await protectedRepo(t);
  for (const a of ['claude-code', 'codex', 'gemini-cli']) assert.equal((await dx(h, ['agent', 'install', a])).code, 0);
  // Uncommitted work in protected paths (tracked and ignored), so each command would destroy some.
  fs.writeFileSync(path.join(h.dir, 'secret/key.txt'), 'key v2, not committed\n');
  fs.mkdirSync(path.join(h.dir, 'gen'));
  fs.writeFileSync(path.join(h.dir, 'gen/out.txt'), 'generated\n');
  fs.writeFileSync(path.join(h.dir, 'build/tmp.o'), 'obj\n');
  const claude = (command: string) => ({ session_id: 'c1', transcript_path: path.join(sb.env.HOME!, '.claude/projects/x/c1.jsonl'), cwd: h.dir, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command, description: 'd' }, tool_use_id: 'toolu_1' });
  const refused = ['git reset --hard', 'git checkout -- .', 'git clean -fdx', 'rm -rf secret', "bash -c 'git checkout .'", 'cd secret && git restore .', '> secret/key.txt'];
  for (const command of refused) {
    const r = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude(command));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    assert.equal(out.hookSpecificOutput.permissionDecision, 'deny', command);
    assert.match(out.hookSpecificOutput.permissionDecisionReason, /protected paths/, command);
    assert.match(out.hookSpecificOutput.permissionDecisionReason, /DX_ALLOW_DESTRUCTIVE=1/, command);
  }
  assert.equal(fs.readFileSync(path.join(h.dir, 'secret/key.txt'), 'utf8'), 'key v2, not committed\n', 'a refused command ran');
  // The same words inside the line are the agent's: they override nothing. The user's environment does.
  const inline = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude('DX_ALLOW_DESTRUCTIVE=1 git reset --hard'));
  assert.match(inline.stdout, /"deny"/);
  const userSaid = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude('rm -rf gen'), { DX_ALLOW_DESTRUCTIVE: '1' });
  assert.equal(userSaid.stdout, '', 'the user\'s override lets it through');

  // Harmless: no answer. `git status` and `ls` are decided in sh, without node.
  const spy = spyOnNode(sb, h);
  for (const command of ['git status', 'ls -la']) {
    const r = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude(command));
    assert.equal(r.stdout, '', command);
  }
  assert.deepEqual(spy.lines(), [], 'node ran for a plainly harmless command');
  const rmTmp = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude('rm build/tmp.o'));
  assert.equal(rmTmp.stdout, '', 'rm build/tmp.o is allowed');
  assert.equal(spy.lines().length, 1, 'rm goes to node (a real parser)');
  // Nothing in a command line is run by dx-hooks, even where a shell would run it first.
  const mark = path.join(sb.root, 'pwned');
  for (const command of [`echo $(touch ${mark}-1) && git reset --hard`, `rm -rf <(touch ${mark}-2)`, `bash -c 'touch ${mark}-3; git checkout .'`]) await fire(h, '.claude/settings.local.json', 'PreToolUse', claude(command));
  assert.deepEqual(fs.readdirSync(sb.root).filter((f) => f.startsWith('pwned')), []);

  // An older git (before 2.31) echoes --path-format back instead of an absolute path: the hook line still finds its script.
  const oldGit = path.join(sb.root, 'old-git');
  fs.mkdirSync(oldGit);
  fs.writeFileSync(path.join(oldGit, 'git'), `#!/bin/sh\nif [ "$1" = rev-parse ] && [ "$2" = --path-format=absolute ]; then shift 2; echo --path-format=absolute; exec '${(await run('sh', ['-c', 'command -v git'], { cwd: h.dir, env: h.env })).stdout.trim()}' rev-parse "$@"; fi\nexec '${(await run('sh', ['-c', 'command -v git'], { cwd: h.dir, env: h.env })).stdout.trim()}' "$@"\n`, { mode: 0o755 });
  const old = await fire(h, '.claude/settings.local.json', 'PreToolUse', claude('rm -rf secret'), { PATH: `${oldGit}${path.delimiter}${h.env.PATH ?? ''}` });
  assert.match(old.stdout, /"deny"/, 'with an older git the hook found nothing to run');

  // Codex: the same refusal shape (a reason that is not empty). Gemini CLI: a top-level decision.
  const codex = await fire(h, '.codex/hooks.json', 'PreToolUse', { session_id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', transcript_path: null, cwd: h.dir, hook_event_name: 'PreToolUse', model: 'gpt-5-codex', permission_mode: 'default', turn_id: 't1', tool_name: 'Bash', tool_input: { command: 'git checkout -- .' }, tool_use_id: 'call_1' });
  const co = JSON.parse(codex.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
  assert.equal(co.hookSpecificOutput.permissionDecision, 'deny');
  assert.ok(co.hookSpecificOutput.permissionDecisionReason.length > 0);
  const gemini = await fire(h, '.gemini/settings.json', 'BeforeTool', { session_id: 'g-1', transcript_path: path.join(sb.env.HOME!, '.gemini/tmp/p/chats/session-1.json'), cwd: h.dir, hook_event_name: 'BeforeTool', timestamp: '2026-12-04T10:00:00.000Z', tool_name: 'run_shell_command', tool_input: { command: 'rm -rf secret', description: 'clean' } });
  const ge = JSON.parse(gemini.stdout) as { decision: string; reason: string };
  assert.equal(ge.decision, 'deny');
  assert.match(ge.reason, /secret\/key\.txt/);
  // Every refusal is in the ledger.
  const ledger = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string });
  assert.ok(ledger.filter((e) => e.op === 'agent.refuse' || e.op === 'guard.refuse').length >= 8);
});

test('a turn: the prompt\'s snapshot, the agent\'s sed edit and rm, and the turn\'s end saved to the session ref with both snapshots and the transcript; uncommitted work an allowed rm destroys is snapshot first', async (t) => {
  const { sb, h } = await protectedRepo(t);
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  const projects = path.join(sb.env.HOME!, '.claude/projects', h.dir.replace(/[^A-Za-z0-9]/g, '-'));
  fs.mkdirSync(projects, { recursive: true });
  const transcript = path.join(projects, 'sess-a.jsonl');
  const base = { session_id: 'sess-a', transcript_path: transcript, cwd: h.dir, permission_mode: 'default' };
  fs.writeFileSync(transcript, JSON.stringify({ type: 'user', message: { role: 'user', content: 'tidy the notes' } }) + '\n');
  const start = await fire(h, '.claude/settings.local.json', 'SessionStart', { ...base, hook_event_name: 'SessionStart', source: 'startup' });
  assert.equal(start.code, 0, start.stderr);
  const prompt = await fire(h, '.claude/settings.local.json', 'UserPromptSubmit', { ...base, hook_event_name: 'UserPromptSubmit', prompt: 'tidy the notes\nand remove sub/code.txt' });
  assert.equal(prompt.code, 0, prompt.stderr);
  // The agent's Bash tool: a sed edit and an rm (the test runs them, as the agent would after PreToolUse allowed them).
  const pre = await fire(h, '.claude/settings.local.json', 'PreToolUse', { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm sub/code.txt' } });
  assert.equal(pre.stdout, '');
  await run('sed', ['-i', 's/line two/line 2/', 'notes.txt'], { cwd: h.dir, env: h.env });
  fs.rmSync(path.join(h.dir, 'sub/code.txt'));
  await fire(h, '.claude/settings.local.json', 'PostToolUse', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'sed …' }, tool_response: {} });
  fs.appendFileSync(transcript, JSON.stringify({ type: 'assistant', message: { role: 'assistant', content: 'done' } }) + '\n');
  const t0 = Date.now();
  const stop = await fire(h, '.claude/settings.local.json', 'Stop', { ...base, hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'done' });
  assert.equal(stop.code, 0, stop.stderr);
  assert.ok(Date.now() - t0 < 5000);
  const ref = 'refs/dx/sessions/vm/claude-code/sess-a';
  await waitFor(async () => (await h.git(['rev-parse', '--verify', '--quiet', ref], { allowFail: true })).out !== '', { what: 'the turn saved by the detached drain', timeoutMs: 30_000 });
  await idle(h);
  const firstSave = (await h.git(['rev-parse', ref])).out;
  // The first save: an empty root commit first (the session's first-parent chain), then the end and the start snapshots.
  const [, root, end, begin] = (await h.git(['rev-list', '--parents', '-n', '1', firstSave])).out.split(' ');
  assert.ok(root && end && begin, 'the save has the end and the start snapshots as parents');
  assert.equal((await h.git(['rev-parse', `${root}^{tree}`])).out, '4b825dc642cb6eb9a060e54bf8d69288fbee4904', 'the first parent is the session\'s empty root');
  assert.equal((await h.git(['show', `${end}:notes.txt`])).out, 'line one\nline 2');
  assert.equal((await h.git(['ls-tree', '--name-only', end!, 'sub/code.txt'])).out, '', 'the end snapshot lacks the removed file');
  assert.equal((await h.git(['show', `${begin}:notes.txt`])).out, 'line one\nline two');
  assert.equal((await h.git(['show', `${begin}:sub/code.txt`])).out, 'code v1');
  // A subagent's end: its own transcript goes into the same session, under subagents/<agent id>/.
  const subFile = path.join(projects, 'sess-a', 'subagents', 'agent-a1b2.jsonl');
  fs.mkdirSync(path.dirname(subFile), { recursive: true });
  fs.writeFileSync(subFile, JSON.stringify({ type: 'user', isSidechain: true, message: { content: 'explore the repo' } }) + '\n');
  await fire(h, '.claude/settings.local.json', 'SubagentStop', { ...base, hook_event_name: 'SubagentStop', stop_hook_active: false, agent_id: 'a1b2', agent_type: 'Explore', agent_transcript_path: subFile });
  await waitFor(async () => (await h.git(['ls-tree', '--name-only', '-r', ref, 'subagents/'], { allowFail: true })).out === 'subagents/a1b2/000001.jsonl', { what: 'the subagent\'s transcript in the session', timeoutMs: 30_000 });
  await idle(h);
  assert.equal((await h.git(['show', `${ref}:subagents/a1b2/000001.jsonl`])).out + '\n', fs.readFileSync(subFile, 'utf8'));
  const show = JSON.parse((await dx(h, ['session', 'show', 'sess-a', '--json'])).stdout) as { session: { turns: Array<{ snapshot: string; start?: string }> }; current_task: string };
  assert.equal(show.session.turns[0]!.snapshot, end);
  assert.equal(show.session.turns[0]!.start, begin);
  assert.equal(show.current_task, 'tidy the notes');
  const back = path.join(sb.root, 'back.jsonl');
  assert.equal((await dx(h, ['session', 'restore', 'sess-a', '--out', path.join(sb.root, 's.json'), '--transcript-out', back])).code, 0);
  assert.equal(fs.readFileSync(back, 'utf8'), fs.readFileSync(transcript, 'utf8'));
  // An allowed rm over uncommitted work: a snapshot first, undoable.
  fs.writeFileSync(path.join(h.dir, 'draft.txt'), 'unsaved draft\n');
  assert.equal((await fire(h, '.claude/settings.local.json', 'PreToolUse', { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm draft.txt' } })).stdout, '');
  const ledger = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; id?: string; detail?: { undo?: { worktree?: { snapshot: string } } } });
  const snap = ledger.find((e) => e.op === 'agent.snapshot');
  assert.ok(snap?.detail?.undo?.worktree?.snapshot, 'the snapshot before rm is undoable');
  assert.equal((await h.git(['show', `${snap.detail.undo.worktree.snapshot}:draft.txt`])).out, 'unsaved draft');
});

test('hostile payloads: a transcript outside the agent\'s folders is not read; a bad payload or a broken state file never blocks the agent and is said on stderr, in the ledger and the banner', async (t) => {
  const { sb, h } = await protectedRepo(t);
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  const stolen = path.join(sb.root, 'id_rsa.jsonl');
  fs.writeFileSync(stolen, '{"private":"not for the remote"}\n');
  await fire(h, '.claude/settings.local.json', 'Stop', { session_id: 'evil-1', transcript_path: stolen, cwd: h.dir, hook_event_name: 'Stop', stop_hook_active: false });
  const ref = 'refs/dx/sessions/vm/claude-code/evil-1';
  await waitFor(async () => (await h.git(['rev-parse', '--verify', '--quiet', ref], { allowFail: true })).out !== '', { what: 'the turn saved', timeoutMs: 30_000 });
  await idle(h);
  const meta = JSON.parse((await h.git(['show', `${ref}:session.json`])).out) as { transcript: unknown };
  assert.equal(meta.transcript, null, 'a file outside ~/.claude/projects was read into the session');
  const ledger = () => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; error?: string });
  assert.ok(ledger().some((e) => e.op === 'agent.transcript-refused'));

  // A session id that climbs out, a payload that is not JSON: refused, the agent not blocked.
  for (const input of [JSON.stringify({ session_id: '../../x', hook_event_name: 'UserPromptSubmit', cwd: h.dir, prompt: 'p' }), 'not json {']) {
    const r = await run('sh', ['-c', hookLine(h, '.claude/settings.local.json', 'UserPromptSubmit')], { cwd: h.dir, env: h.env, input });
    assert.equal(r.code, 0, 'the agent is never blocked by a failure');
    assert.match(r.stderr, /dx-hooks: .*failed/);
  }
  // dx-hooks' own state for the session is broken (a folder where its file belongs): the prompt's snapshot
  // cannot be recorded — loud, not blocking.
  fs.mkdirSync(path.join(h.dir, '.git/dx/agent/sessions/claude-code-s-9.json/x'), { recursive: true });
  const r = await fire(h, '.claude/settings.local.json', 'UserPromptSubmit', { session_id: 's-9', transcript_path: null, cwd: h.dir, hook_event_name: 'UserPromptSubmit', prompt: 'go' });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /UserPromptSubmit failed/);
  assert.ok(ledger().some((e) => e.op === 'agent.event' && !e.ok));
  assert.match(fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8'), /UserPromptSubmit failed/);
});

test('SessionStart tells the agent, in a few lines: another host\'s newer work on this branch, a failing backup, and other hosts\' sessions of this repository', async (t) => {
  const { sb, remote, hosts } = await installedHosts(t, ['vm', 'laptop']);
  const [vm, laptop] = hosts as [Host, Host];
  // The laptop: newer work on main, and a session of its own, both on the remote.
  await laptop.commit('laptop moves main', { 'l.txt': 'laptop\n' });
  const state = path.join(sb.root, 'state.json');
  fs.writeFileSync(state, JSON.stringify({ messages: [], agent_contexts: {}, task_progress: {}, current_task: 'refactor' }));
  assert.equal((await dx(laptop, ['session', 'save', 'lap-1', '--agent', 'claude-code', '--file', state, '--wait'])).code, 0);
  await idle(laptop);
  // The VM learns of them (status refreshes the other-host warnings; a restore fetches the session), then its backup fails.
  assert.equal((await dx(vm, ['status'])).code, 0);
  assert.equal((await dx(vm, ['session', 'restore', 'lap-1', '--host', 'laptop', '--out', path.join(sb.root, 'lap.json')])).code, 0);
  assert.equal((await dx(vm, ['agent', 'install', 'claude-code'])).code, 0);
  fs.renameSync(remote, `${remote}.away`);
  assert.equal((await dx(vm, ['session', 'save', 'vm-1', '--agent', 'claude-code', '--file', state, '--wait'])).code, 1);
  const r = await fire(vm, '.claude/settings.local.json', 'SessionStart', { session_id: 'vm-2', transcript_path: null, cwd: vm.dir, hook_event_name: 'SessionStart', source: 'startup' });
  assert.equal(r.code, 0, r.stderr);
  const text = (JSON.parse(r.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } }).hookSpecificOutput.additionalContext;
  assert.match(text, /Host laptop has newer work on branch main \(\d+ commit\(s\) not here\)/);
  assert.match(text, /dx-hooks restore --host laptop --branch main/);
  assert.match(text, /Backup: push of refs\/dx\/sessions\/vm\/claude-code\/vm-1 failing/);
  assert.match(text, /Session claude-code\/lap-1 of host laptop \(branch main, 1 turn\(s\)/);
  assert.ok(text.split('\n').length <= 10, 'a few lines');
  fs.renameSync(`${remote}.away`, remote);
});

test('a turn that cannot be saved is loud and retried: kept in failed/, said in the ledger, the drain\'s log and the banner, and saved by the next turn\'s drain; a payload no retry can save is set aside', async (t) => {
  const { sb, hosts } = await installedHosts(t, ['vm']);
  const h = hosts[0]!;
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  const projects = path.join(sb.env.HOME!, '.claude/projects', h.dir.replace(/[^A-Za-z0-9]/g, '-'));
  fs.mkdirSync(projects, { recursive: true });
  const transcript = path.join(projects, 's-lock.jsonl');
  fs.writeFileSync(transcript, '{"type":"user","message":"one"}\n');
  const base = { session_id: 's-lock', transcript_path: transcript, cwd: h.dir, hook_event_name: 'Stop', stop_hook_active: false };
  // Another git process holds the session ref's lock: the save cannot move the ref.
  const lock = path.join(h.dir, '.git/refs/dx/sessions/vm/claude-code/s-lock.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  fs.writeFileSync(lock, '');
  const agentDir = path.join(h.dir, '.git/dx/agent');
  assert.equal((await fire(h, FILE, 'Stop', base)).code, 0);
  await waitFor(async () => fs.existsSync(path.join(agentDir, 'failed')) && fs.readdirSync(path.join(agentDir, 'failed')).length === 1, { what: 'the turn kept in failed/', timeoutMs: 30_000 });
  await idle(h);
  assert.match(fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8'), /1 agent turn NOT saved to the session/);
  assert.match(fs.readFileSync(path.join(agentDir, 'drain.log'), 'utf8'), /an agent turn was not saved: .*retried at the next turn/);
  const ledger = () => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; detail?: { retried?: boolean } });
  assert.ok(ledger().some((e) => e.op === 'agent.turn' && !e.ok && e.detail?.retried === true));
  // A payload no retry can save (a session id that climbs out): set aside, not counted as waiting.
  assert.equal((await fire(h, FILE, 'Stop', { ...base, session_id: '../evil' })).code, 0);
  await waitFor(async () => fs.existsSync(path.join(agentDir, 'rejected')) && fs.readdirSync(path.join(agentDir, 'rejected')).length === 1, { what: 'the bad payload set aside', timeoutMs: 30_000 });
  await idle(h);
  assert.ok(ledger().some((e) => e.op === 'agent.turn' && !e.ok && e.detail?.retried === false));
  // The lock is gone: the next turn's drain saves it and the kept one.
  fs.rmSync(lock);
  fs.appendFileSync(transcript, '{"type":"assistant","message":"two"}\n');
  assert.equal((await fire(h, FILE, 'Stop', base)).code, 0);
  await waitFor(async () => fs.readdirSync(path.join(agentDir, 'failed')).length === 0 && fs.readdirSync(path.join(agentDir, 'inbox')).length === 0, { what: 'both turns saved', timeoutMs: 30_000 });
  await idle(h);
  const show = JSON.parse((await dx(h, ['session', 'show', 's-lock', '--json'])).stdout) as { session: { turns: unknown[]; transcript: { sourceBytes: number } } };
  assert.equal(show.session.turns.length, 2, 'the failed turn and the next both saved');
  assert.equal(show.session.transcript.sourceBytes, fs.statSync(transcript).size);
  const banner = path.join(h.dir, '.git/dx/banner');
  assert.ok(!fs.existsSync(banner) || !/agent turn/.test(fs.readFileSync(banner, 'utf8')), 'the banner still counts a saved turn');
});
