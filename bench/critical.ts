// Why: issue 5 — `dx-hooks guard` runs from the hooks, `--watch` and the scheduler every few
// minutes, so checking 1,000 critical paths must cost little more than starting node: target under
// 200 ms for the whole CLI on a healthy repository. Measured side by side in one run against node's
// start-up (`dist/cli.js --version`), with the drifted runs, the check alone in-process, and the
// hooks' cheap sh guard after a checkout.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatHookState } from '../src/core/hookstate/format.ts';
import { dxBin, git, hookStateFile, packageRoot, readHookStateFile } from '../test/helpers/index.ts';
import { generateFixture } from './fixture.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, timeFn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

/** Critical paths in the generated repository; every EXEC_EVERY-th one must be executable. */
const PATHS = 1_000;
const EXEC_EVERY = 10;

/** The repository: PATHS generated files (binaries, spaced and unicode names among them) committed, all critical, dx-hooks installed. */
async function criticalRepo(ctx: BenchContext): Promise<{ dir: string; critical: string[]; exec: string[] }> {
  const dir = ctx.sb.tmp('critical-repo');
  fs.mkdirSync(dir);
  await git(dir, ctx.env, ['init', '-q', '-b', 'main']);
  const fx = generateFixture(dir, PATHS, 1_000);
  const critical = fx.files.map((f) => f.rel);
  const exec = critical.filter((_, i) => i % EXEC_EVERY === 0);
  for (const rel of exec) fs.chmodSync(path.join(dir, rel), 0o755);
  const entries = critical.map((rel, i) => (i % EXEC_EVERY === 0 ? { path: rel, executable: true } : rel));
  fs.writeFileSync(path.join(dir, '.dxrc.json'), JSON.stringify({ guard: { critical: entries } }, null, 1) + '\n');
  fs.writeFileSync(path.join(dir, 'app.txt'), 'app\n');
  await git(dir, ctx.env, ['add', '-A']);
  await git(dir, ctx.env, ['commit', '-q', '-m', 'fixture']);
  const env = { ...ctx.env, DX_WIP_PUSH: 'off' };
  await mustTime(process.execPath, [dxBin, 'install'], { cwd: dir, env });
  const list = readHookStateFile(hookStateFile(dir)).critical;
  must(list.length === PATHS && list.filter((l) => l.kind === 'x').length === exec.length, `install listed ${list.length} critical paths for the hooks, expected ${PATHS}`);
  return { dir, critical, exec };
}

interface Variant { name: string; args: string[]; code: number; setup: () => Promise<void>; check?: (stdout: string, stderr: string) => void }

