// Why: issue 11 — a snapshot of 2,000 staged files took 26 s, because each staged file cost git calls
// of its own (its size, then its content for the secret scan). The target: a snapshot of staged work
// costs at most 1.5× the same snapshot with nothing staged. Two repositories generated from one seed
// hold the same 2,000 modified files, staged in one and not in the other; `takeSnapshot` (with the
// secret scan, as `checkpoint` runs it) is timed in-process, side by side. BENCH_ONLY=staged runs it alone.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { git, packageRoot } from '../test/helpers/index.ts';
import { dirtyFixture, generateFixture } from './fixture.ts';
import { fileFingerprint, fmt, median, must, mustTime, roundRobin, timeFn, type Row } from './lib.ts';
import type { BenchContext } from './protect.ts';

const QUICK = process.env.BENCH_QUICK === '1';
/** Tracked files in each repository, and how many of them are modified (then staged in one). */
const FILES = QUICK ? 2_000 : 10_000;
const MODIFIED = QUICK ? 400 : 2_000;

type Snap = { sha: string; tree: string; dirty: boolean; excluded: unknown[] };

/** A repository with the fixture committed, a settled stat cache, and MODIFIED files modified (staged when `stage`). */
async function repo(ctx: BenchContext, name: string, stage: boolean): Promise<{ dir: string; modified: string[] }> {
  const dir = ctx.sb.tmp(name);
  fs.mkdirSync(dir);
  await git(dir, ctx.env, ['init', '-q', '-b', 'main']);
  const fx = generateFixture(dir, FILES);
  await git(dir, ctx.env, ['add', '-A']);
  await git(dir, ctx.env, ['commit', '-q', '-m', 'fixture']);
  await new Promise((r) => setTimeout(r, 1100)); // a settled stat cache: refresh after the clock moved on
  await git(dir, ctx.env, ['update-index', '-q', '--refresh']);
  const { modified } = dirtyFixture(dir, fx, MODIFIED, 0);
  if (stage) await git(dir, ctx.env, ['add', '-A']);
  return { dir, modified };
}

/** Scenario 11: takeSnapshot with MODIFIED files staged against the same files unstaged. */
export async function stagedScenario(ctx: BenchContext): Promise<void> {
  const dist = (rel: string) => import(pathToFileURL(path.join(packageRoot, 'dist', rel)).href);
  const { openSession } = await dist('core/session.js');
  const { takeSnapshot } = await dist('core/snapshot.js');
  const { parseSize } = await dist('core/config/schema.js');
  const [unstaged, staged] = [await repo(ctx, 'staged-none', false), await repo(ctx, 'staged-all', true)];
  const cached = (await git(staged.dir, ctx.env, ['diff', '--cached', '--name-only', '-z'])).stdout.split('\0').filter(Boolean);
  must(cached.length === MODIFIED, `${cached.length} files staged, expected ${MODIFIED}`);
  must((await git(unstaged.dir, ctx.env, ['diff', '--cached', '--name-only'])).out === '', 'the unstaged repository has staged files');
  const sessions = new Map<string, { s: { ctx: unknown; host: string; config: { wip: { exclude: string[]; maxFileSize: string } }; machine: { allowSecrets: string[] } } }>();
  for (const r of [unstaged, staged]) sessions.set(r.dir, { s: await openSession(r.dir) });
  const kinds = ['nothing staged', `${MODIFIED.toLocaleString('en')} staged`, 'git stash create (staged)'] as const;
  const trees = new Map<string, string>();
  ctx.log(`staged: ${kinds.length} variants × (${ctx.warmSlow} warm-up + ${ctx.nSlow}) samples, ${FILES} files, ${MODIFIED} modified`);
  const res = await roundRobin(kinds, ctx.nSlow, ctx.warmSlow, async (kind) => {
    if (kind === 'git stash create (staged)') return (await mustTime('git', ['stash', 'create'], { cwd: staged.dir, env: ctx.env })).ms;
    const r = kind === 'nothing staged' ? unstaged : staged;
    const { s } = sessions.get(r.dir)!;
    const indexFile = path.join(r.dir, '.git', 'index');
    const before = fileFingerprint(indexFile);
    const t = await timeFn(() => takeSnapshot(s.ctx, { exclude: s.config.wip.exclude, maxFileSize: parseSize(s.config.wip.maxFileSize), allowSecrets: s.machine.allowSecrets, host: s.host }) as Promise<Snap>);
    const after = fileFingerprint(indexFile);
    must(after.sha === before.sha && after.mtimeNs === before.mtimeNs, `takeSnapshot (${kind}) changed the real index`);
    must(t.value.dirty && !t.value.excluded.length, `takeSnapshot (${kind}): dirty ${t.value.dirty}, ${t.value.excluded.length} excluded`);
    trees.set(kind, t.value.tree);
    return t.ms;
  });
  // Same files, same content: the two snapshots must have the very same tree, differing from HEAD in exactly the modified files.
  must(trees.get(kinds[0]) === trees.get(kinds[1]), `the staged and unstaged snapshots differ: ${trees.get(kinds[0])} vs ${trees.get(kinds[1])}`);
  const diff = (await git(staged.dir, ctx.env, ['-c', 'core.quotePath=false', 'diff', '--name-only', '-z', 'HEAD', trees.get(kinds[1])!])).stdout.split('\0').filter(Boolean).sort();
  must(JSON.stringify(diff) === JSON.stringify([...staged.modified].sort()), `the snapshot differs from HEAD in ${diff.length} paths, expected the ${MODIFIED} modified ones`);
  const section = `11. snapshot, ${FILES.toLocaleString('en')} files, ${MODIFIED.toLocaleString('en')} modified: staged vs not`;
  const base: Row = { section, variant: 'takeSnapshot, nothing staged', samples: res.get(kinds[0])! };
  ctx.rows.push(base);
  ctx.rows.push({ section, variant: `takeSnapshot, all ${MODIFIED.toLocaleString('en')} staged`, samples: res.get(kinds[1])!, baseline: base, target: { kind: 'ratio', max: 1.5 } });
  ctx.rows.push({ section, variant: 'git stash create (staged repository)', samples: res.get(kinds[2])!, baseline: base, note: 'for information: git alone, no secret scan' });
  ctx.notes.push(`staged: both snapshots have the same tree, differing from HEAD in exactly the ${MODIFIED} modified files, and the real index kept its bytes and mtime (asserted); medians ${fmt(median(res.get(kinds[0])!))} / ${fmt(median(res.get(kinds[1])!))} ms.`);
}
