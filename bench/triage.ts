// Why: issue 4 — `dx-hooks status --repos` is the morning look over every repository on a machine,
// so it has to stay close to what a plain shell loop of `git status --porcelain` + `git rev-list
// --count` costs over the same repositories. 50 clones of one seeded remote, dx-hooks installed in
// each, measured side by side in one run: the plain loop (baseline), the CLI with --parallel 1 and 2.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dxBin, git, packageRoot } from '../test/helpers/index.ts';
import { prng, seededRemote } from './fixture.ts';
import { fmt, median, must, mustTime, processesIn, quiesce, roundRobin, timeFn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const REPOS = 50;
/** Files in the seeded remote's first commit (plus .gitignore and .dxrc.json). */
const SEED_FILES = 300;
/** Commits after the first one, each touching a few files (some add files). */
const HISTORY = 24;
/** Repositories with two local commits no remote has (dx-hooks' WIP push off while making them). */
const LOCAL_ONLY = new Set([5, 27]);
/** Repositories with 3 modified tracked files + 1 untracked file. */
const isDirty = (i: number) => i % 4 === 1;
/** Repositories that fetched the remote's 3 newer commits (3 behind their upstream). */
const isBehind = (i: number) => i % 3 === 0;

/**
 * The baseline: one sh, a fixed script text, the repository paths as arguments ($@). Per
 * repository a marker line (a builtin), `git status --porcelain` and the count of commits ahead.
 */
const LOOP = `for d do
  printf '== %s\\n' "$d"
  git -C "$d" status --porcelain || exit 1
  git -C "$d" rev-list --count '@{upstream}..HEAD' || exit 1
done
`;

interface Expect { dirty: number; ahead: number; behind: number }

/** What `status --repos --json` prints (the parts checked here). */
interface TriageJson {
  host: string;
  rows: { repo: string; installed: boolean; dirty: number; upstream: { ref: string; ahead: number; behind: number } | null; problems: { level: string; code: string }[] }[];
  failed: { repo: string; error: string }[];
  interrupted: string | null;
  progress: string;
}

/** The sh loop's output per repository: porcelain lines and the ahead count. */
function parseLoop(out: string): Map<string, { dirty: number; ahead: number }> {
  const res = new Map<string, { dirty: number; ahead: number }>();
  let cur: string | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (cur === null) return;
    const count = lines.pop();
    must(count !== undefined && /^\d+$/.test(count), `the loop printed no ahead count for ${cur}`);
    res.set(cur, { dirty: lines.length, ahead: Number(count) });
  };
  for (const line of out.split('\n')) {
    if (line.startsWith('== ')) {
      flush();
      cur = line.slice(3);
      lines = [];
    } else if (line) lines.push(line);
  }
  flush();
  return res;
}

/** Run `fn` over `items`, `n` at a time (setup only). */
async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** A bare spawn of git, stdout collected (the node-spawned loop, as a script of one's own would do it). */
function spawnGit(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`git ${args.join(' ')} exited ${code} in ${cwd}: ${Buffer.concat(err).toString('utf8')}`))));
  });
}

