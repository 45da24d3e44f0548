// Why: issue 12 — a checkpoint on a real large tree (babel: 27.7k files, a 3 MB index, 50 files
// modified, 20 untracked) took 1.6 s against 670 ms for the shortest shell pipeline doing the same work
// (copy the index, `add -A`, `write-tree`, `commit-tree`, `update-ref`, push). Scenario 15, on a
// generated tree of that shape: `dx-hooks checkpoint` (the whole CLI, its WIP push to a local bare
// remote in the foreground; the index update follows in the background and is waited out, untimed)
// against that pipeline plus node's own start-up (`node -e 0`), measured side by side. Each sample
// has new work (the same 50 files edited again, untracked ones rewritten), so no checkpoint is the
// "unchanged" one. BENCH_ONLY=checkpoint runs it alone.
import fs from 'node:fs';
import path from 'node:path';
import { createBareRemote, dxBin, git, packageRoot } from '../test/helpers/index.ts';
import { dirtyFixture, generateFixture } from './fixture.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, timeFn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const FILES = QUICK ? 5_000 : 28_000;

const PIPELINE = [
  't="$(git rev-parse --git-dir)/bench-index.$$"',
  'cp "$(git rev-parse --git-dir)/index" "$t"',
  'GIT_INDEX_FILE="$t" git add -A',
  'tree=$(GIT_INDEX_FILE="$t" git write-tree)',
  'c=$(git commit-tree -p HEAD -m "pipeline snapshot" "$tree")',
  'git update-ref refs/bench/pipeline "$c"',
  'git push -q --no-verify origin "+$c:refs/heads/wip/pipeline/main"',
  'rm -f "$t"',
].join(' && ');

const LIBS = "await Promise.all([import('zod'), import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]);";

/** Scenario 15. */
export async function checkpointScenario(ctx: BenchContext): Promise<void> {
  const dir = ctx.sb.tmp('cp-big');
  fs.mkdirSync(dir);
  const env = { ...ctx.env };
  await git(dir, env, ['init', '-q', '-b', 'main']);
  const remote = await createBareRemote(ctx.sb, 'cp-big-remote.git');
  await git(dir, env, ['remote', 'add', 'origin', remote]);
  const fx = generateFixture(dir, FILES);
  await git(dir, env, ['add', '-A']);
  await git(dir, env, ['commit', '-q', '-m', 'fixture']);
  await git(dir, env, ['push', '-q', 'origin', 'main']);
  await git(dir, env, ['branch', '-q', '--set-upstream-to=origin/main']);
  await new Promise((r) => setTimeout(r, 1100)); // a settled stat cache
  await git(dir, env, ['update-index', '-q', '--refresh']);
  const indexBytes = fs.statSync(path.join(dir, '.git', 'index')).size;
  ctx.log(`checkpoint: ${fx.files.length} files, index ${(indexBytes / 1e6).toFixed(1)} MB`);

  const kinds = ['shell pipeline', 'node -e 0', 'node + zod + secretlint', 'dx-hooks checkpoint'] as const;
  let last = '';
  const res = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    dirtyFixture(dir, fx, 50, 20); // new work for every sample (untimed)
    if (kind === 'node -e 0') return (await mustTime(process.execPath, ['-e', '0'], { cwd: dir, env })).ms;
    // What no node implementation of a checkpoint avoids here: zod (the design card's validation of every
    // file dx-hooks reads) and the secret scanner (DESIGN §9, the security stance), loaded as the CLI loads them.
    if (kind === 'node + zod + secretlint') return (await mustTime(process.execPath, ['--input-type=module', '-e', LIBS], { cwd: packageRoot, env })).ms;
    if (kind === 'shell pipeline') return (await mustTime('sh', ['-c', PIPELINE], { cwd: dir, env })).ms;
    const r = await mustTime(process.execPath, [dxBin, 'checkpoint', '--json'], { cwd: dir, env });
    const j = JSON.parse(r.stdout) as { snapshot: { sha: string; dirty: boolean }; unchanged: boolean; pushed: { sha: string }[] };
    must(j.snapshot.dirty && !j.unchanged && j.pushed[0]?.sha === j.snapshot.sha, `checkpoint did not push a new snapshot: ${r.stdout.slice(0, 300)}`);
    last = j.snapshot.sha;
    await quiesce(dir); // the background index update, untimed
    return r.ms;
  });
  const onRemote = (await git(remote, env, ['rev-parse', `refs/heads/wip/${ctx.host}/main`])).out.trim();
  must(onRemote === last, `the remote's WIP ref holds ${onRemote}, the last checkpoint was ${last}`);
  // One traced run: the git processes a checkpoint starts.
  dirtyFixture(dir, fx, 50, 20);
  const traced = await timeFn(() => mustTime(process.execPath, [dxBin, 'checkpoint'], { cwd: dir, env: { ...env, DX_DEBUG: '1' } }));
  const gits = traced.value.stderr.split('\n').filter((l) => l.startsWith('dx-hooks: git '));
  const kindsOf = gits.map((l) => /git "([^"]+)"/.exec(l)?.[1] ?? '?');
  await quiesce(dir);

  const section = `15. checkpoint, ${fx.files.length.toLocaleString('en')} files (index ${(indexBytes / 1e6).toFixed(1)} MB), 50 modified + 20 untracked, pushed to a local bare remote`;
  const pipe = res.get('shell pipeline')!;
  const node = res.get('node -e 0')!;
  const libs = res.get('node + zod + secretlint')!;
  const floor: Row = { section, variant: 'shell pipeline + node -e 0 (paired sums)', samples: pipe.map((p, i) => p + (node[i] ?? median(node))) };
  const libFloor: Row = { section, variant: 'shell pipeline + node loading zod and secretlint (paired sums): the floor for node', samples: pipe.map((p, i) => p + (libs[i] ?? median(libs))) };
  ctx.rows.push({ section, variant: 'shell pipeline (cp index, add -A, write-tree, commit-tree, update-ref, push)', samples: pipe });
  ctx.rows.push({ section, variant: 'node -e 0', samples: node });
  ctx.rows.push(floor);
  ctx.rows.push({ section, variant: 'node + zod + secretlint (`node -e` importing them)', samples: libs });
  ctx.rows.push(libFloor);
  const cp = res.get('dx-hooks checkpoint')!;
  ctx.rows.push({ section, variant: 'dx-hooks checkpoint (whole CLI; index update in the background)', samples: cp, baseline: floor, target: { kind: 'ratio', max: 1.2 } });
  ctx.rows.push({ section, variant: 'dx-hooks checkpoint against the floor for node', samples: cp, baseline: libFloor });
  const counts = [...new Set(kindsOf)].map((k) => `${k} ×${kindsOf.filter((x) => x === k).length}`).join(', ');
  ctx.notes.push(`checkpoint (15.): one traced checkpoint started ${gits.length} git processes in the foreground (${counts}); every sample pushed a new snapshot and the remote's WIP ref ended at the last one (asserted). Pipeline median ${fmt(median(pipe))} ms, node -e 0 ${fmt(median(node))} ms.`);
}
