// Unit (issue 13 point 5): redaction with the real scanner (secretlint's recommended preset). An AWS
// key, a GitHub token and a private key pasted into an agent's message are replaced by
// [REDACTED:<rule>] — in plain text, in a transcript's JSON lines (only those lines change, and they stay
// JSON) and in a state object (keys too) — and nothing else changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactJsonl, redactText, redactValue } from '../../src/core/secrets/redact.ts';

// Made-up values in the shapes the rules look for (not real credentials).
const AWS_ID = 'AKIA' + 'QYLPMN5HFIQR7XYZ';
const AWS_SECRET = '9yNqVnXk5wR3sT7uP2qM' + '8bF4hJ6kL0cD1eG3iA5z';
const GITHUB = 'ghp_' + 'x7Kq2mZpL9vR4tY8wB3nC6dF1gH5jS0aE2uI';
const PRIVATE_KEY = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Bs2+8f5q2S4zYp0nYcQm0u3ZqXq', 'Q1x7rW8oQ9sYb8u3Kk4pV2mR6nT0aL5cF7dG1hJ3kM9oP2qS4tU6vW8xY0zA2bC4', '-----END RSA PRIVATE KEY-----'].join('\n');

const leaked = (s: string) => [AWS_SECRET, GITHUB, 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Bs2'].filter((x) => s.includes(x));

test('plain text: each secret is replaced by [REDACTED:<rule>], the words around it are kept', async () => {
  const text = `deploy with aws_secret_access_key = ${AWS_SECRET} and token ${GITHUB}\n${PRIVATE_KEY}\nthanks`;
  const r = await redactText(text);
  assert.deepEqual(leaked(r.value), [], r.value);
  // secretlint's AWS rule reports a range that starts at the key's name: no part of the secret may stay.
  assert.ok(!r.value.includes(AWS_SECRET.slice(-12)) && !r.value.includes(AWS_SECRET.slice(0, 12)), r.value);
  assert.match(r.value, /^deploy with /);
  assert.match(r.value, /\[REDACTED:[A-Za-z_]+\]/);
  assert.match(r.value, /\nthanks$/);
  assert.ok(r.rules.length >= 3, r.rules.join(', '));
  const clean = await redactText('nothing secret here: ghp_ is a prefix, AKIA too');
  assert.deepEqual(clean, { value: 'nothing secret here: ghp_ is a prefix, AKIA too', rules: [] });
});

test('a transcript (JSON lines): only the lines with a secret change, each still one JSON object; the rest byte for byte', async () => {
  const lines = [
    '{"type":"user","message":{"content":"hello"} , "odd spacing":1.0}',
    JSON.stringify({ type: 'user', message: { content: `my token is ${GITHUB}` } }),
    JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: `key:\n${PRIVATE_KEY}` }] } }),
    JSON.stringify({ type: 'user', message: { content: `AWS_ACCESS_KEY_ID=${AWS_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}` } }),
    'not json at all, with ' + GITHUB,
    '{"type":"user","message":{"content":"bye"}}',
  ];
  const text = lines.join('\n') + '\n';
  const r = await redactJsonl(text);
  assert.deepEqual(leaked(r.value), [], r.value);
  const out = r.value.split('\n');
  assert.equal(out.length, lines.length + 1, 'same number of lines, trailing newline kept');
  assert.equal(out[0], lines[0], 'a line without a secret is kept byte for byte (odd spacing, 1.0)');
  assert.equal(out[5], lines[5]);
  for (const i of [1, 2, 3]) assert.doesNotThrow(() => JSON.parse(out[i]!), `line ${i} is still JSON: ${out[i]}`);
  assert.match((JSON.parse(out[1]!) as { message: { content: string } }).message.content, /^my token is \[REDACTED:GITHUB_TOKEN\]$/);
  assert.match(out[4]!, /^not json at all, with \[REDACTED:GITHUB_TOKEN\]$/);
  assert.deepEqual(await redactJsonl('{"a":1}\n{"b":2}'), { value: '{"a":1}\n{"b":2}', rules: [] }, 'no secret: unchanged, no newline added');
});

test('a state object: strings anywhere (keys too) are redacted; numbers, booleans and null kept; a clean object is the same object', async () => {
  const state = { messages: [{ role: 'user', content: `use ${GITHUB}` }, { role: 'assistant', content: 'ok', n: 3, done: true, x: null }], agent_contexts: { [GITHUB]: 'a key as a key' }, task_progress: {}, current_task: null };
  const r = await redactValue(state);
  const text = JSON.stringify(r.value);
  assert.deepEqual(leaked(text), [], text);
  assert.equal((r.value.messages[0] as { content: string }).content, 'use [REDACTED:GITHUB_TOKEN]');
  assert.deepEqual(r.value.messages[1], state.messages[1]);
  assert.deepEqual(Object.keys(r.value.agent_contexts), ['[REDACTED:GITHUB_TOKEN]']);
  assert.deepEqual(r.rules, ['GITHUB_TOKEN']);
  const clean = { messages: [{ role: 'user', content: 'hi' }] };
  assert.equal((await redactValue(clean)).value, clean);
});
