// Issue 14 point 6: doctor's agent checks. An agent whose hooks were installed and then lost (the entries
// taken out of its settings by hand, the hook script deleted) is AGENT_HOOKS_MISSING; one whose entry was
// edited is AGENT_HOOKS_OUTDATED; --fix installs them again. A Claude Code transcript of this work tree that
// cleanupPeriodDays will delete within a week and no session ref holds is AGENT_RETENTION; --fix saves it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, initRepo, withSandbox } from '../helpers/index.ts';

type Report = { diagnostics: Array<{ code: string; fixed: boolean; message: string }> };
const codes = (r: Report) => r.diagnostics.map((d) => d.code).filter((c) => c.startsWith('AGENT_'));

test('doctor: lost or edited agent hooks are found and installed again; a transcript Claude Code will delete soon is saved by --fix', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'vm1');
  await h.commit('base', { 'a.txt': 'a\n' });
  assert.equal((await dx(h, ['install'])).code, 0);
  assert.equal((await dx(h, ['agent', 'install', 'claude-code'])).code, 0);
  const doctor = async (...args: string[]) => JSON.parse((await dx(h, ['doctor', '--json', ...args])).stdout) as Report;
  assert.deepEqual(codes(await doctor()), []);
  const settings = path.join(h.dir, '.claude/settings.local.json');
  const installed = fs.readFileSync(settings, 'utf8');
  // Edited by hand: outdated.
  fs.writeFileSync(settings, installed.replace('"matcher": "Bash"', '"matcher": "Bash|Read"'));
  assert.deepEqual(codes(await doctor()), ['AGENT_HOOKS_OUTDATED']);
  // Taken out by hand (the user's file otherwise kept): missing; --fix installs them again.
  fs.writeFileSync(settings, '{ "model": "sonnet" }\n');
  assert.deepEqual(codes(await doctor()), ['AGENT_HOOKS_MISSING']);
  const fixed = await doctor('--fix');
  assert.ok(fixed.diagnostics.some((d) => d.code === 'AGENT_HOOKS_MISSING' && d.fixed));
  assert.match(fs.readFileSync(settings, 'utf8'), /"model": "sonnet"[\s\S]*agent-hook\.sh/);
  fs.rmSync(path.join(h.dir, '.git/dx/hooks/agent-hook.sh'));
  assert.deepEqual(codes(await doctor()), ['AGENT_HOOKS_MISSING']);
  await doctor('--fix');
  assert.ok(fs.existsSync(path.join(h.dir, '.git/dx/hooks/agent-hook.sh')));
  assert.deepEqual(codes(await doctor()), []);

  // Claude Code's cleanup in 10 days (cleanupPeriodDays 10, in the user's settings): a transcript 5 days old is due.
  const home = sb.env.HOME!;
  fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(home, '.claude/settings.json'), '{ "cleanupPeriodDays": 10 }\n');
  const projects = path.join(home, '.claude/projects', h.dir.replace(/[^A-Za-z0-9]/g, '-'));
  fs.mkdirSync(projects, { recursive: true });
  const old = path.join(projects, 'old-session.jsonl');
  const fresh = path.join(projects, 'new-session.jsonl');
  fs.writeFileSync(old, '{"type":"user","message":"kept?"}\n');
  fs.writeFileSync(fresh, '{"type":"user","message":"not due"}\n');
  const fiveDays = (Date.now() - 5 * 86_400_000) / 1000;
  fs.utimesSync(old, fiveDays, fiveDays);
  const r = await doctor();
  assert.deepEqual(codes(r), ['AGENT_RETENTION']);
  assert.match(r.diagnostics.find((d) => d.code === 'AGENT_RETENTION')!.message, /old-session/);
  assert.doesNotMatch(r.diagnostics.find((d) => d.code === 'AGENT_RETENTION')!.message, /new-session/);
  const f = await doctor('--fix');
  assert.ok(f.diagnostics.some((d) => d.code === 'AGENT_RETENTION' && d.fixed));
  const back = path.join(sb.root, 'back.jsonl');
  assert.equal((await dx(h, ['session', 'restore', 'old-session', '--out', path.join(sb.root, 's.json'), '--transcript-out', back])).code, 0);
  assert.equal(fs.readFileSync(back, 'utf8'), fs.readFileSync(old, 'utf8'));
  assert.deepEqual(codes(await doctor()), []);
});
