// Issue 14 point 5: `dx-hooks mcp`, driven by the official MCP client from the same SDK over stdio, as an
// agent would: the tools are listed with input and output schemas and honest hints, each tool is called
// against a real repository with a real remote (another host's WIP included), every structured result is
// checked against the tool's own output schema, destructive ones leave an undoable snapshot, and bad
// arguments are refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOLS } from '../../src/core/mcp/tools.ts';
import { dx, dxBin, lsRemote, waitFor, type Host } from '../helpers/index.ts';
import { idle, installedHosts, processesIn } from '../helpers/idle.ts';

test('the MCP server: 14 tools listed with schemas and hints, each called over stdio with results valid against its schema, destructive ones undoable, bad arguments refused', async (t) => {
  const { sb, remote, hosts } = await installedHosts(t, ['vm', 'laptop']);
  const [a, b] = hosts as [Host, Host];
  // Another host's WIP to restore: the laptop commits on main, its hooks push it.
  await b.commit('laptop work', { 'laptop.txt': 'from the laptop\n' });
  await idle(b);
  await waitFor(async () => (await lsRemote(b.env, remote)).has('refs/heads/dx/index'), { what: 'the laptop\'s WIP in the index', timeoutMs: 30_000 });
  await a.commit('base', { 'a.txt': 'a0\n' });
  await idle(a);

  const transport = new StdioClientTransport({ command: process.execPath, args: [dxBin, 'mcp'], cwd: a.dir, env: a.env as Record<string, string>, stderr: 'pipe' });
  const client = new Client({ name: 'dx-hooks-test', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close());
  // The server runs in the work tree for as long as the client is connected: background work is every other process there.
  const quiet = () => waitFor(async () => processesIn(a.dir).every((p) => p === transport.pid), { what: 'background work to finish', timeoutMs: 30_000 });

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ['checkpoint_create', 'checkpoint_list', 'checkpoint_restore', 'commit', 'diagnose', 'rollback', 'session_list', 'session_restore', 'session_rewind', 'session_save', 'status', 'undo', 'undo_list', 'wip_restore']);
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, 'object', tool.name);
    assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an output schema`);
  }
  const hint = (name: string) => tools.find((x) => x.name === name)!.annotations!;
  for (const name of ['status', 'checkpoint_list', 'undo_list', 'diagnose', 'session_list']) assert.equal(hint(name).readOnlyHint, true, name);
  for (const name of ['checkpoint_restore', 'rollback', 'undo', 'session_rewind']) assert.equal(hint(name).destructiveHint, true, name);
  for (const name of ['commit', 'checkpoint_create', 'session_save', 'wip_restore']) assert.equal(hint(name).destructiveHint, false, name);

  /** Call a tool; its structured result must validate against the tool's own output schema. */
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
    const parsed = TOOLS.find((x) => x.name === name)!.output.safeParse(r.structuredContent);
    assert.ok(parsed.success, `${name}'s result does not match its schema: ${JSON.stringify(r.structuredContent).slice(0, 300)}`);
    return r.structuredContent as Record<string, unknown>;
  };

  assert.equal((await call('status', { offline: true })).host, 'vm');
  fs.writeFileSync(path.join(a.dir, 'a.txt'), 'a1 by the agent\n');
  const committed = await call('commit', { agent: 'claude-code', task: 'T-1', description: 'change a', files: ['a.txt'] });
  assert.match(String(committed.message), /^\[claude-code\] T-1: change a/);
  assert.match((await a.git(['log', '-1', '--format=%B'])).out, /Agent: claude-code/);
  await quiet();
  assert.ok(String((await call('checkpoint_create', { name: 'before-risk', message: 'safe point' })).id));
  await quiet();
  assert.ok((await call('checkpoint_list', { offline: true }) as { entries: Array<{ name: string }> }).entries.some((e) => e.name === 'before-risk'));
  const transcript = path.join(sb.root, 't.jsonl');
  fs.writeFileSync(transcript, '{"type":"user","sessionId":"m1","message":"hi"}\n');
  const saved = await call('session_save', { id: 'm1', agent: 'claude-code', state: { messages: [{ role: 'user', content: 'hi' }], agent_contexts: {}, task_progress: {}, current_task: 'mcp' }, transcript });
  assert.equal(saved.ref, 'refs/dx/sessions/vm/claude-code/m1');
  assert.ok((await call('session_list') as { sessions: Array<{ id: string }> }).sessions.some((x) => x.id === 'm1'));
  assert.equal(((await call('session_restore', { id: 'm1' })).state as { current_task: string }).current_task, 'mcp');
  const rewound = await call('session_rewind', { id: 'm1', turn: 1, conversation: true, dryRun: true });
  assert.equal((rewound.conversation as { lines: number }).lines, 1);
  assert.ok((await call('diagnose', { paths: ['a.txt'] }) as { paths: unknown[] }).paths.length === 1);

  // Destructive: a snapshot first and an undoable ledger line; undo puts it back.
  const head = (await a.git(['rev-parse', 'HEAD'])).out;
  const rolled = await call('rollback', { n: 1 });
  assert.ok(rolled.snapshot);
  assert.notEqual((await a.git(['rev-parse', 'HEAD'])).out, head);
  assert.ok((await call('undo_list') as { entries: Array<{ id: string }> }).entries.some((e) => e.id === rolled.id));
  await call('undo', { id: rolled.id });
  assert.equal((await a.git(['rev-parse', 'HEAD'])).out, head, 'undo did not put the commit back');
  fs.writeFileSync(path.join(a.dir, 'a.txt'), 'a2 uncommitted\n');
  const restored = await call('checkpoint_restore', { name: 'before-risk', force: true });
  assert.ok(restored.snapshot, 'the state before the restore is in a snapshot');
  await quiet();
  const wip = await call('wip_restore', { host: 'laptop', branch: 'main' });
  assert.equal(wip.branch, 'rescue/laptop/main');
  assert.equal((await a.git(['show', 'rescue/laptop/main:laptop.txt'])).out, 'from the laptop');

  // Bad arguments: refused by the schema (a protocol error or an error result), nothing done.
  for (const [name, args] of [['rollback', { n: 'two' }], ['session_rewind', { id: 'm1' }], ['commit', { agent: 'claude-code' }]] as const) {
    let refused = false;
    try {
      const r = await client.callTool({ name, arguments: args });
      refused = r.isError === true;
    } catch {
      refused = true;
    }
    assert.ok(refused, `${name} ${JSON.stringify(args)} was not refused`);
  }
  // A failing operation is a tool error with the message, and the server goes on.
  const bad = await client.callTool({ name: 'checkpoint_restore', arguments: { name: 'no-such-checkpoint' } });
  assert.equal(bad.isError, true);
  assert.match(JSON.stringify(bad.content), /no-such-checkpoint/);
  assert.equal((await call('status', { offline: true })).host, 'vm');
  await quiet();
  // Closed here: the sandbox's own cleanup (registered first) waits for every process in the work tree.
  await client.close();
});

