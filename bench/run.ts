// Why: the numbers behind dx-hooks' promises — a hook that costs the user almost nothing per
// commit and checkout, snapshots as fast as `git stash create`, a restore that takes seconds, and
// protection (pre-commit, reference-transaction, the git guard shim) that stays out of the way —
// measured side by side in ONE run on the same machine, against no hook, an empty sh hook,
// husky 9, lefthook and plain git. Prints a markdown table (paste it into bench/README.md).
//
//   npm run bench                      (builds dist/ first)
//   BENCH_QUICK=1 node --import tsx bench/run.ts    (a fast smoke run: few iterations, 2,000 files)
//   DX_KEEP_TMP=1 ...                  keeps the sandbox for a look afterwards
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cloneAs, createBareRemote, dxBin, git, lsRemote, makeSandbox, packageRoot, run, seedRemote, type Host, type Sandbox } from '../test/helpers/index.ts';
import { dirtyFixture, generateFixture } from './fixture.ts';
import { guardScenario, protectCommitScenario, type BenchContext } from './protect.ts';
import { triageScenario } from './triage.ts';
import { fileFingerprint, fmt, median, must, mustTime, quantile, quiesce, roundRobin, timeFn, type Row } from './lib.ts';
import { HOOKS as DX_HOOKS } from '../src/core/install/assets.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const N_HOOK = Number(process.env.BENCH_N_HOOK) || (QUICK ? 5 : 30);
const WARM_HOOK = QUICK ? 1 : 3;
const N_SNAP = Number(process.env.BENCH_N_SNAP) || (QUICK ? 3 : 11);
const WARM_SNAP = QUICK ? 1 : 2;
const N_RESTORE = QUICK ? 3 : 7;
const FILES = Number(process.env.BENCH_FILES) || (QUICK ? 2_000 : 20_000);
const HOST = 'bench';
/** BENCH_ONLY=protect,guard runs just those steps (hooks, snapshot, restore, protect, guard, triage, diagnose, critical, index, staged) — for working on one scenario. */
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()) : null;

