// Why: issue 14 — an agent runs dx-hooks' hook before every shell command and at every turn's end, so the
// foreground must stay short. Scenario 19 (BENCH_ONLY=agents), in a repository with dx-hooks and Claude
// Code's hooks installed, each sample the hook's command line from the settings file run through sh with a
// payload in Claude Code's shape on stdin — as Claude Code runs it — side by side in one run:
//   - node start-up (`sh -c 'node -e 0'`), the baseline;
//   - PreToolUse of a plainly harmless command (`ls -la src`), decided in sh without node;
//   - PreToolUse of a harmless command node reads (a pipe and a redirect to /dev/null) — target: < 40 ms
//     p50 over node start-up;
//   - Stop: the turn's end put in the inbox, the snapshot and save detached — target: < 50 ms p50;
//   - `dx-hooks session rewind --turn 1 --code` of a 100-turn session (each turn changed 5 files and added
//     one), each sample undone after it (untimed) — target: < 1 s.
import fs from 'node:fs';
import path from 'node:path';
import { dxBin, git, initRepo } from '../test/helpers/index.ts';
import { installHooks } from '../test/helpers/install.ts';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../test/helpers/index.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

/** Scenario 19. */
export async function agentsScenario(ctx: BenchContext): Promise<void> {
  const h = await initRepo(ctx.sb, 'agents-repo', 'vm');
  h.env = { ...ctx.env, DX_HOST: 'vm' };
  h.git = (a, o) => git(h.dir, h.env, a, o);
  for (let i = 0; i < 200; i++) await h.write(`src/file-${i}.txt`, `line ${i}\n`);
  await h.commit('base');
  await installHooks(h);
  await h.commit('install dx-hooks');
  await mustTime(process.execPath, [dxBin, 'agent', 'install', 'claude-code'], { cwd: h.dir, env: h.env });
  const settings = JSON.parse(fs.readFileSync(path.join(h.dir, '.claude/settings.local.json'), 'utf8')) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  const line = (event: string) => settings.hooks[event]![0]!.hooks[0]!.command;
  const projects = path.join(ctx.sb.root, 'home', '.claude', 'projects', 'bench');
  fs.mkdirSync(projects, { recursive: true });
  const transcript = path.join(projects, 'bench-session.jsonl');
  fs.writeFileSync(transcript, '{"type":"user","message":"go"}\n');
  const payload = (name: string, event: string, extra: Record<string, unknown>) => {
    const file = path.join(ctx.sb.root, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ session_id: 'bench-session', transcript_path: transcript, cwd: h.dir, permission_mode: 'default', hook_event_name: event, ...extra }));
    return file;
  };
  const files = {
    plain: payload('pre-plain', 'PreToolUse', { tool_name: 'Bash', tool_input: { command: 'ls -la src' }, tool_use_id: 'toolu_1' }),
    parsed: payload('pre-parsed', 'PreToolUse', { tool_name: 'Bash', tool_input: { command: 'grep -rn "line 1" src | sort > /dev/null' }, tool_use_id: 'toolu_2' }),
    stop: payload('stop', 'Stop', { stop_hook_active: false, last_assistant_message: 'done' }),
  };
  const hook = (event: string, file: string) => ['-c', `${line(event)} < "$1"`, 'sh', file];
  const kinds = ['node start-up (sh -c \'node -e 0\')', 'PreToolUse, a plainly harmless command (ls -la src): decided in sh', 'PreToolUse, a harmless command node reads (grep … | sort > /dev/null)', 'Stop: the turn\'s end queued, its snapshot and save detached'] as const;
  const res = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    if (kind === kinds[0]) return (await mustTime('sh', ['-c', `'${process.execPath}' -e 0`], { cwd: h.dir, env: h.env })).ms;
    if (kind === kinds[3]) {
      fs.appendFileSync(transcript, '{"type":"assistant","message":"more"}\n');
      const r = await mustTime('sh', hook('Stop', files.stop), { cwd: h.dir, env: h.env });
      await quiesce(h.dir); // the detached save, untimed
      return r.ms;
    }
    const r = await mustTime('sh', hook('PreToolUse', kind === kinds[1] ? files.plain : files.parsed), { cwd: h.dir, env: h.env });
    must(r.stdout === '', `a harmless command was answered: ${r.stdout.slice(0, 200)}`);
    return r.ms;
  });
  const saved = (await h.git(['rev-list', '--count', 'refs/dx/sessions/vm/claude-code/bench-session'])).out;
  must(Number(saved) >= ctx.nSlow, `the turns were not saved: ${saved} saves`);
  const section = '19. an agent\'s hooks (Claude Code\'s shape, the settings\' command line through sh)';
  const base: Row = { section, variant: kinds[0], samples: res.get(kinds[0])! };
  ctx.rows.push(base);
  ctx.rows.push({ section, variant: kinds[1], samples: res.get(kinds[1])!, baseline: base });
  ctx.rows.push({ section, variant: kinds[2], samples: res.get(kinds[2])!, baseline: base, target: { kind: 'added', ms: 40 } });
  ctx.rows.push({ section, variant: kinds[3], samples: res.get(kinds[3])!, target: { kind: 'absolute', ms: 50 } });
  const rewind = await rewindSamples(ctx, h);
  ctx.rows.push({ section, variant: 'dx-hooks session rewind --turn 1 --code, a 100-turn session (99 files removed, 5 changed back)', samples: rewind, target: { kind: 'absolute', ms: 1000 } });
  ctx.notes.push(`agents (19.): medians: node start-up ${fmt(median(res.get(kinds[0])!))} ms, PreToolUse decided in sh ${fmt(median(res.get(kinds[1])!))} ms, PreToolUse read by node ${fmt(median(res.get(kinds[2])!))} ms, Stop ${fmt(median(res.get(kinds[3])!))} ms, rewind of 100 turns ${fmt(median(rewind))} ms; ${saved} saves landed on the session ref (each Stop sample's detached save asserted by the count).`);
}

