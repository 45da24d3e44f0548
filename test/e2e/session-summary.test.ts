// Issue 13 point 2, `session list --all-hosts`: every host's sessions from the remote — agent, host, branch,
// updated, turns — described by each host's summary ref (refs/dx/session-summary/<host>), pushed with its
// sessions; no session is fetched to list it. A summary is another host's text: one that describes another
// host's sessions, is not JSON, or carries a terminal escape is not believed or not printed raw, and no
// remote summary is ever fetched over the one this host pushes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, lsRemote, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, installedHosts } from '../helpers/idle.ts';

type Row = { ref: string; host: string; agent: string; id: string; fetched: boolean; described: string; branch: string | null; turns: number; messages: number; commit: string };
const state = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => ({ role: 'user', content: `m${i}` })), agent_contexts: {}, task_progress: {}, current_task: `t${n}` });

/** A commit holding `sessions.json` = `text`, pushed to the remote as `ref` (and a session ref beside it, so the listing names one). */
async function plant(h: Host, ref: string, text: string, sessionRef?: string): Promise<void> {
  const blob = (await h.git(['hash-object', '-w', '--stdin'], { input: text })).out;
  const tree = (await h.git(['mktree'], { input: `100644 blob ${blob}\tsessions.json\n` })).out;
  const commit = (await h.git(['commit-tree', '-m', 'planted', tree])).out;
  const specs = [`+${commit}:${ref}`, ...(sessionRef ? [`+${commit}:${sessionRef}`] : [])];
  await h.git(['push', '--no-verify', '-q', 'origin', ...specs]);
}

test('list --all-hosts describes another host\'s sessions from its summary (kept current by save and rm); hostile summaries are not believed, escapes not printed, this host\'s own never fetched over', async (t) => {
  const { sb, remote, hosts: [vm, laptop] } = await installedHosts(t, ['vm', 'laptop']) as { sb: Sandbox; remote: string; hosts: [Host, Host] };
  const file = path.join(sb.root, 'state.json');
  for (const [id, n] of [['keep', 3], ['drop', 5]] as const) {
    fs.writeFileSync(file, JSON.stringify(state(n)));
    const r = await dx(vm, ['session', 'save', id, '--agent', 'claude-code', '--file', file, '--wait']);
    assert.equal(r.code, 0, r.stderr);
  }
  fs.writeFileSync(file, JSON.stringify(state(4)));
  assert.equal((await dx(vm, ['session', 'save', 'keep', '--agent', 'claude-code', '--file', file, '--wait'])).code, 0);
  const rm = await dx(vm, ['session', 'rm', 'drop']);
  assert.equal(rm.code, 0, rm.stderr);
  await idle(vm);
  assert.ok((await lsRemote(vm.env, remote)).has('refs/dx/session-summary/vm'), 'vm pushed its summary');

  const listed = await dx(laptop, ['session', 'list', '--all-hosts', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as Row[];
  assert.deepEqual(rows.map((r) => [r.host, r.agent, r.id, r.fetched, r.described, r.branch, r.turns, r.messages]), [['vm', 'claude-code', 'keep', false, 'summary', 'main', 2, 4]]);
  assert.equal(rows[0]!.commit, (await vm.git(['rev-parse', 'refs/dx/sessions/vm/claude-code/keep'])).out);
  assert.deepEqual((await laptop.git(['for-each-ref', '--format=%(refname)', 'refs/dx/sessions/'])).out, '', 'nothing of a session was fetched to list it');

  // Hostile summaries on the remote, each beside a session ref so the listing names one.
  await plant(laptop, 'refs/dx/session-summary/evil', JSON.stringify({ schema_version: 1, host: 'vm', sessions: [{ agent: 'claude-code', id: 'x', branch: 'forged', updated: 1, turns: 99, messages: 99, commit: '0'.repeat(40) }] }), 'refs/dx/sessions/evil/claude-code/x');
  const ESC = '\u001b]0;pwned\u0007';
  await plant(laptop, 'refs/dx/session-summary/loud', '', 'refs/dx/sessions/loud/claude-code/y');
  const loudSession = (await laptop.git(['ls-remote', 'origin', 'refs/dx/sessions/loud/claude-code/y'])).out.split('\t')[0]!;
  await plant(laptop, 'refs/dx/session-summary/loud', JSON.stringify({ schema_version: 1, host: 'loud', sessions: [{ agent: 'claude-code', id: 'y', branch: `${ESC}main`, updated: 2, turns: 1, messages: 1, commit: loudSession }] }));
  await plant(laptop, 'refs/dx/session-summary/junk', 'not json {', 'refs/dx/sessions/junk/claude-code/z');
  // One under this host's own name: never fetched over what laptop pushes.
  await plant(laptop, 'refs/dx/session-summary/laptop', JSON.stringify({ schema_version: 1, host: 'laptop', sessions: [] }));

  const again = await dx(laptop, ['session', 'list', '--all-hosts', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const byId = new Map((JSON.parse(again.stdout) as Row[]).map((r) => [r.id, r]));
  assert.equal(byId.get('x')?.described, 'none', 'a summary describing another host\'s sessions was believed');
  assert.equal(byId.get('x')?.turns, 0);
  assert.equal(byId.get('z')?.described, 'none');
  assert.equal(byId.get('y')?.described, 'summary');
  assert.match(again.stderr, /summary under evil describes another host's sessions/);
  assert.match(again.stderr, /summary of junk is not JSON/);
  const text = await dx(laptop, ['session', 'list', '--all-hosts']);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(!text.stdout.includes('\u001b') && !text.stderr.includes('\u001b'), 'a terminal escape from a summary reached the terminal');
  assert.match(text.stdout, /claude-code\/y {2}host loud {2}branch .*main/);
  assert.match(text.stdout, /claude-code\/x {2}host evil {2}on the remote, not described/);
  assert.equal((await laptop.git(['rev-parse', '--verify', '--quiet', 'refs/dx/session-summary/laptop'], { allowFail: true })).out, '', 'the remote\'s summary under this host\'s name was fetched');
  assert.ok((await laptop.git(['rev-parse', '--verify', 'refs/dx/fetched/session-summary/vm'])).out);
});
