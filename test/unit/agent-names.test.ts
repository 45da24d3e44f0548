// Unit (issue 13): who an agent is, from a caller's flags or from the agent's environment, and the
// trailers that follow from it (DESIGN §9). Every value ends up in a trailer or a ref name: a value
// that could smuggle a second trailer (a newline), climb out of a ref (`..`, `/`) or is simply not a
// slug is refused, never cleaned up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFromEnv, checkAttribution, validName } from '../../src/core/agents/names.ts';
import { attributionTrailers } from '../../src/core/agents/trailers.ts';

test('names: slugs, task ids, session ids (one ref component) and models; hostile values refused', () => {
  for (const a of ['claude-code', 'codex', 'gemini-cli', 'aider', 'a', 'x1-2']) assert.ok(validName('agent', a), a);
  for (const a of ['Claude', 'claude code', '-codex', 'codex-', '', 'a'.repeat(65), 'codex\n', 'cödex']) assert.ok(!validName('agent', a), JSON.stringify(a));
  for (const x of ['PROJ-123', 'issue#13', 'gh/42', 'a.b:c']) assert.ok(validName('task', x), x);
  for (const x of ['', ' x', 'x y', 'x\nSigned-off-by: m <m@x>', '#1', 'x'.repeat(129)]) assert.ok(!validName('task', x), JSON.stringify(x));
  for (const x of ['f3a9c2e0-1b2c-4d5e-8f90-123456789abc', 'th_9.a']) assert.ok(validName('session', x), x);
  for (const x of ['a/b', '..', 'a..b', 'x.lock', 'x.', '.x', 'a b', '']) assert.ok(!validName('session', x), JSON.stringify(x));
  for (const x of ['claude-opus-4-5', 'openai/gpt-5', 'm@2024+x']) assert.ok(validName('model', x), x);
  assert.throws(() => checkAttribution({ agent: 'codex', task: 'bad task' }), (e: Error & { code?: string; exitCode?: number }) => e.code === 'AGENT_NAME_INVALID' && e.exitCode === 2 && /"bad task" is not a task id \(--task\)/.test(e.message));
});

test('agentFromEnv: DX_AGENT, then AI_AGENT, then what each agent sets; the agent\'s own session id; none is null; a bad value is named', () => {
  assert.equal(agentFromEnv({}), null);
  assert.equal(agentFromEnv({ CLAUDECODE: '0', GEMINI_CLI: '' }), null);
  assert.deepEqual(agentFromEnv({ CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: 's-1' }), { identity: { agent: 'claude-code', session: 's-1' } });
  assert.deepEqual(agentFromEnv({ CODEX_THREAD_ID: 't-1', DX_TASK: 'T-9', DX_MODEL: 'gpt-5' }), { identity: { agent: 'codex', task: 'T-9', session: 't-1', model: 'gpt-5' } });
  assert.deepEqual(agentFromEnv({ GEMINI_CLI: '1' }), { identity: { agent: 'gemini-cli' } });
  assert.deepEqual(agentFromEnv({ AI_AGENT: 'aider', CLAUDECODE: '1' }), { identity: { agent: 'aider' } }, 'AI_AGENT names the agent; Claude Code\'s session is not its');
  assert.deepEqual(agentFromEnv({ DX_AGENT: 'mine', AI_AGENT: 'aider', DX_SESSION: 'abc' }), { identity: { agent: 'mine', session: 'abc' } });
  const bad = agentFromEnv({ AI_AGENT: 'codex\nSigned-off-by: m <m@x>', DX_TASK: 'ok' });
  assert.ok(bad && 'invalid' in bad && bad.invalid.length === 1 && /^AI_AGENT="codex\\nSigned-off-by/.test(bad.invalid[0]!), JSON.stringify(bad));
  const badSession = agentFromEnv({ CLAUDE_CODE_SESSION_ID: '../../x' });
  assert.ok(badSession && 'invalid' in badSession && /CLAUDE_CODE_SESSION_ID/.test(badSession.invalid[0]!));
});

test('attributionTrailers: DESIGN §9\'s order and forms; Co-authored-by only when given; never Signed-off-by', () => {
  assert.deepEqual(attributionTrailers({ agent: 'codex' }, 'vm'), [['Assisted-by', 'codex'], ['Agent', 'codex'], ['Dx-Host', 'vm']]);
  const all = attributionTrailers({ agent: 'claude-code', model: 'claude-opus-4-5', task: 'T-1', session: 's-1' }, 'laptop', 'Claude <noreply@anthropic.com>');
  assert.deepEqual(all, [
    ['Assisted-by', 'claude-code:claude-opus-4-5'], ['Agent', 'claude-code'], ['Task', 'T-1'], ['Agent-Session', 'claude-code/s-1'], ['Dx-Host', 'laptop'], ['Co-authored-by', 'Claude <noreply@anthropic.com>'],
  ]);
  assert.ok(!all.some(([k]) => k === 'Signed-off-by'));
});