/** A 100-turn session saved in-process (each turn: 5 files changed, one added, a snapshot), then rewinds to turn 1, each undone. */
async function rewindSamples(ctx: BenchContext, h: { dir: string; env: NodeJS.ProcessEnv }): Promise<number[]> {
  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const saved = { ...process.env };
  Object.assign(process.env, h.env);
  try {
    const [{ openSession }, { takeSnapshot }, { saveSession }] = await Promise.all([dist('core/session.js'), dist('core/snapshot.js'), dist('core/sessions/store.js')]);
    const s = await openSession(h.dir);
    for (let t = 1; t <= 100; t++) {
      for (let k = 0; k < 5; k++) fs.writeFileSync(path.join(h.dir, 'src', `file-${k}.txt`), `turn ${t}\n`);
      fs.writeFileSync(path.join(h.dir, 'src', `new-${t}.txt`), `added in turn ${t}\n`);
      const snap = await takeSnapshot(s.ctx, { exclude: [], maxFileSize: 50 * 1024 * 1024, host: s.host, message: `turn ${t}` });
      await saveSession(s, { id: 'rewind-100', agent: 'claude-code', state: { messages: [], agent_contexts: {}, task_progress: {}, current_task: `turn ${t}` }, snapshot: snap.sha });
    }
  } finally {
    process.env = saved;
  }
  const res = await roundRobin(['rewind'] as const, ctx.nSlow, ctx.warmSlow, async () => {
    const r = await mustTime(process.execPath, [dxBin, 'session', 'rewind', 'rewind-100', '--turn', '1', '--code', '--json'], { cwd: h.dir, env: h.env });
    const j = JSON.parse(r.stdout) as { code: { removed: string[]; eventId: string } };
    must(j.code.removed.length === 99 && !fs.existsSync(path.join(h.dir, 'src', 'new-2.txt')), `the rewind did not remove the 99 later files: ${r.stdout.slice(0, 300)}`);
    await mustTime(process.execPath, [dxBin, 'undo', j.code.eventId], { cwd: h.dir, env: h.env }); // untimed: back to turn 100
    must(fs.existsSync(path.join(h.dir, 'src', 'new-100.txt')), 'undo did not bring turn 100 back');
    await quiesce(h.dir);
    return r.ms;
  });
  return res.get('rewind')!;
}
