// Issue 13 point 1: attributed commits. `dx-hooks commit` (the CLI, as an agent runs it) against real
// repositories with dx-hooks installed and a bare remote: the message and its trailers read back with
// `git interpret-trailers --parse`, partial --files, a .env left out and named, a staged one refused,
// a protected path refused, nothing to commit, bad names. The prepare-commit-msg hook: a plain
// `git commit` an agent makes gets the trailers; one without an agent is byte for byte what git wrote,
// and a hostile value in the agent's environment never becomes a trailer. And status (point 4) tells the
// story: recent commits with their attribution, the checkpoints, this host's sessions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, git, installHooks, lsRemote, seedRemote, waitFor, type Host } from '../helpers/index.ts';
import { idle, idleSandbox, spyOnNode } from '../helpers/idle.ts';

async function setup(t: Parameters<typeof idleSandbox>[0], dxrc?: unknown) {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'vm');
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'sync';
  if (dxrc) await h.write('.dxrc.json', JSON.stringify(dxrc));
  await installHooks(h);
  await h.commit('install dx-hooks');
  await idle(h);
  return { sb, remote, h };
}

/** `git interpret-trailers --parse` of HEAD's message: [key, value] pairs in order. */
async function trailersOf(h: Host, rev = 'HEAD'): Promise<Array<[string, string]>> {
  const msg = (await h.git(['log', '-1', '--format=%B', rev])).out;
  const parsed = (await h.git(['interpret-trailers', '--parse'], { input: msg })).out;
  return parsed.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
}

const committed = async (h: Host, rev = 'HEAD') => (await h.git(['diff-tree', '--root', '--no-commit-id', '--name-only', '-r', rev])).out.split('\n').filter(Boolean).sort();

test('dx-hooks commit: [agent] task: description with the §9 trailers, --json, the ledger line, and the commit mirrored by the hooks', async (t) => {
  const { remote, h } = await setup(t);
  await h.write('src/app.ts', 'export const x = 1;\n');
  await h.write('README.md', 'changed\n');
  const r = await dx(h, ['commit', '--agent', 'claude-code', '--task', 'PROJ-12', '-m', 'add the app module\n\nThe seed asked for it.', '--model', 'claude-opus-4-5', '--session', 'f3a9c2e0-1b2c-4d5e-8f90-123456789abc', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { commit: string; message: string; ts: number; files: string[]; excluded: unknown[] };
  assert.equal(j.commit, (await h.git(['rev-parse', 'HEAD'])).out);
  assert.deepEqual(j.files.sort(), ['README.md', 'src/app.ts']);
  assert.deepEqual(j.excluded, []);
  assert.ok(Math.abs(j.ts - Date.now() / 1000) < 60);
  assert.equal((await h.git(['log', '-1', '--format=%s'])).out, '[claude-code] PROJ-12: add the app module');
  assert.match((await h.git(['log', '-1', '--format=%b'])).out, /^The seed asked for it\.\n\nAssisted-by: /);
  assert.equal(j.message.trim(), (await h.git(['log', '-1', '--format=%B'])).out.trim());
  assert.deepEqual(await trailersOf(h), [
    ['Assisted-by', 'claude-code:claude-opus-4-5'],
    ['Agent', 'claude-code'],
    ['Task', 'PROJ-12'],
    ['Agent-Session', 'claude-code/f3a9c2e0-1b2c-4d5e-8f90-123456789abc'],
    ['Dx-Host', 'vm'],
  ]);
  const ledger = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; detail?: Record<string, unknown> });
  assert.ok(ledger.some((e) => e.op === 'agent.commit' && e.detail?.agent === 'claude-code' && e.detail?.task === 'PROJ-12' && e.detail?.commit === j.commit));
  // The user's hooks ran: the commit is this host's WIP on the remote (DX_WIP_PUSH=sync: before git returned).
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/vm/main') === j.commit, { what: 'the attributed commit mirrored', timeoutMs: 20_000 });
});