export async function criticalScenario(ctx: BenchContext): Promise<void> {
  const { dir, critical, exec } = await criticalRepo(ctx);
  const env = { ...ctx.env, DX_WIP_PUSH: 'off' };
  const dxDir = path.join(dir, '.git', 'dx');
  const telemetry = path.join(dxDir, 'telemetry.jsonl');
  const state = path.join(dxDir, 'guard-state.json');
  const victim = critical[PATHS / 2]!;
  const victimAbs = path.join(dir, victim);
  const victimBytes = fs.readFileSync(victimAbs);
  const victimMode = fs.statSync(victimAbs).mode & 0o777;
  const lines = () => (fs.existsSync(telemetry) ? fs.readFileSync(telemetry, 'utf8').trim().split('\n').length : 0);
  /** Untimed: the victim back, nothing logged (a restored line is not written: the state is dropped). */
  const healthyState = async () => {
    if (!fs.existsSync(victimAbs)) {
      fs.writeFileSync(victimAbs, victimBytes);
      fs.chmodSync(victimAbs, victimMode);
    }
    fs.rmSync(state, { force: true });
  };
  let expectedLines = lines();
  const names = (_out: string, err: string) => must(err.includes(`critical ${victim}: missing from the work tree`), `guard did not name ${victim}: ${err}`);

  const version: Variant = { name: '`node dist/cli.js --version` (node start-up + the CLI module)', args: ['--version'], code: 0, setup: healthyState };
  const healthy: Variant = {
    name: '`dx-hooks guard`, healthy', args: ['guard'], code: 0, setup: healthyState,
    check: (out) => must(out.includes(`${PATHS} critical entries in place`), `guard printed ${JSON.stringify(out)}`),
  };
  const known: Variant = {
    name: '`dx-hooks guard`, one file missing (drift already logged)', args: ['guard'], code: 1, check: names,
    setup: async () => {
      if (fs.existsSync(state)) return;
      // Untimed: remove the file and log the drift, so the timed run finds it known.
      fs.rmSync(victimAbs, { force: true });
      await mustTime(process.execPath, [dxBin, 'guard'], { cwd: dir, env, ok: [1] });
      expectedLines++;
    },
  };
  const fresh: Variant = {
    name: '`dx-hooks guard`, one file missing (first detection: logs one line)', args: ['guard'], code: 1,
    setup: async () => {
      await healthyState();
      fs.rmSync(victimAbs);
    },
    check: (out, err) => {
      names(out, err);
      expectedLines++;
    },
  };
  const variants = [version, healthy, known, fresh];
  const n = ctx.nSlow * 2;
  ctx.log(`critical: ${variants.length} variants × (${ctx.warmSlow} warm-up + ${n}) samples, ${PATHS} critical paths`);
  const got = await roundRobin(variants, n, ctx.warmSlow, async (v) => {
    await v.setup();
    const r = await mustTime(process.execPath, [dxBin, ...v.args], { cwd: dir, env, ok: [v.code] });
    v.check?.(r.stdout, r.stderr);
    if (v === healthy) must(!fs.existsSync(state) && lines() === expectedLines, 'a healthy run wrote guard-state.json or telemetry');
    await quiesce(dir);
    return r.ms;
  });
  await healthyState();
  must(lines() === expectedLines, `telemetry has ${lines()} lines, expected ${expectedLines}: one per first detection, none for any other run`);

  // The pieces in-process, on a warm module cache: what the CLI's start-up costs on top.
  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const { openSession } = await dist('core/session.js');
  const { checkCritical } = await dist('core/guardrail/check.js');
  const { runGuard } = await dist('core/guardrail/run.js');
  const inSession: number[] = [];
  const inCheck: number[] = [];
  const inRun: number[] = [];
  for (let i = 0; i < ctx.warmSlow + n; i++) {
    const a = await timeFn(() => openSession(dir) as Promise<unknown>);
    const b = await timeFn(() => checkCritical(a.value) as Promise<unknown[]>);
    const c = await timeFn(() => runGuard(a.value) as Promise<{ healthy: boolean }>);
    must(b.value.length === 0 && c.value.healthy, 'the in-process check found a drift');
    if (i < ctx.warmSlow) continue;
    inSession.push(a.ms);
    inCheck.push(b.ms);
    inRun.push(c.ms);
  }

  const section = `8. \`dx-hooks guard\`, ${PATHS.toLocaleString('en')} critical paths (${exec.length} executable)`;
  const base: Row = { section, variant: version.name, samples: got.get(version)! };
  ctx.rows.push(
    base,
    { section, variant: healthy.name, samples: got.get(healthy)!, baseline: base, target: { kind: 'absolute', ms: 200 }, note: 'whole CLI: node start-up, the session (.dxrc from the config cache, the machine config: plainly valid, so without zod), the check; exit 0, nothing written (asserted)' },
    { section, variant: known.name, samples: got.get(known)!, baseline: base, note: 'exit 1: the guard lock, guard-state.json read and rewritten, no telemetry line (asserted)' },
    { section, variant: fresh.name, samples: got.get(fresh)!, baseline: base, note: 'exit 1: the guard lock, `git log -1` for the cause, exactly one telemetry line (asserted)' },
    { section, variant: 'openSession, in-process (config cache hit)', samples: inSession },
    { section, variant: 'checkCritical, in-process (the check itself)', samples: inCheck },
    { section, variant: 'runGuard, in-process, healthy', samples: inRun },
  );
  const own = median(got.get(healthy)!) - median(got.get(version)!);
  ctx.notes.push(`critical (8.): the guard's own cost over \`--version\`: ${own >= 0 ? '+' : ''}${fmt(own)} ms (median difference), ×${(median(got.get(healthy)!) / median(got.get(version)!)).toFixed(2)}; the check of ${PATHS} paths alone, in-process: ${fmt(median(inCheck))} ms.`);

  await hookScenario(ctx, dir, env);
  ctx.log('critical: done');
}

/**
 * 8b. What the hooks' cheap guard adds to a checkout: `git checkout -- app.txt` with the 1,000-line
 * critical list and without it (moved aside between samples), same repository. post-checkout tests
 * each path with `[ -f ]` / `[ -x ]` in sh; node is not started while everything is there.
 */
async function hookScenario(ctx: BenchContext, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  // The same hook state with and without its critical lines (written fresh: newer than .dxrc, so not stale).
  const file = hookStateFile(dir);
  const full = readHookStateFile(file);
  const texts = new Map([[true, formatHookState(full)], [false, formatHookState({ ...full, critical: [] })]]);
  const withList = { name: `post-checkout with the ${PATHS.toLocaleString('en')}-path critical list`, on: true };
  const without = { name: 'post-checkout without a critical list', on: false };
  const got = await roundRobin([without, withList], ctx.n, ctx.warm, async (v) => {
    fs.writeFileSync(file, texts.get(v.on)!);
    const r = await mustTime('git', ['checkout', '-q', '--', 'app.txt'], { cwd: dir, env });
    must(!r.stderr.includes('critical file'), `a healthy checkout named a critical file: ${r.stderr}`);
    await quiesce(dir);
    return r.ms;
  });
  fs.writeFileSync(file, texts.get(true)!);
  must(!fs.existsSync(path.join(dir, '.git', 'dx', 'guard-state.json')), 'a healthy checkout started a logging guard run');
  const section = '8b. `git checkout -- app.txt` in that repository (the hooks\' cheap guard)';
  const base: Row = { section, variant: without.name, samples: got.get(without)! };
  ctx.rows.push(base, { section, variant: withList.name, samples: got.get(withList)!, baseline: base, note: 'no node started while healthy (no guard-state.json, asserted); information, no target' });
}