const rows: Row[] = [];
const notes: string[] = [];
const failures: string[] = [];

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function sh(cwd: string, env: NodeJS.ProcessEnv, cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { cwd, env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${JSON.stringify(args)} exited ${r.code} in ${cwd}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

function dxInstall(h: { dir: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return sh(h.dir, h.env, process.execPath, [dxBin, 'install']);
}

// ---------------------------------------------------------------- hook managers

/** husky 9 for real: package.json, node_modules/husky (a copy of ours), `npx husky`, empty hook scripts. */
async function installHusky(h: Host, hooks: string[]): Promise<void> {
  fs.writeFileSync(path.join(h.dir, 'package.json'), JSON.stringify({ name: 'bench-repo', private: true, scripts: { prepare: 'husky' } }, null, 2) + '\n');
  fs.mkdirSync(path.join(h.dir, 'node_modules', '.bin'), { recursive: true });
  fs.cpSync(path.join(packageRoot, 'node_modules', 'husky'), path.join(h.dir, 'node_modules', 'husky'), { recursive: true });
  fs.symlinkSync('../husky/bin.js', path.join(h.dir, 'node_modules', '.bin', 'husky'));
  await sh(h.dir, h.env, 'npx', ['--no', 'husky']);
  for (const hook of hooks) fs.writeFileSync(path.join(h.dir, '.husky', hook), '');
  const hp = (await h.git(['config', 'core.hooksPath'])).out;
  must(hp === '.husky/_', `husky did not set core.hooksPath (got ${hp})`);
}

/** lefthook from the npm registry into a temp prefix; returns the prefix and version, or null (with the reason) when it does not run here. */
async function fetchLefthook(sb: Sandbox): Promise<{ prefix: string; version: string } | { error: string }> {
  const prefix = sb.tmp('lefthook-pkg');
  fs.mkdirSync(prefix, { recursive: true });
  const r = await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', 'lefthook'], { cwd: prefix, env: sb.env, timeoutMs: 180_000 });
  if (r.code !== 0) return { error: `npm install lefthook failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` };
  const v = await run(process.execPath, [path.join(prefix, 'node_modules', 'lefthook', 'bin', 'index.js'), 'version'], { cwd: prefix, env: sb.env });
  if (v.code !== 0) return { error: `the lefthook binary does not run here: ${v.stderr.trim() || v.stdout.trim()}` };
  return { prefix, version: v.stdout.trim() };
}

/** lefthook as a project uses it: node_modules/lefthook(+ platform package), lefthook.yml with a no-op command per hook, `lefthook install`. */
async function installLefthook(h: Host, prefix: string, hooks: string[]): Promise<void> {
  const nm = path.join(h.dir, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  for (const pkg of fs.readdirSync(path.join(prefix, 'node_modules'))) {
    if (pkg.startsWith('lefthook')) fs.symlinkSync(path.join(prefix, 'node_modules', pkg), path.join(nm, pkg));
  }
  fs.writeFileSync(path.join(h.dir, 'lefthook.yml'), hooks.map((hook) => `${hook}:\n  commands:\n    noop:\n      run: "true"\n`).join(''));
  await sh(h.dir, h.env, process.execPath, [path.join(nm, 'lefthook', 'bin', 'index.js'), 'install']);
  for (const hook of hooks) must(fs.existsSync(path.join(h.dir, '.git', 'hooks', hook)), `lefthook install wrote no ${hook} hook`);
}

// ---------------------------------------------------------------- 1 + 2: commit and checkout

interface Variant { name: string; host: Host; dx: boolean }

/** Round-robin over the variants (rotating who goes first), waiting for background work to finish after every sample. */
async function measureRounds(variants: Variant[], args: (v: Variant, i: number) => string[], n: number, warm: number): Promise<Map<Variant, { ms: number[]; waits: number[]; lag: number }>> {
  const got = await roundRobin(variants, n, warm, async (v, i) => {
    const r = await mustTime('git', args(v, i), { cwd: v.host.dir, env: v.host.env });
    return { ms: r.ms, waited: await quiesce(v.host.dir), lag: r.closeLagMs > 50 };
  });
  return new Map(variants.map((v) => {
    const s = got.get(v)!;
    return [v, { ms: s.map((x) => x.ms), waits: s.map((x) => x.waited), lag: s.filter((x) => x.lag).length }];
  }));
}

async function hookScenarios(sb: Sandbox, env: NodeJS.ProcessEnv, lefthook: { prefix: string; version: string } | { error: string }): Promise<void> {
  const HOOKS = ['post-commit', 'post-checkout'];
  const mk = async (dir: string): Promise<Host> => {
    // Each repository gets its own bare remote, so two dx-hooks repositories never push the same WIP ref.
    const remote = await createBareRemote(sb, `${dir}-remote.git`);
    await seedRemote(sb, remote);
    const h = await cloneAs(sb, remote, HOST, dir);
    h.env = { ...env };
    h.git = (a, o) => git(h.dir, h.env, a, o);
    // Two branches that differ by 20 files, so a checkout does real work in every variant alike.
    await h.git(['switch', '-q', '-c', 'other']);
    for (let i = 0; i < 20; i++) await h.write(`other/file-${i}.txt`, `other ${i}\n`);
    await h.commit('other branch');
    await h.git(['switch', '-q', 'main']);
    for (let i = 0; i < 20; i++) await h.write(`main-only/file-${i}.txt`, `main ${i}\n`);
    await h.commit('main files');
    return h;
  };

  const variants: Variant[] = [];
  variants.push({ name: 'no hook', host: await mk('h-none'), dx: false });
  const shHost = await mk('h-sh');
  for (const hook of HOOKS) {
    fs.writeFileSync(path.join(shHost.dir, '.git', 'hooks', hook), '#!/bin/sh\n');
    fs.chmodSync(path.join(shHost.dir, '.git', 'hooks', hook), 0o755);
  }
  variants.push({ name: 'empty sh hook', host: shHost, dx: false });
  // The floor of dx-hooks' own shape: an empty sh script in every place dx-hooks installs a hook (a commit
  // runs pre-commit, post-commit and reference-transaction twice; a checkout post-checkout and
  // reference-transaction twice). What dx-hooks adds over this row is its own work in sh.
  const shAllHost = await mk('h-sh-all');
  for (const hook of DX_HOOKS) {
    fs.writeFileSync(path.join(shAllHost.dir, '.git', 'hooks', hook), '#!/bin/sh\n');
    fs.chmodSync(path.join(shAllHost.dir, '.git', 'hooks', hook), 0o755);
  }
  const shAll: Variant = { name: `empty sh hooks in dx-hooks' ${DX_HOOKS.length} places (the floor of its shape)`, host: shAllHost, dx: false };
  variants.push(shAll);
  const huskyHost = await mk('h-husky');
  await installHusky(huskyHost, HOOKS);
  variants.push({ name: 'husky 9 (empty hook)', host: huskyHost, dx: false });
  if ('prefix' in lefthook) {
    const lh = await mk('h-lefthook');
    await installLefthook(lh, lefthook.prefix, HOOKS);
    variants.push({ name: `lefthook ${lefthook.version} (no-op command)`, host: lh, dx: false });
  }
  const dxHost = await mk('h-dx');
  await dxInstall(dxHost);
  variants.push({ name: 'dx-hooks', host: dxHost, dx: true });
  // Issue 13: what prepare-commit-msg adds to a person's commit (no agent in the environment: it ends in sh).
  const noPcm = await mk('h-dx-no-pcm');
  await dxInstall(noPcm);
  fs.rmSync(path.join(noPcm.dir, '.git', 'hooks', 'prepare-commit-msg'));
  // Removing a hook changed the hooks folder: refresh install's stamp, and take the hook out of install's
  // record, or the hooks' check (hooks and worker) would find it gone and every later hook would print (and
  // pay for) that alert.
  const manifestFile = path.join(noPcm.dir, '.git', 'dx', 'install.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { hooks: Record<string, unknown> };
  delete manifest.hooks['prepare-commit-msg'];
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  const pcmStamp = path.join(noPcm.dir, '.git', 'dx', 'hooks', 'stamp');
  const pcmLater = new Date(Date.now() + 1000);
  fs.utimesSync(pcmStamp, pcmLater, pcmLater);
  const noPcmVariant: Variant = { name: 'dx-hooks without its prepare-commit-msg hook', host: noPcm, dx: true };
  variants.push(noPcmVariant);
  const huskyDx = await mk('h-husky-dx');
  await installHusky(huskyDx, HOOKS);
  await dxInstall(huskyDx);
  must(fs.readFileSync(path.join(huskyDx.dir, '.husky', 'post-commit'), 'utf8').includes('dx-hooks'), 'dx-hooks did not add its block to .husky/post-commit');
  variants.push({ name: 'husky 9 + dx-hooks', host: huskyDx, dx: true });

  const base = variants[0]!;
  const dxMain = variants.find((v) => v.name === 'dx-hooks')!;
  const report = (section: string, res: Map<Variant, { ms: number[]; waits: number[]; lag: number }>, what: string, targetMs: number) => {
    const baseRow: Row = { section, variant: base.name, samples: res.get(base)!.ms };
    rows.push(baseRow);
    for (const v of variants.slice(1)) {
      const r = res.get(v)!;
      const bits: string[] = [];
      if (v.dx) bits.push(`background worker done ${fmt(median(r.waits))} ms after git returned (median, untimed)`);
      if (r.lag) bits.push(`${r.lag} samples held git's stdout/stderr open > 50 ms after exit`);
      rows.push({ section, variant: v.name, samples: r.ms, baseline: baseRow, target: v === dxMain ? { kind: 'added', ms: targetMs } : undefined, note: bits.join('; ') || undefined });
    }
    // dx-hooks against the floor of its shape: the cost of its own sh work.
    rows.push({ section, variant: 'dx-hooks against the floor of its shape', samples: res.get(dxMain)!.ms, baseline: { section, variant: shAll.name, samples: res.get(shAll)!.ms } });
    // A commit runs prepare-commit-msg; a checkout does not (the row shows the noise between two equal setups).
    rows.push({ section, variant: 'dx-hooks against the same without prepare-commit-msg (no agent in the environment)', samples: res.get(dxMain)!.ms, baseline: { section, variant: noPcmVariant.name, samples: res.get(noPcmVariant)!.ms }, target: targetMs === 10 ? { kind: 'added', ms: 2 } : undefined });
    log(`${what}: done`);
  };

  log(`commit: ${variants.length} variants × (${WARM_HOOK} warm-up + ${N_HOOK}) samples`);
  const commits = await measureRounds(variants, () => ['commit', '--allow-empty', '-m', 'x'], N_HOOK, WARM_HOOK);
  // Issue 12: one commit's foreground cost under +10 ms (it was +15 ms before).
  report('1. `git commit --allow-empty -m x`', commits, 'commit', 10);
  // The mirror really happened: each dx repository's remote has its HEAD as this host's WIP ref, and an index.
  for (const v of variants.filter((x) => x.dx)) {
    const head = (await v.host.git(['rev-parse', 'HEAD'])).out;
    const remote = (await v.host.git(['remote', 'get-url', 'origin'])).out;
    const ref = `refs/heads/wip/${HOST}/main`;
    const refs = await lsRemote(env, remote, ref);
    must(refs.get(ref) === head, `${v.name}: the remote's ${ref} is ${refs.get(ref) ?? 'missing'}, not HEAD ${head}`);
    must((await lsRemote(env, remote, 'refs/heads/dx/index')).size === 1, `${v.name}: dx-hooks pushed no dx/index`);
    const logText = fs.readFileSync(path.join(v.host.dir, '.git', 'dx', 'worker.log'), 'utf8');
    const bad = logText.split('\n').filter((l) => /fail|error/i.test(l));
    if (bad.length) notes.push(`${v.name}: worker.log reports ${bad.length} failures, e.g. ${bad.slice(0, 2).join(' | ')}`);
  }

  log(`checkout: ${variants.length} variants × (${WARM_HOOK} warm-up + ${N_HOOK}) samples`);
  const checkouts = await measureRounds(variants, (_v, i) => ['checkout', '-q', i % 2 === 0 ? 'other' : 'main'], N_HOOK, WARM_HOOK);
  report('2. `git checkout <branch>` (alternating)', checkouts, 'checkout', 15);
}

// ---------------------------------------------------------------- 3: snapshot

async function snapshotScenario(sb: Sandbox, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = sb.tmp('snap');
  fs.mkdirSync(dir);
  await git(dir, env, ['init', '-q', '-b', 'main']);
  // A remote that cannot be reached: the CLI's push fails fast and the snapshot stays local.
  await git(dir, env, ['remote', 'add', 'origin', sb.tmp('no-such-remote.git')]);
  const tGen = await timeFn(async () => generateFixture(dir, FILES));
  const fx = tGen.value;
  log(`fixture: ${fx.files.length} files, ${(fx.bytes / 1e6).toFixed(1)} MB, ${fx.files.filter((f) => f.binary).length} binary, written in ${fmt(tGen.ms)} ms`);
  const tAdd = await timeFn(() => git(dir, env, ['add', '-A']));
  await git(dir, env, ['commit', '-q', '-m', 'fixture']);
  log(`fixture committed (git add -A: ${fmt(tAdd.ms)} ms)`);
  // A settled stat cache, as in a repository used for a while: refresh the index after the clock moved on.
  await new Promise((r) => setTimeout(r, 1100));
  await git(dir, env, ['update-index', '-q', '--refresh']);
  const dirt = dirtyFixture(dir, fx, 50, 20);
  const porcelain = (await git(dir, env, ['status', '--porcelain'])).out.split('\n').filter(Boolean);
  must(porcelain.length >= 50 + 5, `the dirty fixture shows ${porcelain.length} status lines`);

  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const { openSession } = await dist('core/session.js');
  const { takeSnapshot } = await dist('core/snapshot.js');
  const { parseSize } = await dist('core/config/schema.js');
  const s = await openSession(dir);
  const opts = { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), host: s.host };
  const indexFile = path.join(dir, '.git', 'index');

  const kinds = ['git status --porcelain', 'git stash create', 'takeSnapshot (in-process)', 'dx-hooks checkpoint (whole CLI)'] as const;
  const samples: Record<(typeof kinds)[number], number[]> = Object.fromEntries(kinds.map((k) => [k, []])) as never;
  let snapSha = '';
  const unchanged = (before: ReturnType<typeof fileFingerprint>, what: string) => {
    const after = fileFingerprint(indexFile);
    if (after.sha !== before.sha || after.mtimeNs !== before.mtimeNs || after.size !== before.size) {
      throw new Error(`${what} changed the real index ${indexFile}: sha ${before.sha.slice(0, 12)} → ${after.sha.slice(0, 12)}, mtime ${before.mtimeNs} → ${after.mtimeNs}`);
    }
  };
  let checks = 0;
  log(`snapshot: ${kinds.length} variants × (${WARM_SNAP} warm-up + ${N_SNAP}) samples`);
  for (let i = 0; i < WARM_SNAP + N_SNAP; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length]!;
      let ms: number;
      if (kind === 'git status --porcelain') ms = (await mustTime('git', ['status', '--porcelain'], { cwd: dir, env })).ms;
      else if (kind === 'git stash create') {
        const r = await mustTime('git', ['stash', 'create'], { cwd: dir, env });
        must(/^[0-9a-f]{40}$/.test(r.stdout.trim()), `git stash create printed ${JSON.stringify(r.stdout)}`);
        ms = r.ms;
      } else if (kind === 'takeSnapshot (in-process)') {
        const before = fileFingerprint(indexFile);
        const t = await timeFn(() => takeSnapshot(s.ctx, opts) as Promise<{ sha: string; dirty: boolean; excluded: unknown[] }>);
        unchanged(before, 'takeSnapshot');
        checks++;
        must(t.value.dirty, 'takeSnapshot says the dirty tree is clean');
        snapSha = t.value.sha;
        ms = t.ms;
      } else {
        const before = fileFingerprint(indexFile);
        // Exit 1 is expected: the snapshot is taken, its push to the unreachable remote fails and is kept pending.
        const r = await mustTime(process.execPath, [dxBin, 'checkpoint', '--json'], { cwd: dir, env, ok: [0, 1] });
        unchanged(before, 'dx-hooks checkpoint');
        checks++;
        const j = JSON.parse(r.stdout) as { snapshot: { dirty: boolean } };
        must(j.snapshot.dirty, 'dx-hooks checkpoint says the dirty tree is clean');
        ms = r.ms;
      }
      if (i >= WARM_SNAP) samples[kind].push(ms);
    }
  }
  // What the snapshot holds: exactly the 50 modified + 20 untracked files, odd names included.
  const changed = (await git(dir, env, ['-c', 'core.quotePath=false', 'diff', '--name-only', '-z', 'HEAD', snapSha])).stdout.split('\0').filter(Boolean).sort();
  const expected = [...dirt.modified, ...dirt.untracked].sort();
  must(JSON.stringify(changed) === JSON.stringify(expected), `the snapshot differs from HEAD in ${changed.length} paths, expected the ${expected.length} touched ones`);
  notes.push(`snapshot: the real .git/index kept its bytes and mtime across all ${checks} takeSnapshot/checkpoint runs (asserted); the snapshot commit holds exactly the ${dirt.modified.length} modified + ${dirt.untracked.length} untracked paths (asserted).`);
  notes.push(`snapshot fixture: ${fx.files.length} files (${(fx.bytes / 1e6).toFixed(1)} MB, ${fx.files.filter((f) => f.binary).length} binary, unicode and spaced names), \`git add -A\` of it took ${fmt(tAdd.ms)} ms.`);

  const section = `3. snapshot, ${fx.files.length.toLocaleString('en')} files, 50 modified + 20 untracked`;
  const stash: Row = { section, variant: 'git stash create', samples: samples['git stash create'] };
  rows.push({ section, variant: 'git status --porcelain', samples: samples['git status --porcelain'], baseline: stash });
  rows.push(stash);
  rows.push({ section, variant: 'dx-hooks takeSnapshot (in-process)', samples: samples['takeSnapshot (in-process)'], baseline: stash, target: { kind: 'ratio', max: 1.5 } });
  rows.push({ section, variant: 'dx-hooks checkpoint (whole CLI, push fails)', samples: samples['dx-hooks checkpoint (whole CLI)'], baseline: stash, note: 'node start + config + snapshot + a failing push to an unreachable remote (kept pending, retried by the next run)' });
}

// ---------------------------------------------------------------- 4: restore

async function restoreScenario(sb: Sandbox, env: NodeJS.ProcessEnv): Promise<void> {
  const remote = await createBareRemote(sb, 'restore-remote.git');
  await seedRemote(sb, remote);
  const a = await cloneAs(sb, remote, 'other', 'host-other');
  a.env = { ...env, DX_HOST: 'other', DX_WIP_PUSH: 'sync' };
  a.git = (args, o) => git(a.dir, a.env, args, o);
  await dxInstall(a);
  // Host "other" has local work the remote's main lacks: 300 files in a commit, mirrored in the foreground.
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`work/part-${Math.floor(i / 30)}/file-${i}.ts`] = `export const v${i} = ${i};\n`.repeat(20);
  const sha = await a.commit('work on host other', files);
  const wip = await lsRemote(env, remote, 'refs/heads/wip/other/main');
  must(wip.get('refs/heads/wip/other/main') === sha, `host other's WIP was not pushed in sync mode (remote has ${JSON.stringify([...wip])})`);

  const samples: number[] = [];
  log(`restore: 1 warm-up + ${N_RESTORE} samples, each into a fresh clone`);
  for (let i = 0; i < 1 + N_RESTORE; i++) {
    const b = await cloneAs(sb, remote, HOST, `host-b-${i}`);
    b.env = { ...env };
    await dxInstall(b);
    const r = await mustTime(process.execPath, [dxBin, 'restore', '--host', 'other', '--branch', 'main'], { cwd: b.dir, env: b.env });
    const got = (await git(b.dir, b.env, ['rev-parse', 'refs/heads/rescue/other/main'])).out;
    must(got === sha, `restore made rescue/other/main at ${got}, expected ${sha}`);
    await quiesce(b.dir);
    fs.rmSync(b.dir, { recursive: true, force: true });
    if (i >= 1) samples.push(r.ms);
  }
  rows.push({ section: '4. `dx-hooks restore --host other --branch main` (fresh clone, local bare remote)', variant: 'dx-hooks restore', samples, target: { kind: 'absolute', ms: 2000 }, note: 'fetches 300 files of WIP the clone lacks, creates rescue/other/main' });
}

// ---------------------------------------------------------------- table

function verdict(r: Row): { vs: string; target: string; result: string } {
  const m = median(r.samples);
  const b = r.baseline ? median(r.baseline.samples) : NaN;
  let vs = '';
  if (r.baseline) vs = r.target?.kind === 'ratio' || r.baseline.variant.startsWith('git stash') ? `×${(m / b).toFixed(2)} of ${r.baseline.variant}` : `${m - b >= 0 ? '+' : ''}${fmt(m - b)} ms (×${(m / b).toFixed(2)})`;
  if (!r.target) return { vs, target: '', result: '' };
  if (r.target.kind === 'added') return { vs, target: `< +${r.target.ms} ms`, result: m - b < r.target.ms ? 'met' : '**MISSED**' };
  if (r.target.kind === 'ratio') return { vs, target: `≤ ×${r.target.max}`, result: m / b <= r.target.max ? 'met' : '**MISSED**' };
  return { vs, target: `< ${r.target.ms} ms`, result: m < r.target.ms ? 'met' : '**MISSED**' };
}

const rowNotes: string[] = [];

function table(): string {
  const lines = ['| scenario | variant | n | median ms | p25–p75 ms | vs baseline | target | result |', '| --- | --- | --: | --: | --: | --- | --- | --- |'];
  let last = '';
  for (const r of rows) {
    const v = verdict(r);
    lines.push(`| ${r.section === last ? '' : r.section} | ${r.variant} | ${r.samples.length} | ${fmt(median(r.samples))} | ${fmt(quantile(r.samples, 0.25))}–${fmt(quantile(r.samples, 0.75))} | ${v.vs} | ${v.target} | ${v.result} |`);
    last = r.section;
    if (r.note) rowNotes.push(`${r.variant} (${r.section.split(' ')[0]}): ${r.note}`);
  }
  return lines.join('\n');
}

function machine(env: NodeJS.ProcessEnv): string {
  const v = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { env, encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  const cpu = os.cpus()[0]?.model ?? '?';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}; ${v('git', ['--version'])}; node ${process.version}; husky ${JSON.parse(fs.readFileSync(path.join(packageRoot, 'node_modules', 'husky', 'package.json'), 'utf8')).version}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  must(fs.existsSync(dxBin), `${dxBin} is missing: run npm run build first (npm run bench does)`);
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  const sb = await makeSandbox();
  const env: NodeJS.ProcessEnv = { ...sb.env, DX_HOST: HOST };
  // takeSnapshot runs in this process and its git inherits process.env: pin it like every child.
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
  try {
    log(`sandbox ${sb.root}${QUICK ? ' (BENCH_QUICK=1: a smoke run, not numbers to publish)' : ''}`);
    const selected = (name: string) => !ONLY || ONLY.includes(name);
    const lefthook = selected('hooks') ? await fetchLefthook(sb) : { error: 'not fetched (hooks step not selected)' };
    if (!selected('hooks')) {
      // BENCH_ONLY without the hook-manager comparison: no lefthook install, no note.
    } else if ('error' in lefthook) notes.push(`lefthook: not included — ${lefthook.error}`);
    else notes.push(`lefthook ${lefthook.version} installed from the npm registry into a temp prefix (Go binary from its optional platform package); its hooks run one \`run: "true"\` command.`);
    const ctx: BenchContext = { sb, env, host: HOST, n: N_HOOK, warm: WARM_HOOK, nSlow: N_SNAP, warmSlow: WARM_SNAP, rows, notes, log };
    const steps: [string, () => Promise<void>][] = [
      ['hooks', () => hookScenarios(sb, env, lefthook)],
      ['snapshot', () => snapshotScenario(sb, env)],
      ['restore', () => restoreScenario(sb, env)],
      ['protect', () => protectCommitScenario(ctx)],
      ['guard', () => guardScenario(ctx)],
      ['triage', () => triageScenario(ctx)],
      ['diagnose', async () => (await import('./diagnose.ts')).diagnoseScenario(ctx)],
      ['critical', async () => (await import('./critical.ts')).criticalScenario(ctx)],
      ['index', async () => (await import('./index.ts')).indexScenario(ctx)],
      ['staged', async () => (await import('./staged.ts')).stagedScenario(ctx)],
      ['sustained', async () => (await import('./sustained.ts')).sustainedScenario(ctx)],
      ['rebase', async () => (await import('./sustained.ts')).rebaseScenario(ctx)],
      ['checkpoint', async () => (await import('./checkpoint.ts')).checkpointScenario(ctx)],
      ['hosts', async () => (await import('./hosts.ts')).hostsScenario(ctx)],
      ['fleet', async () => (await import('./fleet.ts')).fleetScenario(ctx)],
      ['sessions', async () => (await import('./sessions.ts')).sessionsScenario(ctx)],
      ['agents', async () => (await import('./agents.ts')).agentsScenario(ctx)],
    ];
    const unknown = (ONLY ?? []).filter((name) => !steps.some(([s]) => s === name));
    must(!unknown.length, `BENCH_ONLY names no step: ${unknown.join(', ')} (steps: ${steps.map(([s]) => s).join(', ')})`);
    for (const [name, fn] of steps.filter(([name]) => selected(name))) {
      try {
        await fn();
      } catch (err) {
        failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
        log(`${name} FAILED: ${(err as Error).message}`);
      }
    }
    const out = [
      `dx-hooks benchmarks — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round((Date.now() - started) / 1000)} s`,
      '',
      `Machine: ${machine(env)}. Load average (1 min) ${loadBefore} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end.`,
      '',
      table(),
      '',
      ...rowNotes.map((n) => `- ${n}`),
      ...notes.map((n) => `- ${n}`),
      ...failures.map((f) => `- FAILED: ${f}`),
    ].join('\n');
    process.stdout.write(out + '\n');
  } finally {
    await sb.cleanup();
  }
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