test('--files commits only the named paths (a folder names what is under it); a .env is left out and named; a staged .env refuses the commit', async (t) => {
  const { h } = await setup(t);
  await h.write('a.txt', 'a\n');
  await h.write('lib/one.ts', '1\n');
  await h.write('lib/two.ts', '2\n');
  await h.write('other.txt', 'not this time\n');
  await h.write('lib/.env', 'AWS_SECRET_ACCESS_KEY=abc\n');
  const r = await dx(h, ['commit', '--agent', 'codex', '--task', 't1', '-m', 'partial', '--files', 'a.txt', 'lib', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { files: string[]; excluded: Array<{ path: string; reason: string }> };
  assert.deepEqual(j.files.sort(), ['a.txt', 'lib/one.ts', 'lib/two.ts']);
  assert.deepEqual(j.excluded, [{ path: 'lib/.env', reason: 'exclude' }]);
  assert.deepEqual(await committed(h), ['a.txt', 'lib/one.ts', 'lib/two.ts']);
  const st = (await h.git(['status', '--porcelain', '--untracked-files=all'])).out;
  assert.match(st, /\?\? lib\/\.env/, 'the .env is still here, uncommitted');
  assert.match(st, /\?\? other\.txt/, 'a path not named stays uncommitted');
  // Without --json: said on stderr, by name.
  await h.write('b.txt', 'b\n');
  const plain = await dx(h, ['commit', '--agent', 'codex', '--task', 't1', '-m', 'the rest']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stderr, /left out: lib\/\.env \(a secret file name/);
  assert.ok(!(await committed(h)).includes('lib/.env'));
  // Staged by hand (git add -f would, too): the attributed commit refuses, and names the unstage command.
  await h.git(['add', 'lib/.env']);
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.write('c.txt', 'c\n');
  const refused = await dx(h, ['commit', '--agent', 'codex', '--task', 't1', '-m', 'with a secret']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /staged file\(s\) that must not be committed: lib\/\.env/);
  assert.match(refused.stderr, /git restore --staged -- lib\/\.env/);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head, 'nothing committed');
});

test('an oversized file is left out; nothing to commit is exit 0; a protected deletion is refused and nothing is committed', async (t) => {
  const { h } = await setup(t, { wip: { maxFileSize: '1kb' }, protect: { paths: ['deploy/**'] } });
  await h.commit('deploy script', { 'deploy/run.sh': '#!/bin/sh\n' });
  await idle(h);
  await h.write('big.bin', Buffer.alloc(4096, 1));
  const big = await dx(h, ['commit', '--agent', 'aider', '--task', 't2', '-m', 'big', '--json']);
  assert.equal(big.code, 0, big.stderr);
  const j = JSON.parse(big.stdout) as { commit: string | null; excluded: Array<{ path: string; reason: string; bytes: number }> };
  assert.equal(j.commit, null, 'only the big file changed: nothing to commit');
  assert.deepEqual(j.excluded, [{ path: 'big.bin', reason: 'size', bytes: 4096 }]);
  const nothing = await dx(h, ['commit', '--agent', 'aider', '--task', 't2', '-m', 'again']);
  assert.equal(nothing.code, 0);
  assert.match(nothing.stdout, /nothing to commit/);
  fs.rmSync(path.join(h.dir, 'big.bin'));
  fs.rmSync(path.join(h.dir, 'deploy/run.sh'));
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  const refused = await dx(h, ['commit', '--agent', 'aider', '--task', 't2', '-m', 'drop deploy']);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /deploy\/run\.sh/);
  assert.match(refused.stderr, /DX_ALLOW_PROTECTED=1/);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head);
  // --files: the hooks' pre-commit refuses the same deletion.
  const viaHook = await dx(h, ['commit', '--agent', 'aider', '--task', 't2', '-m', 'drop deploy', '--files', 'deploy']);
  assert.equal(viaHook.code, 1, viaHook.stdout);
  assert.match(viaHook.stderr, /COMMIT_FAILED|refused/);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head);
});

