// Why: issue 13 — an agent saves its session after every message, so a save must cost what is new, not
// the whole history. Scenario 18 (BENCH_ONLY=sessions), on a session of 10,000 messages of ~2 KB
// (~20 MB, 20 chunks), side by side in one run:
//   - appending one 2 KB message, in-process (`saveSession`, the library API), against the shortest shell
//     doing the same for that one chunk: `git hash-object -w` + `git mktree` ×2 + `git commit-tree` +
//     `git update-ref` — target: within 2×;
//   - the whole `dx-hooks session save` (node start-up, the save; the push left to the background worker)
//     in the shape Claude Code has — a small state and its 20 MB transcript grown by one line — target:
//     under 150 ms; and, for information, with the whole state handed over as one 20 MB file;
//   - `dx-hooks session restore --host <other>` in another clone (the fetch from a local bare remote
//     included) — target: under 1 s.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cloneAs, createBareRemote, dxBin, git, packageRoot, seedRemote } from '../test/helpers/index.ts';
import { installHooks } from '../test/helpers/install.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, timeFn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = QUICK ? 1_000 : 10_000;

const message = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'x'.repeat(1990 - String(i).length)}` });
const stateOf = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => message(i)), agent_contexts: { coder: { step: n } }, task_progress: { done: n }, current_task: `step ${n}` });

// The same work in a shell for one chunk: the new message's blob, the chunk folder's and the root tree, the commit, the ref.
const SHELL = `b=$(printf '%s\\n' "$1" | git hash-object -w --stdin) &&
m=$(printf '100644 blob %s\\t000001.jsonl\\n' "$b" | git mktree) &&
r=$(printf '040000 tree %s\\tmessages\\n' "$m" | git mktree) &&
c=$(git commit-tree -p refs/bench/shell -m save "$r") &&
git update-ref refs/bench/shell "$c"`;

/** Scenario 18. */
export async function sessionsScenario(ctx: BenchContext): Promise<void> {
  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const remote = await createBareRemote(ctx.sb, 'sessions-remote.git');
  await seedRemote(ctx.sb, remote);
  const vm = await cloneAs(ctx.sb, remote, 'vm', 'sessions-vm');
  const laptop = await cloneAs(ctx.sb, remote, 'laptop', 'sessions-laptop');
  for (const h of [vm, laptop]) {
    h.env = { ...ctx.env, DX_HOST: h.name };
    h.git = (a, o) => git(h.dir, h.env, a, o);
    await installHooks(h);
    await h.commit('install dx-hooks');
    await quiesce(h.dir);
  }
  // The first save of the whole history (untimed), in-process as an orchestrator would.
  const saved = { ...process.env };
  Object.assign(process.env, vm.env);
  const { openSession } = await dist('core/session.js');
  const { saveSession } = await dist('core/sessions/store.js');
  const s = await openSession(vm.dir);
  let n = MESSAGES;
  const t0 = Date.now();
  await saveSession(s, { id: 'bench', agent: 'claude-code', state: stateOf(n) });
  ctx.log(`sessions: ${n} messages saved in ${Date.now() - t0} ms`);
  const shellStart = (await git(vm.dir, vm.env, ['rev-parse', 'HEAD'])).out.trim();
  await git(vm.dir, vm.env, ['update-ref', 'refs/bench/shell', shellStart]);
  const file = path.join(ctx.sb.root, 'session-state.json');
  const state = stateOf(n);
  // The shape Claude Code has: the conversation in the agent's own transcript (JSON lines, append-only), a small state.
  const transcript = path.join(ctx.sb.root, 'transcript.jsonl');
  fs.writeFileSync(transcript, Array.from({ length: MESSAGES }, (_, i) => JSON.stringify({ type: 'user', message: message(i) }) + '\n').join(''));
  const small = path.join(ctx.sb.root, 'small-state.json');
  fs.writeFileSync(small, JSON.stringify(stateOf(0)));
  await mustTime(process.execPath, [dxBin, 'session', 'save', 'bench-t', '--agent', 'claude-code', '--file', small, '--transcript', transcript, '--wait'], { cwd: vm.dir, env: vm.env });
  let tn = MESSAGES;
  const kinds = ['shell: hash-object + mktree ×2 + commit-tree + update-ref', 'saveSession, one 2 KB message appended (in-process)', 'dx-hooks session save (whole CLI, 20 MB state file)', 'dx-hooks session save (whole CLI, small state, 20 MB transcript grown by one 2 KB line)'] as const;
  const res = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    if (kind === kinds[0]) return (await mustTime('sh', ['-c', SHELL, 'sh', JSON.stringify(message(n))], { cwd: vm.dir, env: vm.env })).ms;
    if (kind !== kinds[3]) state.messages.push(message(n++));
    if (kind === kinds[1]) {
      const t = await timeFn(() => saveSession(s, { id: 'bench', agent: 'claude-code', state }) as Promise<{ appended: { messages: number }; rewrote: boolean }>);
      must(t.value.appended.messages === 1 && !t.value.rewrote, `saveSession did not append one message: ${JSON.stringify(t.value.appended)}`);
      return t.ms;
    }
    if (kind === kinds[3]) {
      fs.appendFileSync(transcript, JSON.stringify({ type: 'assistant', message: message(tn++) }) + '\n'); // untimed: the agent wrote it
      const r = await mustTime(process.execPath, [dxBin, 'session', 'save', 'bench-t', '--agent', 'claude-code', '--file', small, '--transcript', transcript, '--json'], { cwd: vm.dir, env: vm.env });
      const j = JSON.parse(r.stdout) as { appended: { transcriptBytes: number }; rewrote: boolean };
      must(!j.rewrote && j.appended.transcriptBytes > 1000 && j.appended.transcriptBytes < 3000, `session save did not append one transcript line: ${r.stdout.slice(0, 300)}`);
      await quiesce(vm.dir);
      return r.ms;
    }
    fs.writeFileSync(file, JSON.stringify(state)); // untimed: the agent wrote it
    const r = await mustTime(process.execPath, [dxBin, 'session', 'save', 'bench', '--agent', 'claude-code', '--file', file, '--json'], { cwd: vm.dir, env: vm.env });
    const j = JSON.parse(r.stdout) as { appended: { messages: number }; rewrote: boolean };
    must(j.appended.messages === 1 && !j.rewrote, `session save did not append one message: ${r.stdout.slice(0, 300)}`);
    await quiesce(vm.dir); // the background push, untimed
    return r.ms;
  });
  process.env = saved;
  await quiesce(vm.dir);
  // Restore on the laptop: the fetch from the bare remote included; a fresh copy of the ref each time.
  const out = path.join(ctx.sb.root, 'restored.json');
  const ref = 'refs/dx/sessions/vm/claude-code/bench';
  must((await git(laptop.dir, laptop.env, ['ls-remote', 'origin', ref])).out.includes(ref), 'the session is not on the remote');
  const restores = await roundRobin(['restore'] as const, ctx.nSlow, ctx.warmSlow, async () => {
    await git(laptop.dir, laptop.env, ['update-ref', '-d', ref], { allowFail: true });
    fs.rmSync(out, { force: true });
    const r = await mustTime(process.execPath, [dxBin, 'session', 'restore', 'bench', '--host', 'vm', '--out', out], { cwd: laptop.dir, env: laptop.env });
    return r.ms;
  });
  const back = JSON.parse(fs.readFileSync(out, 'utf8')) as { messages: unknown[] };
  must(back.messages.length === n, `restored ${back.messages.length} messages, saved ${n}`);
  must(JSON.stringify(back) === JSON.stringify(state), 'the restored state differs from the last saved one');

  const section = `18. an agent session of ${MESSAGES.toLocaleString('en')} messages of ~2 KB (~${Math.round((MESSAGES * 2) / 1000)} MB)`;
  const base: Row = { section, variant: kinds[0], samples: res.get(kinds[0])! };
  ctx.rows.push(base);
  ctx.rows.push({ section, variant: kinds[1], samples: res.get(kinds[1])!, baseline: base, target: { kind: 'ratio', max: 2 } });
  ctx.rows.push({ section, variant: kinds[3], samples: res.get(kinds[3])!, target: { kind: 'absolute', ms: 150 } });
  // The whole state handed over as one 20 MB file each time: shown, no target of its own (reading and parsing it is most of it).
  ctx.rows.push({ section, variant: kinds[2], samples: res.get(kinds[2])! });
  ctx.rows.push({ section, variant: 'dx-hooks session restore --host vm in another clone (fetch from a local bare remote included)', samples: restores.get('restore')!, target: { kind: 'absolute', ms: 1000 } });
  ctx.notes.push(`sessions (18.): ${MESSAGES} messages saved once, then one more per sample (each save asserted to append exactly one message); the restore on the other clone deletes its copy of the ref first, so each sample fetches, and the restored state equals the last saved one (asserted). Medians: shell ${fmt(median(res.get(kinds[0])!))} ms, in-process ${fmt(median(res.get(kinds[1])!))} ms, CLI with a growing transcript ${fmt(median(res.get(kinds[3])!))} ms, CLI with the whole state file ${fmt(median(res.get(kinds[2])!))} ms, restore ${fmt(median(restores.get('restore')!))} ms.`);
  ctx.log('sessions: done');
}
