// Why: issue 12 — users and agents do not commit once. Bursts of commits and checkouts (a script, a
// rebase -x, a codemod, an agent) each started a node worker: 100 commits took 21.6–28.8 s until the
// background work was done, against 1.8 s for the same sh hooks without it. Scenarios, each side by side
// in one run against the same work with no hooks:
//   12. 100 back-to-back commits;  13. 100 back-to-back checkouts — wall time until quiescent (every
//       background process done), the machine's CPU time over that window (/proc/stat: every process,
//       the detached workers included), and the node processes started (a `node` spy first on PATH);
//   14. one checkout in a JavaScript repository whose package.json (no `dx` key) differs between the
//       branches — the foreground cost (the hooks used to start node for it);
//   14b. (BENCH_ONLY=rebase) a rebase of 50 commits (`git rebase --onto`, each commit re-made: post-commit fires for each,
//       post-rewrite once) — the same three measures as 12 and 13.
// BENCH_ONLY=sustained runs them alone.
import fs from 'node:fs';
import path from 'node:path';
import { cloneAs, createBareRemote, dxBin, git, seedRemote, type Host } from '../test/helpers/index.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, timeSpawn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const BURST = QUICK ? 30 : 100;

/** Jiffies (user+nice+system+irq+softirq) of every CPU so far, from /proc/stat; null where there is none. */
function cpuJiffies(): number | null {
  try {
    const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
    const f = (cpu ?? '').trim().split(/\s+/).slice(1).map(Number);
    return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0);
  } catch {
    return null;
  }
}
/** ms per jiffy (USER_HZ is 100 on Linux). */
const JIFFY_MS = 10;

interface Burst { wallMs: number; cpuMs: number | null; nodes: number }

/** A clone with two branches that differ by 20 files; dx-hooks installed when `dx`; `node` spied on. */
async function burstRepo(ctx: BenchContext, name: string, dx: boolean): Promise<{ h: Host; spy: string }> {
  const remote = await createBareRemote(ctx.sb, `${name}-remote.git`);
  await seedRemote(ctx.sb, remote);
  const h = await cloneAs(ctx.sb, remote, ctx.host, name);
  const bin = ctx.sb.tmp(`${name}-bin`);
  const spy = ctx.sb.tmp(`${name}-node.log`);
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${spy}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  h.env = { ...ctx.env, PATH: `${bin}${path.delimiter}${ctx.env.PATH ?? ''}` };
  h.git = (a, o) => git(h.dir, h.env, a, o);
  // Installed first and its .dxrc.json committed, so both branches carry the same config (as after
  // `install` and a merge; a config file present on one branch only is a config change at every switch).
  if (dx) await mustTime(process.execPath, [dxBin, 'install'], { cwd: h.dir, env: h.env });
  else await h.write('.dxrc.json', '{}\n');
  await h.commit('config', { 'burst.txt': 'start\n' });
  await h.git(['switch', '-q', '-c', 'other']);
  for (let i = 0; i < 20; i++) await h.write(`other/file-${i}.txt`, `other ${i}\n`);
  await h.commit('other branch');
  await h.git(['switch', '-q', 'main']);
  await quiesce(h.dir);
  return { h, spy };
}

const nodeStarts = (spy: string) => (fs.existsSync(spy) ? fs.readFileSync(spy, 'utf8').split('\n').filter(Boolean).length : 0);

/** Run `script` (sh, in the work tree) and wait until every background process is done. */
async function timedBurst(h: Host, spy: string, script: string, env: NodeJS.ProcessEnv): Promise<Burst> {
  fs.rmSync(spy, { force: true });
  const c0 = cpuJiffies();
  const t0 = performance.now();
  const r = await timeSpawn('sh', ['-c', script], { cwd: h.dir, env, timeoutMs: 300_000 });
  must(r.code === 0, `the burst failed (${r.code}): ${r.stderr.slice(-400)}`);
  await quiesce(h.dir, 120_000);
  const wallMs = performance.now() - t0;
  const c1 = cpuJiffies();
  return { wallMs, cpuMs: c0 === null || c1 === null ? null : (c1 - c0) * JIFFY_MS, nodes: nodeStarts(spy) };
}

const commitScript = `i=0; while [ $i -lt ${BURST} ]; do i=$((i+1)); echo "$i" > burst.txt; git commit -q -a -m "burst $i" || exit 1; done`;
const checkoutScript = `i=0; while [ $i -lt ${BURST / 2} ]; do i=$((i+1)); git checkout -q other || exit 1; git checkout -q main || exit 1; done`;