test('bad input is a usage error naming it, with nothing committed: not a slug, a newline in a task (trailer injection), a path outside, an unknown path, not a repository', async (t) => {
  const { sb, h } = await setup(t);
  await h.write('x.txt', 'x\n');
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  const cases: Array<[string[], RegExp]> = [
    [['--agent', 'Claude Code', '--task', 't', '-m', 'x'], /"Claude Code" is not an agent name \(--agent\)/],
    [['--agent', 'codex', '--task', 't\nSigned-off-by: Mallory <m@x>', '-m', 'x'], /is not a task id \(--task\)/],
    [['--agent', 'codex', '--task', 't', '-m', 'x', '--session', '../../heads/main'], /is not a session id/],
    [['--agent', 'codex', '--task', 't', '-m', '   '], /the description is empty/],
    [['--agent', 'codex', '--task', 't', '-m', 'x', '--files', '../outside.txt'], /is not inside the work tree/],
    [['--agent', 'codex', '--task', 't', '-m', 'x', '--files', 'no-such.txt'], /is neither a file here nor one git knows/],
    [['--agent', 'codex', '-m', 'x'], /--task is required/],
  ];
  for (const [args, msg] of cases) {
    const r = await dx(h, ['commit', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, head);
  const outside = sb.tmp('not-a-repo');
  fs.mkdirSync(outside);
  const r = await dx({ dir: outside, env: h.env }, ['commit', '--agent', 'codex', '--task', 't', '-m', 'x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not inside a git repository/);
});

test('prepare-commit-msg: an agent\'s plain git commit gets the trailers (Claude Code, Codex, DX_*); a person\'s commit is byte for byte git\'s and starts no node; a hostile value adds nothing', async (t) => {
  const { sb, h } = await setup(t);
  const commitAs = async (env: NodeJS.ProcessEnv, msg: string, file: string) => {
    await h.write(file, `${file}\n`);
    await h.git(['add', file]);
    return git(h.dir, { ...h.env, ...env }, ['commit', '-q', '-m', msg], { allowFail: true });
  };
  // A person: no agent variable. The commit object's message is exactly what git makes of -m.
  const spy = spyOnNode(sb, h);
  const person = await commitAs({}, 'plain human commit', 'p.txt');
  assert.equal(person.code, 0, person.stderr);
  const raw = (await h.git(['cat-file', 'commit', 'HEAD'])).out;
  assert.equal(raw.slice(raw.indexOf('\n\n') + 2), 'plain human commit', 'untouched');
  assert.ok(!spy.lines().some((l) => l.includes('prepare-commit-msg')), 'no node for a person\'s commit');

  const claude = await commitAs({ CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: 'abc-123' }, 'claude did this', 'c.txt');
  assert.equal(claude.code, 0, claude.stderr);
  assert.deepEqual(await trailersOf(h), [['Assisted-by', 'claude-code'], ['Agent', 'claude-code'], ['Agent-Session', 'claude-code/abc-123'], ['Dx-Host', 'vm']]);
  assert.equal((await h.git(['log', '-1', '--format=%s'])).out, 'claude did this', 'the subject is the agent\'s own');

  const codex = await commitAs({ CODEX_THREAD_ID: 'th-9', DX_TASK: 'ISSUE-7', DX_MODEL: 'gpt-5-codex' }, 'codex did this', 'x.txt');
  assert.equal(codex.code, 0, codex.stderr);
  assert.deepEqual(await trailersOf(h), [['Assisted-by', 'codex:gpt-5-codex'], ['Agent', 'codex'], ['Task', 'ISSUE-7'], ['Agent-Session', 'codex/th-9'], ['Dx-Host', 'vm']]);

  const ai = await commitAs({ AI_AGENT: 'gemini-cli' }, 'gemini did this', 'g.txt');
  assert.equal(ai.code, 0, ai.stderr);
  assert.deepEqual((await trailersOf(h)).map(([k]) => k), ['Assisted-by', 'Agent', 'Dx-Host']);

  // An amend by the same agent adds no second copy of the same trailers.
  const amend = await git(h.dir, { ...h.env, AI_AGENT: 'gemini-cli' }, ['commit', '-q', '--amend', '--no-edit'], { allowFail: true });
  assert.equal(amend.code, 0, amend.stderr);
  assert.deepEqual((await trailersOf(h)).map(([k]) => k), ['Assisted-by', 'Agent', 'Dx-Host']);

  // Hostile: a newline smuggling another trailer, or a name that is not a slug — the commit goes on, untouched, and says why.
  for (const env of [{ AI_AGENT: 'codex\nSigned-off-by: Mallory <m@x>' }, { DX_AGENT: 'codex', DX_TASK: 'x\nCo-authored-by: Mallory <m@x>' }, { AI_AGENT: 'Evil Agent' }]) {
    const r = await commitAs(env, 'hostile env', `h-${Math.random().toString(36).slice(2)}.txt`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /attribution trailers were NOT added/);
    assert.deepEqual(await trailersOf(h), [], JSON.stringify(env));
    const body = (await h.git(['cat-file', 'commit', 'HEAD'])).out;
    assert.equal(body.slice(body.indexOf('\n\n') + 2), 'hostile env');
  }
});

test('status tells the whole story: the last 5 commits (attributed ones with agent and task), the checkpoints, this host\'s sessions — in text (made safe) and in --json', async (t) => {
  const { sb, h } = await setup(t);
  await h.write('one.txt', '1\n');
  assert.equal((await dx(h, ['commit', '--agent', 'codex', '--task', 'T-1', '-m', 'first task'])).code, 0);
  // A commit whose subject carries a terminal escape: printed harmless.
  await h.commit('evil \u001b]0;pwned\u0007 subject', { 'two.txt': '2\n' });
  await idle(h);
  assert.equal((await dx(h, ['checkpoint', 'create', 'before-refactor', '-m', 'safe point'])).code, 0);
  const state = path.join(sb.root, 's.json');
  fs.writeFileSync(state, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], agent_contexts: {}, task_progress: {}, current_task: 'T-1' }));
  assert.equal((await dx(h, ['session', 'save', 'sess-9', '--agent', 'codex', '--file', state, '--wait'])).code, 0);
  await idle(h);
  const j = JSON.parse((await dx(h, ['status', '--json'])).stdout) as { commits: Array<{ subject: string; agent: string | null; task: string | null }>; checkpoints: Array<{ name: string }>; sessions: Array<{ agent: string; id: string; turns: number }> };
  assert.ok(j.commits.length >= 3 && j.commits.length <= 5, JSON.stringify(j.commits));
  assert.deepEqual([j.commits[1]!.agent, j.commits[1]!.task, j.commits[1]!.subject], ['codex', 'T-1', '[codex] T-1: first task']);
  assert.equal(j.commits[0]!.agent, null, 'a person\'s commit has no attribution');
  assert.deepEqual(j.checkpoints.map((c) => c.name), ['before-refactor']);
  assert.deepEqual(j.sessions.map((x) => [x.agent, x.id, x.turns]), [['codex', 'sess-9', 1]]);
  const text = (await dx(h, ['status'])).stdout;
  assert.match(text, /recent commits\n/);
  assert.match(text, /\[codex T-1\] \[codex\] T-1: first task/);
  assert.match(text, /checkpoints\n\s+before-refactor/);
  assert.match(text, /sessions of this host\n\s+codex\/sess-9/);
  assert.ok(!text.includes('\u001b]0;'), 'the escape sequence is not printed raw');
});
