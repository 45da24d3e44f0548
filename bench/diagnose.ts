// Why: issue 5 — `dx-hooks diagnose <path>` must stay close to what git itself needs to answer the
// question, `git log --all --follow -- <path>`, in a long history: a 10,000-commit repository built
// with `git fast-import`, the path renamed, modified and finally deleted along the way, measured side
// by side in one run (the whole CLI, node start-up included, against the git log alone).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dxBin, git, packageRoot, run } from '../test/helpers/index.ts';
import { fmt, median, must, mustTime, roundRobin, timeFn, timeSpawn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const COMMITS = Number(process.env.BENCH_DIAGNOSE_COMMITS) || 10_000;
const FILES = 200;
const TARGET = 'tools/deploy.sh';
const OLD_NAME = 'scripts/deploy.sh';
/** Commit numbers (1-based) where the target is added (old name), renamed, modified, deleted. */
const ADD = 100;
const RENAME = Math.floor(COMMITS * 0.3);
const MODIFY = [0.2, 0.4, 0.6, 0.8].map((f) => Math.floor(COMMITS * f)).filter((n) => n !== RENAME);
const DELETE = Math.floor(COMMITS * 0.9);

/** One `data` block of a fast-import stream (byte length, then the bytes). */
const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;

/**
 * The fast-import stream: `main` with COMMITS commits (each rewrites one of FILES files; the target
 * is added as OLD_NAME at ADD, renamed to TARGET at RENAME, modified at MODIFY, deleted at DELETE),
 * plus a `release` branch and another host's WIP ref (remote-tracking copy) forked at the middle.
 */
function stream(start: number): string {
  const out: string[] = [];
  const who = (n: number) => `Bench <bench@example.invalid> ${start + n * 600} +0000`;
  for (let n = 1; n <= COMMITS; n++) {
    const ops = [`M 100644 inline src/file-${n % FILES}.txt\n${data(`content ${n}\n`)}`];
    let msg = `change ${n}`;
    const change = (op: string, m: string) => {
      ops.push(op);
      msg = m;
    };
    if (n === ADD) change(`M 100755 inline ${OLD_NAME}\n${data('#!/bin/sh\necho deploy v1\n')}`, 'add the deploy script');
    if (n === RENAME) change(`R ${OLD_NAME} ${TARGET}\n`, 'move the deploy script');
    if (MODIFY.includes(n)) change(`M 100755 inline ${n < RENAME ? OLD_NAME : TARGET}\n${data(`#!/bin/sh\necho deploy v${n}\n`)}`, 'update the deploy script');
    if (n === DELETE) change(`D ${TARGET}\n`, 'remove the deploy script');
    out.push(`commit refs/heads/main\nmark :${n}\nauthor ${who(n)}\ncommitter ${who(n)}\n${data(msg)}${n > 1 ? `from :${n - 1}\n` : ''}${ops.join('')}`);
  }
  const mid = Math.floor(COMMITS / 2);
  out.push(`reset refs/heads/release\nfrom :${mid}\n`);
  out.push(`commit refs/remotes/origin/wip/other/main\nauthor ${who(COMMITS + 1)}\ncommitter ${who(COMMITS + 1)}\n${data('wip of host other')}from :${mid}\nM 100644 inline other/notes.md\n${data('notes\n')}`);
  return out.join('');
}

/** Build the fixture repository in the empty folder `dir` (checked out at main). Returns the sha of the commit that deleted the target. */
export async function buildDiagnoseFixture(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const g = async (args: string[]) => (await git(dir, env, args)).out;
  await g(['init', '-q', '-b', 'main']);
  const start = Math.floor(Date.now() / 1000) - (COMMITS + 10) * 600;
  const imported = await run('git', ['fast-import', '--quiet'], { cwd: dir, env, input: stream(start), timeoutMs: 600_000 });
  must(imported.code === 0, `git fast-import failed: ${imported.stderr}`);
  await g(['reset', '-q', '--hard', 'main']);
  const count = Number(await g(['rev-list', '--count', '--all']));
  must(count === COMMITS + 1, `the fixture has ${count} commits, expected ${COMMITS + 1}`);
  must(fs.existsSync(path.join(dir, 'src', 'file-1.txt')) && !fs.existsSync(path.join(dir, TARGET)), 'the work tree is not main\'s (or still has the target)');
  return g(['rev-parse', `main~${COMMITS - DELETE}`]);
}

/** A ledger as an installed repository has one: `n` lines of WIP pushes and restores, none naming the target. */
function writeLedger(dir: string, n: number, start: number): void {
  const lines = Array.from({ length: n }, (_, i) => {
    const ts = start + i * 3600;
    const id = `${ts}-${(i % 4096).toString(16).padStart(6, '0')}`;
    return i % 50 === 49
      ? { id, ts, host: 'bench', op: 'checkpoint.restore', ok: true, refs: {}, detail: { name: `cp${i}`, snapshot: 'f'.repeat(40), checkpoint: 'e'.repeat(40), removed: [`src/file-${i % FILES}.txt`], summary: `restored checkpoint cp${i}` } }
      : { id, ts, host: 'bench', op: 'wip.push', ok: true, refs: { 'refs/heads/wip/bench/main': { old: 'a'.repeat(40), new: 'b'.repeat(40) } }, detail: { remote: 'origin' } };
  });
  fs.mkdirSync(path.join(dir, '.git', 'dx'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.git', 'dx', 'events.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

export async function diagnoseScenario(ctx: BenchContext): Promise<void> {
  const dir = ctx.sb.tmp('diagnose-repo');
  fs.mkdirSync(dir);
  // Own config folders: without a machine config (the fixture as built), and with one (what an installed machine has).
  const bare = ctx.sb.tmp('diagnose-xdg-none');
  const installed = ctx.sb.tmp('diagnose-xdg-machine');
  fs.mkdirSync(bare, { recursive: true });
  fs.mkdirSync(path.join(installed, 'dx-hooks'), { recursive: true });
  fs.writeFileSync(path.join(installed, 'dx-hooks', 'config.json'), JSON.stringify({ repos: [dir] }) + '\n');
  const env = { ...ctx.env, XDG_CONFIG_HOME: bare };
  const envMachine = { ...ctx.env, XDG_CONFIG_HOME: installed };
  const g = async (args: string[]) => (await git(dir, env, args)).out;
  const t0 = Date.now();
  const deleted = await buildDiagnoseFixture(dir, env);
  writeLedger(dir, 300, Math.floor(Date.now() / 1000) - 300 * 3600);
  const buildS = (Date.now() - t0) / 1000;
  ctx.log(`diagnose: ${COMMITS} commits imported in ${buildS.toFixed(1)} s`);
  const gitArgs = ['log', '--all', '--follow', '--', TARGET];
  const dxArgs = [dxBin, 'diagnose', TARGET, '--json'];
  // Correctness once (untimed): the verdict, and the same commits as git's own walk.
  const once = await mustTime(process.execPath, dxArgs, { cwd: dir, env, ok: [1] });
  const doc = JSON.parse(once.stdout) as { paths: { verdict: { code: string; sha?: string }; history: { sha: string; status: string }[] }[] };
  const p = doc.paths[0]!;
  must(p.verdict.code === 'DELETED_IN_COMMIT' && p.verdict.sha === deleted, `diagnose said ${p.verdict.code} ${p.verdict.sha ?? ''}, expected DELETED_IN_COMMIT ${deleted}`);
  const gitShas = (await g(['log', '--all', '--follow', '--format=%H', '--', TARGET])).split('\n').filter(Boolean);
  must(JSON.stringify(p.history.map((e) => e.sha)) === JSON.stringify(gitShas), `diagnose listed ${p.history.length} commits, git log ${gitShas.length}`);
  must(p.history.map((e) => e.status).join('') === ['D', ...MODIFY.filter((n) => n > RENAME).map(() => 'M'), 'R', ...MODIFY.filter((n) => n < RENAME).map(() => 'M'), 'A'].join(''), `unexpected statuses ${p.history.map((e) => e.status).join('')}`);
  const traced = await timeSpawn(process.execPath, dxArgs, { cwd: dir, env: { ...env, DX_DEBUG: '1' } });
  // DX_DEBUG=1 prints each git command as JSON strings; name each by its subcommand (the first argument that is not an option).
  const gitCalls = traced.stderr.split('\n').filter((l) => l.startsWith('dx-hooks: git ')).map((l) => (l.match(/"(?:[^"\\]|\\.)*"/g) ?? []).map((a) => JSON.parse(a) as string).find((a) => !a.startsWith('-')) ?? '?');

  // The core in this process (modules loaded once, no node start-up): what diagnose itself costs.
  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const [{ openRepo }, { openSession }, { resolvePaths }, { prefetch }, { diagnose }] = await Promise.all(['core/context.js', 'core/session.js', 'core/diagnose/paths.js', 'core/diagnose/prefetch.js', 'core/diagnose/run.js'].map(dist));
  const inProcess = async () => {
    const ctxR = await openRepo(dir);
    const named = resolvePaths(fs.realpathSync(ctxR.top), dir, [TARGET]);
    const pre = prefetch(ctxR, named);
    const r = await diagnose(await openSession(dir), named, { since: null, until: null }, pre) as typeof doc;
    must(r.paths[0]?.verdict.sha === deleted, 'the in-process diagnose gave another verdict');
  };

  type Kind = 'git' | 'dx' | 'dx-machine' | 'in-process' | 'startup';
  const kinds: Kind[] = ['git', 'dx', 'dx-machine', 'in-process', 'startup'];
  ctx.log(`diagnose: ${kinds.length} variants × (${ctx.warmSlow} warm-up + ${ctx.nSlow}) samples`);
  const got = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    if (kind === 'git') return (await mustTime('git', gitArgs, { cwd: dir, env })).ms;
    if (kind === 'startup') return (await mustTime(process.execPath, [dxBin, '--version'], { cwd: dir, env })).ms;
    if (kind === 'in-process') return (await timeFn(inProcess)).ms;
    const r = await mustTime(process.execPath, dxArgs, { cwd: dir, env: kind === 'dx' ? env : envMachine, ok: [1] });
    must((JSON.parse(r.stdout) as typeof doc).paths[0]?.verdict.sha === deleted, 'a timed diagnose gave another verdict');
    return r.ms;
  });
  const section = `9. \`diagnose ${TARGET}\` in a ${COMMITS.toLocaleString('en')}-commit repository`;
  const base: Row = { section, variant: `git ${gitArgs.join(' ')}`, samples: got.get('git')! };
  const startup = median(got.get('startup')!);
  const whole = median(got.get('dx')!);
  ctx.rows.push(
    base,
    { section, variant: 'dx-hooks diagnose --json (whole CLI)', samples: got.get('dx')!, baseline: base, target: { kind: 'ratio', max: 2 }, note: `node start-up included; verdict DELETED_IN_COMMIT ${deleted.slice(0, 12)} and the same ${gitShas.length} commits as git's walk (asserted); ${gitCalls.length} git commands per run: ${gitCalls.join(', ')}` },
    { section, variant: '… with a machine config present (plainly valid: no zod)', samples: got.get('dx-machine')!, baseline: base },
    { section, variant: 'diagnose core in-process (no node start-up)', samples: got.get('in-process')!, baseline: base, note: 'openRepo + prefetch + openSession + diagnose() from dist/, modules already loaded' },
    { section, variant: 'node dist/cli.js --version (node start-up + the CLI module)', samples: got.get('startup')!, baseline: base },
  );
  ctx.notes.push(
    `diagnose (9.): \`git fast-import\` of ${COMMITS} commits on main (each rewrites one of ${FILES} files), ${TARGET} added as ${OLD_NAME} at commit ${ADD}, renamed at ${RENAME}, modified at ${MODIFY.join(', ')}, deleted at ${DELETE}; plus a release branch and another host's WIP ref (remote-tracking) forked at the middle, and a 300-line ledger (WIP pushes, checkpoint restores) that never names the target; imported and checked out in ${buildS.toFixed(1)} s. ` +
      `The whole CLI minus node start-up: ${fmt(whole - startup)} ms (${fmt(whole)} − ${fmt(startup)}).`,
  );
  ctx.log('diagnose: done');
}
