// Why: issue 10, class 8 — any host can push the index branch, so a hostile index of tens of
// thousands of entries (and a 1 MB message) must cost `dx-hooks status` and a checkout no more than
// 2× a normal index. Two remotes, identical but for the index: a normal one (two hosts' entries) and
// a hostile one (20,000 entries claiming refs that do not exist, times in 2100, a 1 MB message);
// the same victim clone of each, measured side by side.
import fs from 'node:fs';
import { cloneAs, createBareRemote, dxBin, git, seedRemote, type Host } from '../test/helpers/index.ts';
import { median, must, mustTime, quiesce, roundRobin, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const ENTRIES = 20_000;
const Y2100 = 4102444800;

/** Push a dx/index commit holding `index` on top of the remote's tip, from `h`. */
async function pushIndex(h: Host, index: unknown): Promise<void> {
  await h.git(['fetch', '-q', 'origin', '+refs/heads/dx/index:refs/bench/index']);
  const blob = (await h.git(['hash-object', '-w', '--stdin'], { input: JSON.stringify(index) })).out;
  const sub = (await h.git(['mktree'], { input: `100644 blob ${blob}\twip-index.json\n` })).out;
  const root = (await h.git(['mktree'], { input: `040000 tree ${sub}\t.dx\n` })).out;
  const commit = (await h.git(['commit-tree', root, '-p', 'refs/bench/index', '-m', 'index update'])).out;
  await h.git(['push', '-q', '--no-verify', 'origin', `${commit}:refs/heads/dx/index`]);
}

/** A remote with the victim's and another host's WIP; with `hostile`, its index then gets the flood. Returns the victim clone. */
async function world(ctx: BenchContext, name: string, hostile: boolean): Promise<Host> {
  const remote = await createBareRemote(ctx.sb, `${name}.git`);
  await seedRemote(ctx.sb, remote);
  const victim = await cloneAs(ctx.sb, remote, ctx.host, `${name}-victim`);
  const other = await cloneAs(ctx.sb, remote, 'other', `${name}-other`);
  for (const h of [victim, other]) {
    h.env = { ...ctx.env, DX_HOST: h.name, DX_WIP_PUSH: 'sync' };
    await mustTime(process.execPath, [dxBin, 'install'], { cwd: h.dir, env: h.env });
    await h.write(`${h.name}.txt`, `${h.name}\n`);
    await git(h.dir, h.env, ['add', '-A']);
    await git(h.dir, h.env, ['commit', '-q', '-m', `${h.name} work`]);
  }
  if (hostile) {
    const blob = await git(remote, ctx.env, ['cat-file', 'blob', 'refs/heads/dx/index:.dx/wip-index.json']);
    const index = JSON.parse(blob.out) as { entries: Record<string, Record<string, unknown>> };
    const sha = (await other.git(['rev-parse', 'HEAD'])).out;
    for (let i = 0; i < ENTRIES; i++) {
      index.entries[`h${i}/main`] = { host: `h${i}`, branch: 'main', ref: `refs/heads/wip/h${i}/main`, sha, base: sha, ts: Y2100 + i, message: `flood ${i}`, dirty: false };
    }
    const big = index.entries['other/main'];
    if (big) Object.assign(big, { message: 'x'.repeat(1024 * 1024), ts: Y2100 });
    await pushIndex(other, index);
  }
  await quiesce(victim.dir);
  return victim;
}

/** `dx-hooks status` and `git checkout` with a normal and a hostile index: the hostile one within 2×. */
export async function indexScenario(ctx: BenchContext): Promise<void> {
  const normal = await world(ctx, 'index-normal', false);
  const hostile = await world(ctx, 'index-hostile', true);
  const variants = [normal, hostile];
  const n = ctx.nSlow;
  ctx.log(`index: status and checkout, normal vs ${ENTRIES.toLocaleString('en')}-entry hostile index, ${ctx.warmSlow} warm-up + ${n} samples`);
  const status = await roundRobin(variants, n, ctx.warmSlow, async (h) => {
    const r = await mustTime(process.execPath, [dxBin, 'status'], { cwd: h.dir, env: h.env });
    must(r.stderr.split('\n').filter((l) => l.includes('dx-hooks')).length <= 5, `status printed too many warning lines:\n${r.stderr}`);
    must(!r.stdout.includes('flood'), 'status showed an entry no ref backs');
    await quiesce(h.dir);
    return r.ms;
  });
  const checkout = await roundRobin(variants, n, ctx.warmSlow, async (h) => {
    await git(h.dir, h.env, ['checkout', '-q', '-B', 'side']);
    await quiesce(h.dir);
    const r = await mustTime('git', ['checkout', 'main'], { cwd: h.dir, env: h.env });
    must(r.stderr.split('\n').length <= 12, `checkout printed too many lines:\n${r.stderr}`);
    await quiesce(h.dir);
    return r.ms;
  });
  const section = `10. a hostile index (${ENTRIES.toLocaleString('en')} entries, a 1 MB message) against a normal one`;
  const sBase: Row = { section, variant: '`dx-hooks status`, normal index', samples: status.get(normal)! };
  const cBase: Row = { section, variant: '`git checkout main`, normal index', samples: checkout.get(normal)! };
  ctx.rows.push(
    sBase,
    { section, variant: '`dx-hooks status`, hostile index', samples: status.get(hostile)!, baseline: sBase, target: { kind: 'ratio', max: 2 }, note: 'at most 5 warning lines, no unbacked entry shown (asserted)' },
    cBase,
    { section, variant: '`git checkout main`, hostile index', samples: checkout.get(hostile)!, baseline: cBase, target: { kind: 'ratio', max: 2 }, note: 'the post-checkout warnings are capped (asserted ≤ 12 lines)' },
  );
  ctx.notes.push(`index (10.): status ×${(median(status.get(hostile)!) / median(status.get(normal)!)).toFixed(2)}, checkout ×${(median(checkout.get(hostile)!) / median(checkout.get(normal)!)).toFixed(2)} with the hostile index (target ≤ 2×).`);
  fs.rmSync(hostile.dir, { recursive: true, force: true });
  ctx.log('index: done');
}
