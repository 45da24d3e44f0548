// Why: what protection costs on every command — pre-commit + reference-transaction on each commit
// (they decide in sh and must not start node for an ordinary commit) and the git guard shim in front
// of each git command (one sh, then the real git) — side by side with plain git in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { cloneAs, createBareRemote, dxBin, git, hookStateFile, readHookStateFile, seedRemote, type Host, type Sandbox } from '../test/helpers/index.ts';
import { fmt, median, must, mustTime, quiesce, roundRobin, type Row } from './lib.ts';

/** What the driver (run.ts) hands a scenario: the sandbox, sample counts, and where results go. */
export interface BenchContext {
  sb: Sandbox;
  env: NodeJS.ProcessEnv;
  host: string;
  /** samples and warm-up rounds for fast commands (commit, status) */
  n: number;
  warm: number;
  /** samples and warm-up rounds for commands that start node (the guard's snapshot) */
  nSlow: number;
  warmSlow: number;
  rows: Row[];
  notes: string[];
  log(msg: string): void;
}

const DXRC = { protect: { paths: ['deploy/**'] } };
/** The hooks `dx-hooks install` writes besides pre-commit and reference-transaction (removed in 5.). */
const OTHER_HOOKS = ['pre-merge-commit', 'pre-applypatch', 'prepare-commit-msg', 'post-commit', 'post-merge', 'post-rewrite', 'post-checkout', 'pre-push'];

/** app.txt at round `round`: 20 lines, line 11 carries the round, so consecutive rounds differ in one line. */
const appText = (round: number) => Array.from({ length: 20 }, (_, k) => (k === 10 ? `value = ${round}` : `line ${k}`)).join('\n') + '\n';

const run = async (h: Host, cmd: string, args: string[], env = h.env) => (await mustTime(cmd, args, { cwd: h.dir, env })).stdout;

/** A clone with `.dxrc.json` protecting `deploy/**`, an executable `deploy/run.sh` and `app.txt`, committed. */
async function protectedRepo(ctx: BenchContext, name: string): Promise<Host> {
  const remote = await createBareRemote(ctx.sb, `${name}-remote.git`);
  await seedRemote(ctx.sb, remote);
  const h = await cloneAs(ctx.sb, remote, ctx.host, name);
  h.env = { ...ctx.env };
  h.git = (a, o) => git(h.dir, h.env, a, o);
  await h.write('.dxrc.json', JSON.stringify(DXRC) + '\n');
  await h.write('deploy/run.sh', '#!/bin/sh\necho deploying\n');
  fs.chmodSync(path.join(h.dir, 'deploy', 'run.sh'), 0o755);
  await h.write('app.txt', appText(-1));
  await h.commit('protect deploy/**');
  must((await h.git(['ls-files', '-s', 'deploy/run.sh'])).out.startsWith('100755 '), 'deploy/run.sh was not committed executable');
  return h;
}

/** The hooks git would run in `h`: executable files in .git/hooks that are not samples. */
function activeHooks(h: Host): string[] {
  const dir = path.join(h.dir, '.git', 'hooks');
  return fs.readdirSync(dir).filter((f) => !f.endsWith('.sample') && (fs.statSync(path.join(dir, f)).mode & 0o111) !== 0).sort();
}

const spyLines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

// ---------------------------------------------------------------- 5: commit with pre-commit + reference-transaction

interface CommitVariant { name: string; host: Host }