test('agent install claude-code --mcp registers the server in .mcp.json beside the user\'s own; the entry as written starts a server that answers; uninstall gives .mcp.json back byte for byte', async (t) => {
  const { hosts } = await installedHosts(t, ['vm']);
  const h = hosts[0]!;
  const file = path.join(h.dir, '.mcp.json');
  const mine = '{\n  "mcpServers": {\n    "docs": { "command": "npx", "args": ["-y", "docs-mcp"] }\n  }\n}\n';
  fs.writeFileSync(file, mine);
  const r = await dx(h, ['agent', 'install', 'claude-code', '--mcp']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /MCP server \(dx-hooks mcp\) registered in \.mcp\.json/);
  const servers = (JSON.parse(fs.readFileSync(file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }).mcpServers;
  assert.deepEqual(Object.keys(servers), ['docs', 'dx-hooks']);
  // The entry exactly as Claude Code would run it.
  const entry = servers['dx-hooks']!;
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd: h.dir, env: h.env as Record<string, string>, stderr: 'pipe' });
  const client = new Client({ name: 'dx-hooks-test', version: '1.0.0' });
  await client.connect(transport);
  assert.equal((await client.listTools()).tools.length, 14);
  await client.close();
  const un = await dx(h, ['agent', 'uninstall', 'claude-code']);
  assert.equal(un.code, 0, un.stderr);
  assert.equal(fs.readFileSync(file, 'utf8'), mine);
  // Codex keeps MCP servers in TOML that dx-hooks does not edit: refused, naming Codex's own command.
  const codex = await dx(h, ['agent', 'install', 'codex', '--mcp']);
  assert.equal(codex.code, 2);
  assert.match(codex.stderr, /codex mcp add dx-hooks/);
});