/** Scenarios 12 and 13: bursts of commits and of checkouts. */
async function bursts(ctx: BenchContext): Promise<void> {
  const variants = ['no hooks', 'dx-hooks, DX_WIP_PUSH=off (the same sh hooks, no background work)', 'dx-hooks'] as const;
  const repos = new Map<string, { h: Host; spy: string }>();
  for (const [i, v] of variants.entries()) repos.set(v, await burstRepo(ctx, `burst-${i}`, v !== 'no hooks'));
  const envOf = (v: (typeof variants)[number], h: Host) => (v.includes('DX_WIP_PUSH=off') ? { ...h.env, DX_WIP_PUSH: 'off' } : h.env);
  const n = QUICK ? 2 : 5;
  for (const [kind, script, section] of [
    ['commits', commitScript, `12. ${BURST} back-to-back commits (\`git commit -a\`), until quiescent`],
    ['checkouts', checkoutScript, `13. ${BURST} back-to-back checkouts (two branches, 20 files apart), until quiescent`],
  ] as const) {
    ctx.log(`sustained ${kind}: ${variants.length} variants × (1 warm-up + ${n}) bursts of ${BURST}`);
    const res = await roundRobin(variants, n, 1, async (v) => {
      const { h, spy } = repos.get(v)!;
      return timedBurst(h, spy, script, envOf(v, h));
    });
    const wall = (v: (typeof variants)[number]) => res.get(v)!.map((b) => b.wallMs);
    const none: Row = { section, variant: variants[0], samples: wall(variants[0]) };
    const off: Row = { section, variant: variants[1], samples: wall(variants[1]), baseline: none };
    ctx.rows.push(none, off);
    ctx.rows.push({ section, variant: 'dx-hooks vs DX_WIP_PUSH=off', samples: wall(variants[2]), baseline: off, target: { kind: 'ratio', max: 1.3 } });
    ctx.rows.push({ section, variant: 'dx-hooks vs no hooks', samples: wall(variants[2]), baseline: none, target: { kind: 'ratio', max: 5 } });
    for (const v of variants) {
      const b = res.get(v)!;
      const cpu = b.map((x) => x.cpuMs).filter((x): x is number => x !== null);
      ctx.notes.push(`${section} — ${v}: CPU time of the whole machine over the burst ${cpu.length ? `${fmt(median(cpu))} ms (median)` : 'not measured (no /proc/stat)'}; node processes started per burst: ${b.map((x) => x.nodes).join(', ')} (target for dx-hooks: at most 3)`);
    }
    const maxNodes = Math.max(...res.get(variants[2])!.map((x) => x.nodes));
    ctx.notes.push(`${section}: dx-hooks started at most ${maxNodes} node process(es) per burst of ${BURST} — ${maxNodes <= 3 ? 'met' : 'MISSED'} (≤ 3)`);
  }
  // Nothing lost: every variant's last commit is on its branch; dx-hooks' is on its WIP ref.
  const { h } = repos.get('dx-hooks')!;
  const head = (await h.git(['rev-parse', 'main'])).out.trim();
  const wip = (await h.git(['ls-remote', 'origin', `refs/heads/wip/${ctx.host}/main`])).out.split('\t')[0];
  must(wip === head, `after the bursts the WIP ref holds ${wip}, main is ${head}`);
  ctx.notes.push(`sustained: after every burst the dx-hooks repository's WIP ref on its remote held main's last commit (asserted at the end).`);
}

const STACK = QUICK ? 20 : 50;

