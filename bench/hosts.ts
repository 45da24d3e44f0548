// Why: issue 12 — with 50 other hosts and 100 local branches, `status` took 87 s, and so did the
// worker after every commit: the newer-WIP check ran four git processes for every (other host × local
// branch) pair. Scenario 16: two worlds alike but for their size — 1 other host × 1 branch, and 50 other
// hosts × 100 branches (5,000 WIP refs on the remote, each newer than the local branch, an index entry
// each, built with one `git fast-import`) — and in each `dx-hooks status` (the whole CLI) and the
// background worker after a commit (DX_REFRESH_SECONDS=0: it looks at the other hosts every time),
// until quiescent. Target: within 2× of the small world. BENCH_ONLY=hosts runs it alone.
import fs from 'node:fs';
import path from 'node:path';
import { cloneAs, createBareRemote, dxBin, git, seedRemote, type Host } from '../test/helpers/index.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const QUICK = process.env.BENCH_QUICK === '1';

/** A remote whose `hosts` × `branches` WIP refs each hold one commit on top of main, with an index entry each; a clone with those branches, dx-hooks installed. */
async function world(ctx: BenchContext, name: string, hosts: number, branches: number): Promise<Host> {
  const remote = await createBareRemote(ctx.sb, `${name}.git`);
  await seedRemote(ctx.sb, remote);
  const base = (await git(remote, ctx.env, ['rev-parse', 'main'])).out.trim();
  const names = Array.from({ length: branches }, (_, b) => (b === 0 ? 'main' : `feature-${b}`));
  const now = Math.floor(Date.now() / 1000) + 30; // newer than the clone's tips (not far: an index entry from the future is cut)
  let stream = '';
  for (let h = 0; h < hosts; h++) {
    for (const b of names) {
      const msg = `work of host${h} on ${b}`;
      stream += `commit refs/heads/wip/host${h}/${b}\ncommitter H <h@example.com> ${now} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\nfrom ${base}\n\n`;
    }
  }
  await git(remote, ctx.env, ['fast-import', '--quiet'], { input: stream });
  const refs = (await git(remote, ctx.env, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/wip/'])).out.split('\n').filter(Boolean);
  must(refs.length === hosts * branches, `${refs.length} WIP refs, expected ${hosts * branches}`);
  const entries: Record<string, unknown> = {};
  for (const line of refs) {
    const [sha, ref] = line.split(' ') as [string, string];
    const [, , , host, ...rest] = ref.split('/');
    const branch = rest.join('/');
    entries[`${host}/${branch}`] = { host, branch, ref, sha, base, ts: now, message: `work of ${host} on ${branch}`, dirty: false };
  }
  const index = { schema_version: 1, repo: name, updated: now, entries, hosts: {} };
  const blob = (await git(remote, ctx.env, ['hash-object', '-w', '--stdin'], { input: JSON.stringify(index) })).out.trim();
  const sub = (await git(remote, ctx.env, ['mktree'], { input: `100644 blob ${blob}\twip-index.json\n` })).out.trim();
  const root = (await git(remote, ctx.env, ['mktree'], { input: `040000 tree ${sub}\t.dx\n` })).out.trim();
  const commit = (await git(remote, ctx.env, ['commit-tree', root, '-m', 'index'])).out.trim();
  await git(remote, ctx.env, ['update-ref', 'refs/heads/dx/index', commit]);

  const h = await cloneAs(ctx.sb, remote, ctx.host, `${name}-here`);
  h.env = { ...ctx.env, DX_REFRESH_SECONDS: '0' };
  h.git = (a, o) => git(h.dir, h.env, a, o);
  await h.git(['update-ref', '--stdin'], { input: names.slice(1).map((b) => `create refs/heads/${b} ${base}\n`).join('') });
  await mustTime(process.execPath, [dxBin, 'install'], { cwd: h.dir, env: h.env });
  await h.commit('config');
  await quiesce(h.dir, 300_000);
  return h;
}

/** Scenario 16. */
export async function hostsScenario(ctx: BenchContext): Promise<void> {
  const [bigHosts, bigBranches] = QUICK ? [10, 20] : [50, 100];
  const small = await world(ctx, 'hosts-1x1', 1, 1);
  const big = await world(ctx, `hosts-${bigHosts}x${bigBranches}`, bigHosts, bigBranches);
  const variants = [small, big];
  ctx.log(`hosts: status and the worker after a commit, 1×1 vs ${bigHosts}×${bigBranches}, ${ctx.warmSlow} warm-up + ${ctx.nSlow} samples`);
  const status = await roundRobin(variants, ctx.nSlow, ctx.warmSlow, async (h) => {
    const r = await mustTime(process.execPath, [dxBin, 'status'], { cwd: h.dir, env: h.env });
    must(r.stderr.split('\n').filter((l) => l.includes('has newer WIP')).length <= 5, `status printed more than 5 newer-WIP lines:\n${r.stderr.slice(0, 2000)}`);
    await quiesce(h.dir, 300_000);
    return r.ms;
  });
  let round = 0;
  const worker = await roundRobin(variants, ctx.nSlow, ctx.warmSlow, async (h) => {
    round++;
    await h.write('round.txt', `${round}\n`);
    await h.git(['add', 'round.txt']);
    const t0 = performance.now();
    await h.git(['commit', '-q', '-m', `round ${round}`]);
    await quiesce(h.dir, 300_000);
    return performance.now() - t0;
  });
  // Every branch of the big world is warned about (the newest five hosts each) — but main, whose own commits in the worker rounds are newer than the WIP.
  const warnDir = path.join(big.dir, '.git', 'dx', 'warn');
  const msgs = fs.existsSync(warnDir) ? fs.readdirSync(warnDir).filter((f) => f.endsWith('.msg')) : [];
  must(msgs.length >= bigBranches - 1, `${msgs.length} branches warned about, expected ${bigBranches - 1} or more`);
  const section = `16. other hosts × local branches: 1 × 1 against ${bigHosts} × ${bigBranches} (${(bigHosts * bigBranches).toLocaleString('en')} WIP refs and index entries)`;
  const sBase: Row = { section, variant: '`dx-hooks status`, 1 × 1', samples: status.get(small)! };
  const wBase: Row = { section, variant: 'commit until its worker is done, 1 × 1', samples: worker.get(small)! };
  ctx.rows.push(
    sBase,
    { section, variant: `\`dx-hooks status\`, ${bigHosts} × ${bigBranches}`, samples: status.get(big)!, baseline: sBase, target: { kind: 'ratio', max: 2 } },
    wBase,
    { section, variant: `commit until its worker is done, ${bigHosts} × ${bigBranches}`, samples: worker.get(big)!, baseline: wBase, target: { kind: 'ratio', max: 2 } },
  );
  ctx.notes.push(`hosts (16.): DX_REFRESH_SECONDS=0, so every status and every worker looks at all other hosts' WIP; the counts of commits each WIP holds that a branch lacks are cached per (WIP, tip) pair (dx/newer-cache.json), so the warm-up rounds pay the first count. Medians: status ${fmt(median(status.get(small)!))} / ${fmt(median(status.get(big)!))} ms, worker ${fmt(median(worker.get(small)!))} / ${fmt(median(worker.get(big)!))} ms.`);
}