export async function protectCommitScenario(ctx: BenchContext): Promise<void> {
  // A `node` spy first on PATH in every variant: the hooks find node with `command -v node`, so
  // any node they start appends its arguments to the log before exec'ing the real node.
  const spyDir = ctx.sb.tmp('node-spy');
  const spyLog = ctx.sb.tmp('node-spy.log');
  fs.mkdirSync(spyDir);
  fs.writeFileSync(path.join(spyDir, 'node'), `#!/bin/sh\nprintf '%s\\n' "$*" >>'${spyLog}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  const env = { ...ctx.env, PATH: `${spyDir}${path.delimiter}${ctx.env.PATH ?? ''}` };
  const sub = { ...ctx, env };

  const none = await protectedRepo(sub, 'c-none');
  const empty = await protectedRepo(sub, 'c-sh');
  for (const hook of ['pre-commit', 'reference-transaction']) fs.writeFileSync(path.join(empty.dir, '.git', 'hooks', hook), '#!/bin/sh\n', { mode: 0o755 });
  const dx = await protectedRepo(sub, 'c-dx');
  await run(dx, process.execPath, [dxBin, 'install']);
  for (const hook of OTHER_HOOKS) fs.rmSync(path.join(dx.dir, '.git', 'hooks', hook));
  // Removing hooks changed the hooks folder: refresh install's stamp, or the first timed commit would start the background hooks check.
  const stamp = path.join(dx.dir, '.git', 'dx', 'hooks', 'stamp');
  const later = new Date(Date.now() + 1000);
  fs.utimesSync(stamp, later, later);
  must(JSON.stringify(activeHooks(dx)) === JSON.stringify(['pre-commit', 'reference-transaction']), `dx repository runs hooks ${activeHooks(dx).join(', ')}`);
  must(activeHooks(none).length === 0, `the no-hook repository has hooks ${activeHooks(none).join(', ')}`);
  // The hook state the sh hooks read: protection on (so pre-commit really runs its diff-index) and not stale.
  const stateFile = hookStateFile(dx.dir);
  const st = readHookStateFile(stateFile);
  must(st.protect.pathsSet, 'install wrote a hook state without protection: pre-commit would exit before checking');
  must(st.protectList.some(([m, p]) => m === '100755' && p === 'deploy/run.sh'), 'the hook state lacks deploy/run.sh');
  must(fs.statSync(stateFile).mtimeMs >= fs.statSync(path.join(dx.dir, '.dxrc.json')).mtimeMs, '.dxrc.json is newer than the hook state: the hooks would treat it as stale');
  fs.rmSync(spyLog, { force: true });

  const variants: CommitVariant[] = [
    { name: 'no hooks', host: none },
    { name: 'empty sh pre-commit + reference-transaction', host: empty },
    { name: 'dx-hooks pre-commit + reference-transaction', host: dx },
  ];
  const before = new Map<Host, number>();
  for (const v of variants) before.set(v.host, Number(await run(v.host, 'git', ['rev-list', '--count', 'HEAD'])));
  ctx.log(`protected commit: ${variants.length} variants × (${ctx.warm} warm-up + ${ctx.n}) samples`);
  let lagged = 0;
  const got = await roundRobin(variants, ctx.n, ctx.warm, async (v, i) => {
    // Untimed: change line 11 of app.txt and stage it, so pre-commit has a one-line change to look at.
    fs.writeFileSync(path.join(v.host.dir, 'app.txt'), appText(i));
    await run(v.host, 'git', ['add', 'app.txt']);
    const r = await mustTime('git', ['commit', '-m', `change ${i}`], { cwd: v.host.dir, env: v.host.env });
    if (r.closeLagMs > 50) lagged++;
    await quiesce(v.host.dir);
    return r.ms;
  });

  // Every sample was a real one-line commit, and no node process was started by any of them.
  for (const v of variants) {
    const count = Number(await run(v.host, 'git', ['rev-list', '--count', 'HEAD']));
    must(count === before.get(v.host)! + ctx.warm + ctx.n, `${v.name}: ${count - before.get(v.host)!} commits made, expected ${ctx.warm + ctx.n}`);
    const numstat = (await run(v.host, 'git', ['diff', '--numstat', 'HEAD~1', 'HEAD'])).trim();
    must(numstat === '1\t1\tapp.txt', `${v.name}: the last commit changed ${JSON.stringify(numstat)}, not one line of app.txt`);
  }
  const total = variants.length * (ctx.warm + ctx.n);
  must(spyLines(spyLog).length === 0, `node was started during the timed commits: ${spyLines(spyLog).slice(0, 3).join(' | ')}`);

  // Which hooks git ran for one more (untimed) commit, from GIT_TRACE: exactly the two under test.
  fs.writeFileSync(path.join(dx.dir, 'app.txt'), appText(-2));
  await run(dx, 'git', ['add', 'app.txt']);
  const traced = await mustTime('git', ['commit', '-q', '-m', 'traced'], { cwd: dx.dir, env: { ...dx.env, GIT_TRACE: '1' } });
  const ran = [...traced.stderr.matchAll(/run_command: .*?\.git\/hooks\/([\w-]+)( \w+)?/g)].map((m) => m[1]! + (m[2] ?? ''));
  must(JSON.stringify(ran) === JSON.stringify(['pre-commit', 'reference-transaction prepared', 'reference-transaction committed']), `git ran these hooks for a commit: ${ran.join(', ')}`);
  must(spyLines(spyLog).length === 0, `node was started during the traced commit: ${spyLines(spyLog).join(' | ')}`);

  // The spy is live and the hooks really protect: a commit deleting deploy/run.sh is refused by
  // pre-commit (node started), and deleting a branch starts node from reference-transaction.
  await run(dx, 'git', ['rm', '-q', 'deploy/run.sh']);
  const refused = await mustTime('git', ['commit', '-m', 'delete the deploy script'], { cwd: dx.dir, env: dx.env, ok: [1] });
  must(refused.stderr.includes('deploy/run.sh'), `the refusal does not name deploy/run.sh: ${refused.stderr}`);
  await run(dx, 'git', ['reset', '-q', 'HEAD', '--', 'deploy/run.sh']);
  await run(dx, 'git', ['checkout', '--', 'deploy/run.sh']);
  await run(dx, 'git', ['branch', 'bench-tmp']);
  await run(dx, 'git', ['branch', '-D', 'bench-tmp']);
  const seen = spyLines(spyLog);
  must(seen.some((l) => l.includes('hook pre-commit')) && seen.some((l) => l.includes('hook reference-transaction')), `the node spy missed the control runs (saw: ${seen.join(' | ') || 'nothing'})`);
  ctx.notes.push(
    `protected commit (5.): no node process started in ${total} timed commits + 1 traced one (a \`node\` spy first on PATH logs every start); controls: the spy logged node for a refused commit deleting deploy/run.sh (pre-commit) and for \`git branch -D\` (reference-transaction). GIT_TRACE: each commit runs pre-commit, reference-transaction prepared, reference-transaction committed.`,
  );

  const section = '5. `git commit` of a one-line change, `deploy/**` protected';
  const res = (v: CommitVariant) => got.get(v)!;
  const base: Row = { section, variant: variants[0]!.name, samples: res(variants[0]!) };
  ctx.rows.push(base);
  ctx.rows.push({ section, variant: variants[1]!.name, samples: res(variants[1]!), baseline: base });
  ctx.rows.push({
    section,
    variant: variants[2]!.name,
    samples: res(variants[2]!),
    baseline: base,
    target: { kind: 'added', ms: 15 },
    note: `the other five hooks removed after \`dx-hooks install\`; no node started (asserted)${lagged ? `; ${lagged} samples held git's stdout/stderr open > 50 ms after exit` : ''}`,
  });
  ctx.log('protected commit: done');
}

// ---------------------------------------------------------------- 6: the git guard shim

interface GuardVariant { name: string; cmd: string; env: NodeJS.ProcessEnv; guarded: boolean }

export async function guardScenario(ctx: BenchContext): Promise<void> {
  const h = await protectedRepo(ctx, 'g-repo');
  await run(h, process.execPath, [dxBin, 'install']);
  await run(h, process.execPath, [dxBin, 'shim', 'install']);
  const bin = path.join(ctx.env.XDG_DATA_HOME ?? '', 'dx-hooks', 'bin');
  const shim = path.join(bin, 'git');
  must(fs.existsSync(shim) && (fs.statSync(shim).mode & 0o111) !== 0, `dx-hooks shim install wrote no executable ${shim}`);
  const plainEnv = ctx.env;
  const shimEnv = { ...ctx.env, PATH: `${bin}${path.delimiter}${ctx.env.PATH ?? ''}` };
  const which = async (env: NodeJS.ProcessEnv) => (await run(h, 'sh', ['-c', 'command -v git'], env)).trim();
  must((await which(shimEnv)) === shim, `with the shim dir first on PATH, git is ${await which(shimEnv)}`);
  must((await which(plainEnv)) !== shim, 'the plain PATH finds the shim');

  // 6. A non-destructive command: `git status`, same repository, same output.
  const plain: GuardVariant = { name: 'plain git', cmd: 'git', env: plainEnv, guarded: false };
  const viaShim: GuardVariant = { name: 'through the guard shim (shim dir first on PATH)', cmd: 'git', env: shimEnv, guarded: true };
  const expected = await run(h, 'git', ['status']);
  ctx.log(`guard, git status: 2 variants × (${ctx.warm} warm-up + ${ctx.n}) samples`);
  const status = await roundRobin([plain, viaShim], ctx.n, ctx.warm, async (v) => {
    const r = await mustTime(v.cmd, ['status'], { cwd: h.dir, env: v.env });
    must(r.stdout === expected, `${v.name}: git status printed ${JSON.stringify(r.stdout)}`);
    await quiesce(h.dir);
    return r.ms;
  });
  const section = '6. `git status` through the git guard';
  const base: Row = { section, variant: plain.name, samples: status.get(plain)! };
  ctx.rows.push(base, { section, variant: viaShim.name, samples: status.get(viaShim)!, baseline: base, target: { kind: 'added', ms: 5 }, note: 'same output as plain git (asserted); two sh starts (the shim, then git-guard.sh) before the real git' });

  // 6b. A destructive command, for information: `git checkout -- app.txt` over one modified file.
  // The guard starts node, snapshots the work tree under refs/dx/undo/<id>, then runs git. With the
  // shim first on PATH, node's own git calls go through the shim too; the third variant runs the shim
  // by its absolute path with the plain PATH (as the shell-init function does) to show that share.
  const direct: GuardVariant = { name: 'guard, shim by absolute path, PATH without it (node\'s git calls direct)', cmd: shim, env: plainEnv, guarded: true };
  const variants = [plain, viaShim, direct];
  const head = appText(-1);
  const undoRefs = async () => (await run(h, 'git', ['for-each-ref', '--format=%(refname)', 'refs/dx/undo/'])).split('\n').filter(Boolean);
  let snapshots = 0;
  ctx.log(`guard, git checkout -- app.txt: ${variants.length} variants × (${ctx.warmSlow} warm-up + ${ctx.nSlow}) samples`);
  const destructive = await roundRobin(variants, ctx.nSlow, ctx.warmSlow, async (v, i) => {
    const dirty = `${head}uncommitted ${v.name} ${i}\n`;
    fs.writeFileSync(path.join(h.dir, 'app.txt'), dirty);
    const refsBefore = await undoRefs();
    const r = await mustTime(v.cmd, ['checkout', '--', 'app.txt'], { cwd: h.dir, env: v.env });
    await quiesce(h.dir);
    must(fs.readFileSync(path.join(h.dir, 'app.txt'), 'utf8') === head, `${v.name}: git checkout -- app.txt did not restore app.txt`);
    const added = (await undoRefs()).filter((ref) => !refsBefore.includes(ref));
    if (v.guarded) {
      // The guard really ran: one new undo ref, holding the modified app.txt.
      must(added.length === 1, `${v.name}: ${added.length} new refs/dx/undo refs, expected 1 (stderr: ${r.stderr})`);
      must((await run(h, 'git', ['show', `${added[0]}:app.txt`])) === dirty, `${v.name}: the snapshot ${added[0]} lacks the modified app.txt`);
      snapshots++;
    } else must(added.length === 0, `plain git made refs/dx/undo refs: ${added.join(', ')}`);
    return r.ms;
  });
  const section6b = '6b. `git checkout -- app.txt` (1 modified file) through the git guard';
  const base6b: Row = { section: section6b, variant: plain.name, samples: destructive.get(plain)! };
  ctx.rows.push(base6b);
  for (const v of [viaShim, direct]) ctx.rows.push({ section: section6b, variant: v.name, samples: destructive.get(v)!, baseline: base6b });
  const d = median(destructive.get(viaShim)!) - median(destructive.get(direct)!);
  ctx.notes.push(
    `git guard (6b.): every guarded checkout left one new refs/dx/undo ref whose app.txt is the modified one (${snapshots} checked, warm-ups included), and every checkout restored app.txt; no target (information). node's git calls through the shim: ${d >= 0 ? '+' : ''}${fmt(d)} ms (median difference of the two guard rows).`,
  );
  ctx.log('guard: done');
}
