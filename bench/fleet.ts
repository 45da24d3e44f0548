// Why: issue 12 — a machine with many repositories. `sync` made 21 git calls and 2 fetches per
// repository (×7–12 of a plain fetch loop). Scenario 17 (BENCH_ONLY=fleet): 200 repositories (each a
// clone of its own copy of one seeded remote), dx-hooks installed in each, side by side in one run:
//   - `dx-hooks sync <200 paths>` against a plain `git fetch --prune` loop in sh (target ≤ 3×);
//   - `dx-hooks status --repos <200 paths>` against a plain `git status --porcelain` + ahead-count loop
//     (scenario 7's target, ≤ 2×, at four times its size);
//   - beside each, its floor in sh: the git commands the command cannot do without, with no node (sync: ls-remote,
//     fetch with the index, status, log; status: its three), so the table shows how far node's own cost is from it.
import fs from 'node:fs';
import path from 'node:path';
import { dxBin, git } from '../test/helpers/index.ts';
import { installHooks } from '../test/helpers/install.ts';
import { seededRemote } from './fixture.ts';
import { fmt, median, must, quiesce, roundRobin, timeSpawn, type Row, type Timed } from './lib.ts';
import type { BenchContext } from './protect.ts';

const REPOS = process.env.BENCH_QUICK === '1' ? 40 : 200;

const FETCH_LOOP = `for d do git -C "$d" fetch --prune --quiet origin || exit 1; done\n`;
// The floor of what sync must do per repository, in sh (no node): list the remote's refs (the check that no
// dx ref vanished), fetch with the WIP index, and read what the report needs (status, commits only here).
const SYNC_FLOOR_LOOP = `for d do
  git -C "$d" ls-remote origin >/dev/null || exit 1
  git -C "$d" fetch --prune --quiet origin '+refs/heads/*:refs/remotes/origin/*' '+refs/heads/dx/index*:refs/dx/index*' || exit 1
  git -C "$d" status --porcelain=v2 --branch -z >/dev/null || exit 1
  git -C "$d" log --format=%ct --branches --not --remotes --glob=refs/dx/pushed >/dev/null || exit 1
done
`;
// The same for status --repos: the three git commands its row needs, in sh.
const STATUS_FLOOR_LOOP = `for d do
  git -C "$d" status --porcelain=v2 --branch -z >/dev/null || exit 1
  git -C "$d" log --format=%ct --branches --not --remotes --glob=refs/dx/pushed >/dev/null || exit 1
  git -C "$d" rev-parse --git-path hooks >/dev/null || exit 1
done
`;
const STATUS_LOOP = `for d do
  printf '== %s\\n' "$d"
  git -C "$d" status --porcelain || exit 1
  git -C "$d" rev-list --count '@{upstream}..HEAD' || exit 1
done
`;

/** timeSpawn with a long timeout (a run over 200 repositories), failing the scenario on a non-zero exit. */
async function timed(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
  const r = await timeSpawn(cmd, args, { ...opts, timeoutMs: 900_000 });
  must(r.code === 0, `${cmd} ${args.slice(0, 3).join(' ')} … exited ${r.code}: ${r.stderr.slice(-400)}`);
  return r;
}