/** Scenario 14b: a rebase of a 50-commit branch, back and forth between two bases, until quiescent. */
export async function rebaseScenario(ctx: BenchContext): Promise<void> {
  const variants = ['no hooks', 'dx-hooks, DX_WIP_PUSH=off (the same sh hooks, no background work)', 'dx-hooks'] as const;
  const repos = new Map<string, { h: Host; spy: string; onto: 'base-a' | 'base-b' }>();
  for (const [i, v] of variants.entries()) {
    const r = await burstRepo(ctx, `rebase-${i}`, v !== 'no hooks');
    const quiet = { ...r.h.env, DX_WIP_PUSH: 'off' }; // setup commits: nothing to push yet
    const g = (args: string[]) => git(r.h.dir, quiet, args);
    await g(['switch', '-q', '-c', 'base-a', 'main']);
    await r.h.write('base.txt', 'a\n');
    await g(['add', 'base.txt']);
    await g(['commit', '-q', '-m', 'base a']);
    await g(['switch', '-q', '-c', 'base-b', 'main']);
    await r.h.write('base.txt', 'b\n');
    await g(['add', 'base.txt']);
    await g(['commit', '-q', '-m', 'base b']);
    await g(['switch', '-q', '-c', 'stack', 'base-a']);
    for (let c = 0; c < STACK; c++) {
      await r.h.write(`stack/${c}.txt`, `commit ${c}\n`);
      await g(['add', '-A']);
      await g(['commit', '-q', '-m', `stack ${c}`]);
    }
    await quiesce(r.h.dir);
    repos.set(v, { ...r, onto: 'base-b' });
  }
  const envOf = (v: (typeof variants)[number], h: Host) => (v.includes('DX_WIP_PUSH=off') ? { ...h.env, DX_WIP_PUSH: 'off' } : h.env);
  const n = QUICK ? 2 : 5;
  const section = `14b. a rebase of ${STACK} commits (\`git rebase --onto\`, back and forth between two bases), until quiescent`;
  ctx.log(`sustained rebase: ${variants.length} variants × (1 warm-up + ${n}) rebases of ${STACK} commits`);
  const res = await roundRobin(variants, n, 1, async (v) => {
    const r = repos.get(v)!;
    const from = r.onto === 'base-b' ? 'base-a' : 'base-b';
    const b = await timedBurst(r.h, r.spy, `git rebase -q --onto ${r.onto} ${from} stack`, envOf(v, r.h));
    r.onto = from;
    return b;
  });
  const wall = (v: (typeof variants)[number]) => res.get(v)!.map((b) => b.wallMs);
  const none: Row = { section, variant: variants[0], samples: wall(variants[0]) };
  const off: Row = { section, variant: variants[1], samples: wall(variants[1]), baseline: none };
  ctx.rows.push(none, off);
  ctx.rows.push({ section, variant: 'dx-hooks vs DX_WIP_PUSH=off', samples: wall(variants[2]), baseline: off });
  ctx.rows.push({ section, variant: 'dx-hooks vs no hooks', samples: wall(variants[2]), baseline: none });
  for (const v of variants) {
    const b = res.get(v)!;
    const cpu = b.map((x) => x.cpuMs).filter((x): x is number => x !== null);
    ctx.notes.push(`${section} — ${v}: CPU time of the whole machine over the rebase ${cpu.length ? `${fmt(median(cpu))} ms (median)` : 'not measured (no /proc/stat)'}; node processes started per rebase: ${b.map((x) => x.nodes).join(', ')}`);
  }
  // Nothing lost: the rebased branch's tip is on its WIP ref.
  const { h } = repos.get('dx-hooks')!;
  const tip = (await h.git(['rev-parse', 'stack'])).out.trim();
  const wip = (await h.git(['ls-remote', 'origin', `refs/heads/wip/${ctx.host}/stack`])).out.split('\t')[0];
  must(wip === tip, `after the rebases the WIP ref of stack holds ${wip}, stack is ${tip}`);
  ctx.notes.push(`sustained: after the rebases the dx-hooks repository's WIP ref of the rebased branch held its tip (asserted).`);
}

/** Scenario 14: a checkout where package.json (no dx key) differs between the branches. */
async function jsCheckout(ctx: BenchContext): Promise<void> {
  const mk = async (name: string, dx: boolean) => {
    const { h } = await burstRepo(ctx, name, dx);
    await h.git(['switch', '-q', 'other']);
    await h.commit('other deps', { 'package.json': JSON.stringify({ name: 'app', private: true, dependencies: { left: '1.0.0' } }, null, 2) + '\n' });
    await h.git(['switch', '-q', 'main']);
    await h.commit('main deps', { 'package.json': JSON.stringify({ name: 'app', private: true, dependencies: { left: '2.0.0', right: '1.0.0' } }, null, 2) + '\n' });
    await quiesce(h.dir);
    return h;
  };
  const variants = ['no hooks', 'dx-hooks'] as const;
  const hosts = new Map<string, Host>([[variants[0], await mk('js-none', false)], [variants[1], await mk('js-dx', true)]]);
  const at = new Map<string, string>(variants.map((v) => [v, 'main']));
  ctx.log(`sustained js checkout: ${variants.length} variants × (${ctx.warm} warm-up + ${ctx.n}) checkouts`);
  const res = await roundRobin(variants, ctx.n, ctx.warm, async (v) => {
    const h = hosts.get(v)!;
    const to = at.get(v) === 'main' ? 'other' : 'main';
    at.set(v, to);
    const t = await mustTime('git', ['checkout', '-q', to], { cwd: h.dir, env: h.env });
    await quiesce(h.dir); // untimed: the next sample starts from quiet
    return t.ms;
  });
  const section = '14. `git checkout` where package.json (no `dx` key) differs between the branches';
  const base: Row = { section, variant: variants[0], samples: res.get(variants[0])! };
  ctx.rows.push(base, { section, variant: variants[1], samples: res.get(variants[1])!, baseline: base, target: { kind: 'added', ms: 15 } });
}

/** Scenarios 12–14 (BENCH_ONLY=sustained; 14b is BENCH_ONLY=rebase). */
export async function sustainedScenario(ctx: BenchContext): Promise<void> {
  await bursts(ctx);
  await jsCheckout(ctx);
}