export async function triageScenario(ctx: BenchContext): Promise<void> {
  const env = ctx.env; // measured with the defaults (wip.push: background), no DX_WIP_PUSH
  const setupEnv = { ...ctx.env, DX_WIP_PUSH: 'off' }; // setup commits stay local-only: no WIP push lands
  const root = ctx.sb.tmp('triage');
  const reposDir = path.join(root, 'repos');
  fs.mkdirSync(reposDir, { recursive: true });
  const g = async (cwd: string, args: string[], e = setupEnv) => (await git(cwd, e, args)).out;
  const tSetup = Date.now();

  // ---- the seeded remote: ~300 files, 25 commits, main + a release branch, a committed .dxrc.json
  const { remote, work: seed, fx } = await seededRemote(root, SEED_FILES, 4_004, g);
  // The team adopted dx-hooks: the config `install` would create is committed, so install keeps it.
  fs.copyFileSync(path.join(packageRoot, 'templates', 'dxrc.json'), path.join(seed, '.dxrc.json'));
  await g(seed, ['add', '-A']);
  await g(seed, ['commit', '-q', '-m', 'initial import']);
  const text = fx.files.filter((f) => !f.binary).map((f) => f.rel);
  const rand = prng(44);
  const pick = () => text[Math.floor(rand() * text.length)]!;
  const touch = (dir: string, rel: string, line: string) => fs.appendFileSync(path.join(dir, rel), `${line}\n`);
  for (let c = 1; c <= HISTORY; c++) {
    for (let k = 0; k < 4; k++) touch(seed, pick(), `history ${c}.${k}`);
    if (c % 4 === 0) for (let k = 0; k < 2; k++) fs.writeFileSync(path.join(seed, 'src', `added-${c}-${k}.ts`), `export const added${c}_${k} = ${c * 10 + k};\n`);
    await g(seed, ['add', '-A']);
    await g(seed, ['commit', '-q', '-m', `change ${c}`]);
  }
  await g(seed, ['branch', 'release', 'HEAD~5']);
  await g(seed, ['push', '-q', 'origin', 'main', 'release']);
  const tracked = (await g(seed, ['ls-files'])).split('\n').filter(Boolean).length;

  // ---- 50 clones, dx-hooks installed in each (4 at a time: setup, untimed)
  const names = Array.from({ length: REPOS }, (_, i) => `repo-${String(i).padStart(2, '0')}`);
  const dirs = names.map((n) => path.join(reposDir, n));
  const expect = new Map<string, Expect>(dirs.map((d) => [d, { dirty: 0, ahead: 0, behind: 0 }]));
  await pool(dirs.map((d, i) => [d, i] as const), 4, async ([dir, i]) => {
    await g(root, ['clone', '-q', remote, dir]);
    await mustTime(process.execPath, [dxBin, 'install'], { cwd: dir, env: setupEnv });
    if (LOCAL_ONLY.has(i)) {
      // Two commits through the installed hooks, WIP push off: commits only this host has.
      for (let c = 0; c < 2; c++) {
        touch(dir, text[(i * 7 + c) % text.length]!, `local ${i}.${c}`);
        await g(dir, ['commit', '-q', '-am', `local work ${c}`]);
      }
      expect.get(dir)!.ahead = 2;
    }
    await quiesce(dir);
  });
  // The remote moves on (3 commits); a third of the clones fetched them.
  for (let c = 1; c <= 3; c++) {
    touch(seed, pick(), `later ${c}`);
    await g(seed, ['commit', '-q', '-am', `later ${c}`]);
  }
  await g(seed, ['push', '-q', 'origin', 'main']);
  for (const [i, dir] of dirs.entries()) {
    if (!isBehind(i)) continue;
    await g(dir, ['fetch', '-q', 'origin']);
    expect.get(dir)!.behind = 3;
  }
  // A settled stat cache (no racily-clean entries re-hashed on every status), then the dirty files.
  await new Promise((r) => setTimeout(r, 1100));
  for (const dir of dirs) await git(dir, setupEnv, ['update-index', '-q', '--refresh'], { allowFail: true });
  for (const [i, dir] of dirs.entries()) {
    if (!isDirty(i)) continue;
    for (let k = 0; k < 3; k++) touch(dir, text[(i * 13 + k * 31) % text.length]!, `uncommitted ${i}.${k}`);
    fs.writeFileSync(path.join(dir, 'src', `scratch-${i}.ts`), `export const scratch = ${i};\n`);
    expect.get(dir)!.dirty = 4;
  }
  for (const dir of dirs) await quiesce(dir);

  // dx-hooks really is installed everywhere, and the machine config lists every clone.
  const machineFile = path.join(env.XDG_CONFIG_HOME ?? '', 'dx-hooks', 'config.json');
  const listed = (JSON.parse(fs.readFileSync(machineFile, 'utf8')) as { repos?: string[] }).repos ?? [];
  const missing = dirs.filter((d) => !listed.includes(d));
  must(!missing.length, `the machine config ${machineFile} lacks ${missing.length} of the ${REPOS} clones, e.g. ${missing[0]}`);
  for (const dir of dirs) {
    for (const f of ['.git/hooks/post-commit', '.git/hooks/pre-commit', '.git/dx/install.json']) must(fs.existsSync(path.join(dir, f)), `${dir}: no ${f} after dx-hooks install`);
  }
  const setupS = (Date.now() - tSetup) / 1000;
  ctx.log(`triage: fixture of ${REPOS} clones (${tracked} tracked files each) ready in ${setupS.toFixed(0)} s`);

  // ---- the variants
  const progressFile = path.join(env.XDG_STATE_HOME ?? '', 'dx-hooks', 'status', 'batch-progress.json');
  type Kind = 'loop' | 'node-loop' | 'dx1' | 'dx2' | 'startup';
  const kinds: Kind[] = ['loop', 'node-loop', 'dx1', 'dx2', 'startup'];
  const dxArgs = (parallel: number) => [dxBin, 'status', '--repos', ...dirs, '--parallel', String(parallel), '--json'];
  let lastSession = '';
  let progressBytes = 0;
  let lingering = 0;

  /** One run of the CLI, checked: 50 rows, nothing failed, a fresh batch that finished. */
  const runDx = async (parallel: number, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await mustTime(process.execPath, dxArgs(parallel), { cwd: root, env: { ...env, ...extraEnv } });
    const j = JSON.parse(r.stdout) as TriageJson;
    must(j.rows.length === REPOS && j.failed.length === 0 && j.interrupted === null, `status --repos --parallel ${parallel}: ${j.rows.length} rows, ${j.failed.length} failed (${j.failed[0]?.error ?? ''}), interrupted ${j.interrupted}`);
    must(j.progress === progressFile, `the progress file is ${j.progress}, expected ${progressFile}`);
    must(!/resuming/.test(r.stderr), `status --repos resumed a batch: ${r.stderr.split('\n').find((l) => /resuming/.test(l))}`);
    const p = JSON.parse(fs.readFileSync(progressFile, 'utf8')) as { session_id: string; finished_at: number | null; completed: string[] };
    must(p.finished_at !== null && p.completed.length === REPOS, `the batch progress is not finished (${p.completed.length} completed)`);
    must(p.session_id !== lastSession, 'the batch did not start fresh (same session id as the previous run)');
    lastSession = p.session_id;
    progressBytes = fs.statSync(progressFile).size;
    // status --repos starts no background work: nothing may still run in the repositories.
    if (processesIn(reposDir).length) {
      lingering++;
      for (const dir of dirs) await quiesce(dir);
    }
    return { ms: r.ms, json: j, stderr: r.stderr };
  };
  const runLoop = () => mustTime('sh', ['-c', LOOP, 'sh', ...dirs], { cwd: root, env });
  const runNodeLoop = () =>
    timeFn(async () => {
      let out = '';
      for (const dir of dirs) {
        out += `== ${dir}\n`;
        out += await spawnGit(dir, env, ['status', '--porcelain']);
        out += await spawnGit(dir, env, ['rev-list', '--count', '@{upstream}..HEAD']);
      }
      return out;
    });

  // ---- correctness once (untimed): the loop, the node loop and dx-hooks agree with the fixture
  const loopOnce = parseLoop((await runLoop()).stdout);
  const nodeOnce = parseLoop((await runNodeLoop()).value);
  const dxOnce = await runDx(2);
  must(loopOnce.size === REPOS && nodeOnce.size === REPOS, `the loops saw ${loopOnce.size} / ${nodeOnce.size} repositories`);
  const rowOf = new Map(dxOnce.json.rows.map((r) => [r.repo, r]));
  for (const dir of dirs) {
    const e = expect.get(dir)!;
    const l = loopOnce.get(dir);
    const n = nodeOnce.get(dir);
    const row = rowOf.get(dir);
    must(l && n && row, `${dir} is missing from the loop, the node loop or dx-hooks' rows`);
    must(l.dirty === e.dirty && l.ahead === e.ahead && n.dirty === e.dirty && n.ahead === e.ahead, `${dir}: the loop says ${l.dirty} dirty / ${l.ahead} ahead, expected ${e.dirty} / ${e.ahead}`);
    must(row.installed && row.dirty === e.dirty && row.upstream?.ahead === e.ahead && row.upstream.behind === e.behind, `${dir}: dx-hooks says installed=${row.installed}, ${row.dirty} dirty, ${row.upstream?.ahead} ahead / ${row.upstream?.behind} behind; expected ${e.dirty}, ${e.ahead} / ${e.behind}`);
  }
  const codes = new Map<string, number>();
  for (const r of dxOnce.json.rows) for (const p of r.problems) codes.set(`${p.code} (${p.level})`, (codes.get(`${p.code} (${p.level})`) ?? 0) + 1);
  // How many git commands one run starts (DX_DEBUG=1 prints each), untimed.
  const traced = await runDx(2, { DX_DEBUG: '1' });
  const gitCalls = traced.stderr.split('\n').filter((l) => l.startsWith('dx-hooks: git ')).length;

  ctx.log(`triage: ${kinds.length} variants × (${ctx.warmSlow} warm-up + ${ctx.nSlow}) samples`);
  const got = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    if (kind === 'loop') {
      const r = await runLoop();
      must(parseLoop(r.stdout).size === REPOS, 'the sh loop did not cover every repository');
      return r.ms;
    }
    if (kind === 'node-loop') {
      const r = await runNodeLoop();
      must(parseLoop(r.value).size === REPOS, 'the node loop did not cover every repository');
      return r.ms;
    }
    if (kind === 'startup') return (await mustTime(process.execPath, [dxBin, '--version'], { cwd: root, env })).ms;
    return (await runDx(kind === 'dx1' ? 1 : 2)).ms;
  });

  const section = `7. \`status --repos\` over ${REPOS} repositories (${tracked} files each)`;
  const base: Row = {
    section,
    variant: 'plain sh loop',
    samples: got.get('loop')!,
    note: `one \`sh -c\` over the ${REPOS} paths, sequential: \`git -C "$d" status --porcelain\` and \`git -C "$d" rev-list --count '@{upstream}..HEAD'\` per repository (baseline)`,
  };
  ctx.rows.push(base);
  ctx.rows.push({ section, variant: 'the same loop spawned from node (100 spawns)', samples: got.get('node-loop')!, baseline: base });
  ctx.rows.push({ section, variant: 'dx-hooks status --repos … --parallel 1 --json', samples: got.get('dx1')!, baseline: base });
  ctx.rows.push({
    section,
    variant: 'dx-hooks status --repos … --parallel 2 --json',
    samples: got.get('dx2')!,
    baseline: base,
    target: { kind: 'ratio', max: 2 },
    note: `whole CLI (node start-up included); every run printed ${REPOS} rows and left a finished, fresh batch-progress.json (${(progressBytes / 1024).toFixed(0)} KiB, asserted)${lingering ? `; ${lingering} runs left a process in a repository` : ''}`,
  });
  ctx.notes.push(
    `status --repos (7.): fixture of ${REPOS} clones of one bare remote (${tracked} tracked files, ${HISTORY + 1} commits + 3 fetched by a third of them, main + release), dx-hooks installed in each and listed in the machine config (asserted); ` +
      `${dirs.filter((_, i) => isDirty(i)).length} with 3 modified + 1 untracked files, ${LOCAL_ONLY.size} with 2 local-only commits, ${dirs.filter((_, i) => isBehind(i)).length} 3 behind; built in ${setupS.toFixed(0)} s. ` +
      `dx-hooks' rows match the fixture and the loop's porcelain/rev-list counts (asserted). Problems reported: ${[...codes].map(([c, n]) => `${c} ×${n}`).join(', ') || 'none'}. ` +
      `One run starts ${gitCalls} git commands (${(gitCalls / REPOS).toFixed(1)} per repository, DX_DEBUG=1); \`node dist/cli.js --version\` (node start-up + the CLI module) took ${fmt(median(got.get('startup')!))} ms (median, same rounds).`,
  );
  ctx.log('triage: done');
}
