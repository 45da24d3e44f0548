// Issue 14 point 1: `dx-hooks agent install|uninstall|status` against settings files that already hold the
// user's own settings and hooks, comments where the format allows them (Gemini CLI), and odd formatting
// (inline, tabs, CRLF): install adds only bytes, re-install changes nothing, uninstall gives back the file
// byte for byte; after the user edited it, only dx-hooks' entries go. A malformed file is refused with its
// line and column and left untouched; a settings folder that is a link is never written through.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, initRepo, withSandbox, type Host } from '../helpers/index.ts';

const FIXTURES: Array<{ agent: string; file: string; text: string | null; shared?: boolean }> = [
  { agent: 'claude-code', file: '.claude/settings.local.json', text: '{"permissions": {"allow": ["Bash(ls)"]}, "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}}\n' },
  { agent: 'claude-code', file: '.claude/settings.json', shared: true, text: '{\r\n\t"model": "opus",\r\n\t"hooks": {\r\n\t\t"PreToolUse": [\r\n\t\t\t{\r\n\t\t\t\t"matcher": "Write",\r\n\t\t\t\t"hooks": [{"type": "command", "command": "./lint.sh"}]\r\n\t\t\t}\r\n\t\t]\r\n\t}\r\n}\r\n' },
  { agent: 'codex', file: '.codex/hooks.json', text: null },
  { agent: 'gemini-cli', file: '.gemini/settings.json', text: '// project settings\n{\n    "theme": "GitHub", /* inline comment */\n    "hooks": {\n        "BeforeTool": [\n            { "matcher": "write_file", "hooks": [ { "name": "mine", "type": "command", "command": "./check.sh", "timeout": 5000 } ] },\n        ],\n    },\n    "mcpServers": {},\n}\n' },
];

async function repo(t: Parameters<typeof withSandbox>[0]): Promise<Host> {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  return h;
}

test('install adds only bytes, re-install changes nothing, uninstall puts every file back byte for byte — for each agent and format', async (t) => {
  const h = await repo(t);
  for (const f of FIXTURES) {
    const abs = path.join(h.dir, f.file);
    if (f.text !== null) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, f.text);
    }
    const args = ['agent', 'install', f.agent, ...(f.shared ? ['--shared'] : [])];
    const first = await dx(h, [...args, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const installed = fs.readFileSync(abs, 'utf8');
    if (f.text !== null) {
      // Every byte of the user's file is still there, in order: dx-hooks only added.
      let at = 0;
      for (const ch of f.text) {
        at = installed.indexOf(ch, at);
        assert.ok(at >= 0, `${f.file}: a byte of the user's file is gone`);
        at++;
      }
      assert.ok(installed.includes(f.agent === 'gemini-cli' ? '"./check.sh"' : f.shared ? '"./lint.sh"' : '"say done"'), 'the user\'s own hook is kept');
    }
    if (f.agent !== 'gemini-cli') JSON.parse(installed);
    assert.match(installed, /agent-hook\.sh/);
    const again = await dx(h, args);
    assert.match(again.stdout, /already installed/);
    assert.equal(fs.readFileSync(abs, 'utf8'), installed, `${f.file}: a re-install changed it`);
    const st = JSON.parse((await dx(h, ['agent', 'status', '--json'])).stdout) as Array<{ agent: string; files: Array<{ file: string; state: string }>; script: boolean }>;
    assert.equal(st.find((a) => a.agent === f.agent)!.files.find((x) => x.file === f.file)!.state, 'installed');
    const un = await dx(h, ['agent', 'uninstall', f.agent, ...(f.shared ? ['--shared'] : [])]);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /exactly as it was/);
    if (f.text === null) {
      assert.ok(!fs.existsSync(abs), `${f.file}: install created it, uninstall must remove it`);
      assert.ok(!fs.existsSync(path.dirname(abs)), 'and the folder install created');
    } else assert.equal(fs.readFileSync(abs, 'utf8'), f.text, `${f.file}: not byte-exact after uninstall`);
  }
});

test('after the user edited the file, uninstall takes out only dx-hooks\' entries; an entry edited by hand reads as outdated', async (t) => {
  const h = await repo(t);
  const abs = path.join(h.dir, '.claude/settings.local.json');
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, '{\n  "hooks": {\n    "Stop": [\n      {\n        "hooks": [\n          { "type": "command", "command": "say done" }\n        ]\n      }\n    ]\n  }\n}\n');
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  // The user adds a setting of their own after install, and edits one of dx-hooks' matchers.
  const edited = fs.readFileSync(abs, 'utf8').replace('{\n  "hooks"', '{\n  "model": "sonnet",\n  "hooks"').replace('"matcher": "Bash"', '"matcher": "Bash|Task"');
  fs.writeFileSync(abs, edited);
  const st = JSON.parse((await dx(h, ['agent', 'status', '--json'])).stdout) as Array<{ agent: string; files: Array<{ file: string; state: string }> }>;
  assert.equal(st.find((a) => a.agent === 'claude-code')!.files[0]!.state, 'outdated');
  assert.equal((await dx(h, ['agent', 'status'])).code, 1, 'outdated hooks fail status');
  const un = await dx(h, ['agent', 'uninstall', 'claude-code']);
  assert.match(un.stdout, /removed dx-hooks' entries/);
  const left = JSON.parse(fs.readFileSync(abs, 'utf8')) as { model: string; hooks: Record<string, unknown> };
  assert.equal(left.model, 'sonnet');
  assert.deepEqual(left.hooks, { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] });
  assert.doesNotMatch(fs.readFileSync(abs, 'utf8'), /agent-hook/);
});

test('a malformed settings file is refused with its line and column and left untouched; a settings folder that is a link is never written through', async (t) => {
  const h = await repo(t);
  const abs = path.join(h.dir, '.claude/settings.local.json');
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const bad = '{\n  "hooks": {\n    "Stop": [ { "hooks": [] }\n  }\n}\n';
  fs.writeFileSync(abs, bad);
  const r = await dx(h, ['agent', 'install', 'claude-code']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /settings\.local\.json:4:3: /);
  assert.equal(fs.readFileSync(abs, 'utf8'), bad);
  // Comments are Gemini's to allow, not Claude Code's (its file is plain JSON).
  fs.writeFileSync(abs, '{ // a comment\n}\n');
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 2);
  assert.equal((await dx(h, ['agent', 'install', 'nobody'])).code, 2);
  // `.gemini` is a link a cloned repository planted, pointing outside the work tree.
  const outside = path.join(path.dirname(h.dir), 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'settings.json'), '{}\n');
  fs.symlinkSync(outside, path.join(h.dir, '.gemini'));
  const link = await dx(h, ['agent', 'install', 'gemini-cli']);
  assert.notEqual(link.code, 0);
  assert.match(link.stderr, /link/i);
  assert.equal(fs.readFileSync(path.join(outside, 'settings.json'), 'utf8'), '{}\n', 'written through a link');
});
