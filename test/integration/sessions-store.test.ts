// Issue 13 point 2 (the local store): a session ref per session, a
// commit per save, messages and transcript in chunks, a save that appends writes only what is new, a
// secret never becomes a git object, bad input writes nothing, and racing saves lose none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSession } from '../../src/core/session.ts';
import { listSessions, loadSession, saveSession } from '../../src/core/sessions/store.ts';
import { initRepo, withSandbox, type Host } from '../helpers/index.ts';
import { pinProcessEnv, tracedGit } from '../helpers/inproc.ts';

const GITHUB = 'ghp_' + 'x7Kq2mZpL9vR4tY8wB3nC6dF1gH5jS0aE2uI';

function stateOf(n: number, extra: Record<string, unknown> = {}): { messages: Array<Record<string, unknown>>; [k: string]: unknown } {
  const messages = Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(6)}`, n: i }));
  return { messages, agent_contexts: { planner: { step: n } }, task_progress: { done: n }, current_task: `task ${n}`, ...extra };
}

/** Every object reachable from every ref, as text: what a push could carry. */
async function allObjectsText(h: Host): Promise<string> {
  const ids = (await h.git(['rev-list', '--objects', '--all'])).out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  return (await h.git(['cat-file', '--batch'], { input: ids.join('\n') + '\n' })).out;
}

async function setup(t: Parameters<typeof withSandbox>[0]) {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'vm1');
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  return { sb, h, s: await openSession(h.dir) };
}

test('10,000 messages, then 20 saves that append one each: every message comes back identical; each append writes only session.json, state.json and the last chunk', async (t) => {
  const { h, s } = await setup(t);
  const first = await saveSession(s, { id: 'sess-1', agent: 'claude-code', state: stateOf(10_000) });
  assert.equal(first.ref, 'refs/dx/sessions/vm1/claude-code/sess-1');
  assert.equal(first.turn, 1);
  assert.equal(first.appended.messages, 10_000);
  const chunks = (await h.git(['ls-tree', '--name-only', `${first.commit}:messages`])).out.split('\n');
  assert.ok(chunks.length >= 2, `10,000 messages of ~200 bytes are more than one 1 MiB chunk: ${chunks.join(' ')}`);
  let prev = first.commit;
  for (let i = 1; i <= 20; i++) {
    const r = await saveSession(s, { id: 'sess-1', agent: 'claude-code', state: stateOf(10_000 + i) });
    assert.equal(r.turn, 1 + i);
    assert.equal(r.appended.messages, 1, 'an append');
    assert.equal(r.rewrote, false);
    const changed = (await h.git(['diff-tree', '-r', '--name-only', '--no-commit-id', prev, r.commit])).out.split('\n').filter(Boolean).sort();
    assert.deepEqual(changed, ['messages/' + chunks.at(-1), 'session.json', 'state.json'], `save ${i} changed ${changed.join(', ')}`);
    assert.equal((await h.git(['rev-parse', `${r.commit}^1`])).out, prev, 'the first parent is the previous save');
    prev = r.commit;
  }
  const back = await loadSession(s, { id: 'sess-1' });
  assert.deepEqual(back.state, stateOf(10_020));
  assert.equal(back.meta.turns.length, 21);
  assert.equal(back.commit, prev);
  const listed = await listSessions(s);
  assert.deepEqual(listed.map((x) => [x.agent, x.id, x.host, x.turns, x.messages]), [['claude-code', 'sess-1', 'vm1', 21, 10_020]]);
});

test('a history that changed (a message edited, or fewer) is written anew; a transcript that only grew is appended, one rewritten is written anew; a snapshot is the second parent', async (t) => {
  const { h, s } = await setup(t);
  await saveSession(s, { id: 's2', agent: 'codex', state: stateOf(5), transcript: Buffer.from('{"a":1}\n{"b":2}\n') });
  const edited = stateOf(6);
  (edited.messages[4] as { content: string }).content = 'edited';
  const r = await saveSession(s, { id: 's2', agent: 'codex', state: edited, transcript: Buffer.from('{"a":1}\n{"b":2}\n{"c":3}\n') });
  assert.equal(r.rewrote, true);
  assert.equal(r.appended.messages, 6);
  assert.equal(r.appended.transcriptBytes, 8, 'the transcript only grew: its new line is appended');
  assert.deepEqual((await loadSession(s, { id: 's2' })).state, edited);
  const shorter = await saveSession(s, { id: 's2', agent: 'codex', state: stateOf(2), transcript: Buffer.from('{"x":0}\n') });
  assert.equal(shorter.rewrote, true);
  const back = await loadSession(s, { id: 's2', agent: 'codex' });
  assert.deepEqual(back.state, stateOf(2));
  assert.equal(back.transcript?.toString(), '{"x":0}\n');
  const snap = (await h.git(['rev-parse', 'HEAD'])).out;
  const withSnap = await saveSession(s, { id: 's2', agent: 'codex', state: stateOf(3), snapshot: snap });
  assert.equal((await h.git(['rev-parse', `${withSnap.commit}^2`])).out, snap, 'the code snapshot is the second parent');
});

test('a GitHub token in a message, in the state and in the transcript never becomes a git object: [REDACTED:GITHUB_TOKEN] is stored and read back', async (t) => {
  const { h, s } = await setup(t);
  const state = stateOf(3, { notes: `deploy token ${GITHUB}` });
  (state.messages[1] as { content: string }).content = `here is my token ${GITHUB}`;
  const r = await saveSession(s, { id: 'sec', agent: 'claude-code', state, transcript: Buffer.from(JSON.stringify({ type: 'user', text: `token ${GITHUB}` }) + '\n') });
  assert.deepEqual(r.redacted, ['GITHUB_TOKEN']);
  const objects = await allObjectsText(h);
  assert.ok(!objects.includes(GITHUB), 'the token is in no object');
  assert.ok(objects.includes('[REDACTED:GITHUB_TOKEN]'));
  const back = await loadSession(s, { id: 'sec' });
  assert.equal((back.state.messages[1] as { content: string }).content, 'here is my token [REDACTED:GITHUB_TOKEN]');
  assert.equal(back.state.notes, 'deploy token [REDACTED:GITHUB_TOKEN]');
  assert.match(back.transcript!.toString(), /token \[REDACTED:GITHUB_TOKEN\]/);
  // The next save appends after the redacted message: the redaction does not make every save a rewrite.
  const more = stateOf(4, { notes: state.notes });
  more.messages[1] = state.messages[1]!;
  const again = await saveSession(s, { id: 'sec', agent: 'claude-code', state: more });
  assert.equal(again.rewrote, false);
  assert.equal(again.appended.messages, 1);
});

test('bad input writes nothing: a session id with .. or /, an agent that is not a slug, a state without messages, a corrupt state', async (t) => {
  const { h, s } = await setup(t);
  const cases: Array<[Parameters<typeof saveSession>[1], string, RegExp]> = [
    [{ id: '../../heads/main', agent: 'codex', state: stateOf(1) }, 'AGENT_NAME_INVALID', /is not a session id/],
    [{ id: 'a/b', agent: 'codex', state: stateOf(1) }, 'AGENT_NAME_INVALID', /is not a session id/],
    [{ id: 'ok', agent: 'Codex CLI', state: stateOf(1) }, 'AGENT_NAME_INVALID', /is not an agent name/],
    [{ id: 'ok', agent: 'codex', state: { agent_contexts: {}, task_progress: {}, current_task: null } }, 'SESSION_STATE_INVALID', /messages/],
    [{ id: 'ok', agent: 'codex', state: { messages: 'not a list', agent_contexts: {}, task_progress: {}, current_task: null } }, 'SESSION_STATE_INVALID', /messages/],
    [{ id: 'ok', agent: 'codex', state: 'garbage' }, 'SESSION_STATE_INVALID', /not valid/],
  ];
  for (const [input, code, msg] of cases) {
    await assert.rejects(saveSession(s, input), (e: Error & { code?: string }) => e.code === code && msg.test(e.message), JSON.stringify(input).slice(0, 80));
  }
  assert.equal((await h.git(['for-each-ref', 'refs/dx/sessions/'])).out, '', 'no session ref was written');
});

test('two saves of one session racing, and six sessions saved at once: no save is lost', async (t) => {
  const { h, s } = await setup(t);
  await saveSession(s, { id: 'race', agent: 'codex', state: stateOf(10) });
  const a = { ...stateOf(11), current_task: 'from A' };
  const b = { ...stateOf(11), current_task: 'from B' };
  const [ra, rb] = await Promise.all([saveSession(s, { id: 'race', agent: 'codex', state: a }), saveSession(s, { id: 'race', agent: 'codex', state: b })]);
  assert.notEqual(ra.commit, rb.commit);
  const history = (await h.git(['rev-list', '--first-parent', 'refs/dx/sessions/vm1/codex/race'])).out.split('\n');
  assert.equal(history.length, 3, 'both racing saves are in the history');
  assert.ok(history.includes(ra.commit) && history.includes(rb.commit));
  const six = await tracedGit(() => Promise.all(Array.from({ length: 6 }, (_, i) => saveSession(s, { id: `par-${i}`, agent: 'aider', state: stateOf(i + 1) }))));
  assert.equal(six.value.length, 6);
  for (let i = 0; i < 6; i++) assert.deepEqual((await loadSession(s, { id: `par-${i}` })).state, stateOf(i + 1));
});

test('a transcript given as a file is read from where the last save stopped: a grown file appends, a rewritten one is written anew, and it reads back byte for byte', async (t) => {
  const { sb, s } = await setup(t);
  const fs = await import('node:fs');
  const path = await import('node:path');
  const file = path.join(sb.root, 'transcript.jsonl');
  const line = (i: number) => JSON.stringify({ type: 'user', n: i, text: 'y'.repeat(300) }) + '\n';
  fs.writeFileSync(file, Array.from({ length: 2000 }, (_, i) => line(i)).join(''));
  const first = await saveSession(s, { id: 'tf', agent: 'claude-code', state: stateOf(1), transcript: { file } });
  assert.equal(first.appended.transcriptBytes, fs.statSync(file).size);
  fs.appendFileSync(file, line(2000) + line(2001));
  const grown = await saveSession(s, { id: 'tf', agent: 'claude-code', state: stateOf(1), transcript: { file } });
  assert.equal(grown.appended.transcriptBytes, Buffer.byteLength(line(2000) + line(2001)), 'only the new lines');
  assert.equal(grown.rewrote, false);
  assert.equal((await loadSession(s, { id: 'tf' })).transcript!.toString(), fs.readFileSync(file, 'utf8'));
  // Rewritten in place (same size or longer, other bytes before the end): written anew.
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"n":5,', '"n":7,') + line(3000));
  const rewritten = await saveSession(s, { id: 'tf', agent: 'claude-code', state: stateOf(1), transcript: { file } });
  assert.equal(rewritten.rewrote, true);
  assert.equal((await loadSession(s, { id: 'tf' })).transcript!.toString(), fs.readFileSync(file, 'utf8'));
  await assert.rejects(saveSession(s, { id: 'tf', agent: 'claude-code', state: stateOf(1), transcript: { file: path.join(sb.root, 'missing.jsonl') } }), (e: Error & { code?: string }) => e.code === 'SESSION_TRANSCRIPT_UNREADABLE');
});

test('a session whose messages chunk is not JSON (another host\'s, or damaged) is refused as corrupt, by name', async (t) => {
  const { h, s } = await setup(t);
  const r = await saveSession(s, { id: 'bad', agent: 'codex', state: stateOf(2) });
  const meta = JSON.parse((await h.git(['show', `${r.commit}:session.json`])).out) as { messages: { chunks: Array<{ name: string; blob: string; bytes: number }> } };
  const junk = 'not json {\n';
  const blob = (await h.git(['hash-object', '-w', '--stdin'], { input: junk })).out.trim();
  meta.messages.chunks[0]!.blob = blob;
  meta.messages.chunks[0]!.bytes = junk.length;
  const metaBlob = (await h.git(['hash-object', '-w', '--stdin'], { input: JSON.stringify(meta) })).out.trim();
  const tree = (await h.git(['ls-tree', r.commit])).out.split('\n').map((l) => (l.endsWith('\tsession.json') ? `100644 blob ${metaBlob}\tsession.json` : l)).join('\n') + '\n';
  const newTree = (await h.git(['mktree'], { input: tree })).out.trim();
  const commit = (await h.git(['commit-tree', '-p', r.commit, '-m', 'damaged', newTree])).out.trim();
  await h.git(['update-ref', r.ref, commit]);
  await assert.rejects(loadSession(s, { id: 'bad' }), (e: Error & { code?: string }) => e.code === 'SESSION_CORRUPT' && /messages\/000001\.jsonl holds a line that is not JSON/.test(e.message));
});