/** Scenario 17: sync and status --repos over 200 repositories. */
export async function fleetScenario(ctx: BenchContext): Promise<void> {
  const env = ctx.env;
  const setupEnv = { ...ctx.env, DX_WIP_PUSH: 'off' };
  const root = ctx.sb.tmp('fleet');
  const reposDir = path.join(root, 'repos');
  fs.mkdirSync(reposDir, { recursive: true });
  const g = async (cwd: string, args: string[]) => (await git(cwd, setupEnv, args)).out;
  const t0 = Date.now();
  const { remote, work: seed } = await seededRemote(root, 100, 1_717, g);
  await g(seed, ['add', '-A']);
  await g(seed, ['commit', '-q', '-m', 'initial import']);
  await g(seed, ['push', '-q', 'origin', 'main']);
  const dirs = Array.from({ length: REPOS }, (_, i) => path.join(reposDir, `repo-${String(i).padStart(3, '0')}`));
  // 200 repositories, each with a remote of its own (one host id pushing the same branch of one
  // remote from 200 clones would be the host-id collision status reports, not a fleet).
  for (const [i, dir] of dirs.entries()) {
    const own = path.join(root, 'remotes', `r-${i}.git`);
    await g(root, ['clone', '-q', '--bare', remote, own]);
    await g(root, ['clone', '-q', own, dir]);
    // The install command's own core function, in-process (setup only: 200 node starts saved).
    await installHooks({ dir, env: setupEnv });
  }
  // Every clone has one commit of its own, mirrored (its WIP ref and index entry exist, as on a machine in use).
  for (const [i, dir] of dirs.entries()) {
    fs.writeFileSync(path.join(dir, `own-${i}.txt`), `${i}\n`);
    await git(dir, env, ['add', '-A']);
    await git(dir, env, ['commit', '-q', '-m', `own work ${i}`]);
    if (i % 8 === 7) for (const d of dirs.slice(i - 7, i + 1)) await quiesce(d);
  }
  for (const dir of dirs) await quiesce(dir);
  const setupS = (Date.now() - t0) / 1000;
  ctx.log(`fleet: ${REPOS} installed clones ready in ${setupS.toFixed(0)} s`);

  type Kind = 'fetch-loop' | 'sync-floor' | 'sync2' | 'status-loop' | 'status-floor' | 'status2';
  const kinds: Kind[] = ['fetch-loop', 'sync-floor', 'sync2', 'status-loop', 'status-floor', 'status2'];
  const runDx = async (args: string[]) => {
    const r = await timed(process.execPath, [dxBin, ...args, '--json'], { cwd: root, env });
    const j = JSON.parse(r.stdout) as { items?: { status: string }[]; rows?: unknown[]; failed?: unknown[] };
    const n = (j.items ?? j.rows ?? []).length;
    must(n === REPOS, `${args[0]}: ${n} repositories in the output, expected ${REPOS}`);
    if (j.items) must(j.items.every((i) => i.status === 'ok'), `sync: not every repository ok: ${JSON.stringify(j.items.find((i) => i.status !== 'ok'))}`);
    if (j.failed) must(j.failed.length === 0, `status --repos: ${j.failed.length} failed`);
    for (const dir of dirs) await quiesce(dir); // untimed: the next sample starts from quiet
    return r.ms;
  };
  // A sample is seconds to a minute long (200 repositories): fewer rounds than the other scenarios.
  const n = process.env.BENCH_QUICK === '1' ? 1 : 2;
  ctx.log(`fleet: ${kinds.length} variants × (1 warm-up + ${n}) samples`);
  const got = await roundRobin(kinds, n, 1, async (kind) => {
    if (kind === 'fetch-loop') return (await timed('sh', ['-c', FETCH_LOOP, 'sh', ...dirs], { cwd: root, env })).ms;
    if (kind === 'status-loop') return (await timed('sh', ['-c', STATUS_LOOP, 'sh', ...dirs], { cwd: root, env })).ms;
    if (kind === 'sync-floor') return (await timed('sh', ['-c', SYNC_FLOOR_LOOP, 'sh', ...dirs], { cwd: root, env })).ms;
    if (kind === 'status-floor') return (await timed('sh', ['-c', STATUS_FLOOR_LOOP, 'sh', ...dirs], { cwd: root, env })).ms;
    if (kind === 'sync2') return runDx(['sync', ...dirs, '--parallel', '2']);
    return runDx(['status', '--repos', ...dirs, '--parallel', '2']);
  });
  // How many git commands one sync starts per repository (DX_DEBUG=1 prints each), untimed.
  const traced = await timed(process.execPath, [dxBin, 'sync', ...dirs.slice(0, 10), '--json'], { cwd: root, env: { ...env, DX_DEBUG: '1' } });
  const lines = traced.stderr.split('\n').filter((l) => l.startsWith('dx-hooks: git '));
  const fetches = lines.filter((l) => /git "fetch"/.test(l)).length;
  const lsRemotes = lines.filter((l) => /git "ls-remote"/.test(l)).length;
  for (const dir of dirs) await quiesce(dir);

  const s1 = `17a. \`sync\` over ${REPOS} repositories`;
  const fetchBase: Row = { section: s1, variant: 'plain sh loop: `git -C "$d" fetch --prune origin`', samples: got.get('fetch-loop')! };
  ctx.rows.push(fetchBase);
  ctx.rows.push({ section: s1, variant: 'the floor in sh: `ls-remote`, `fetch --prune` with the index, `status`, `log` per repository', samples: got.get('sync-floor')!, baseline: fetchBase });
  ctx.rows.push({ section: s1, variant: 'dx-hooks sync … --parallel 2 --json', samples: got.get('sync2')!, baseline: fetchBase, target: { kind: 'ratio', max: 3 } });
  const s2 = `17b. \`status --repos\` over ${REPOS} repositories`;
  const statusBase: Row = { section: s2, variant: 'plain sh loop: `status --porcelain` + `rev-list --count @{upstream}..HEAD`', samples: got.get('status-loop')! };
  ctx.rows.push(statusBase);
  ctx.rows.push({ section: s2, variant: 'the floor in sh: the three git commands of a row (`status`, `log`, `rev-parse --git-path hooks`)', samples: got.get('status-floor')!, baseline: statusBase });
  ctx.rows.push({ section: s2, variant: 'dx-hooks status --repos … --parallel 2 --json', samples: got.get('status2')!, baseline: statusBase, target: { kind: 'ratio', max: 2 } });
  ctx.notes.push(
    `fleet (17.): ${REPOS} repositories, each a clone of its own bare remote (100 files), dx-hooks installed in each (in-process, the install command's core function) with one mirrored commit of its own; built in ${setupS.toFixed(0)} s. ` +
      `Every sync printed ${REPOS} repositories, all ok, and every status --repos ${REPOS} rows, none failed (asserted). ` +
      `One sync starts ${(lines.length / 10).toFixed(1)} git commands (${(lsRemotes / 10).toFixed(1)} ls-remote, ${(fetches / 10).toFixed(1)} fetch) per repository (DX_DEBUG=1, 10 repositories). Medians: fetch loop ${fmt(median(got.get('fetch-loop')!))} ms, the sync floor in sh ${fmt(median(got.get('sync-floor')!))} ms, sync --parallel 2 ${fmt(median(got.get('sync2')!))} ms; status loop ${fmt(median(got.get('status-loop')!))} ms, its floor in sh ${fmt(median(got.get('status-floor')!))} ms, status --repos ${fmt(median(got.get('status2')!))} ms.`,
  );
  ctx.log('fleet: done');
}
