// The reads a worker or a batch repeats many times per repository are answered once per change, not
// once per question (issue 12, sync over 200 repositories): HEAD from its file with a stat-checked memo,
// one config listing per run, one for-each-ref for the default branches, and the remote check's listing
// reused for the index trust. Each test moves the repository under the memo and asserts the new answer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { branchTip, headState } from '../../src/core/head.ts';
import { protectedBranches } from '../../src/core/protect/match.ts';
import { committedSource, protectionInForce } from '../../src/core/protect/inforce.ts';
import { readLedger } from '../../src/core/ledger.ts';
import { openSession } from '../../src/core/session.ts';
import { effectiveHooksDir } from '../../src/core/hookcheck/health.ts';
import { repoConfig } from '../../src/core/repo-config.ts';
import { defaultConfig } from '../../src/core/config/schema.ts';
import { pushWip } from '../../src/core/wip/push.ts';
import { lsRemote, resolveRemote } from '../../src/core/wip/remote.ts';
import { trustIndex } from '../../src/core/wipindex/trust.ts';
import { emptyIndex, type WipIndex } from '../../src/core/wipindex/format.ts';
import { fetchIndexTip, readIndexAt, readLocalIndex, updateIndex } from '../../src/core/wipindex/store.ts';
import { cloneAs, createBareRemote, dx, hostAt, installHooks, seedRemote, withSandbox } from '../helpers/index.ts';
import { idleSandbox } from '../helpers/idle.ts';
import { pinProcessEnv, tracedGit } from '../helpers/inproc.ts';

const kinds = (gits: string[]) => gits.map((g) => /git "([^"]+)"/.exec(g)?.[1]);

test('headState: every HEAD move is seen (commit, packed refs, branch switch, detach, unborn, linked worktree), and an unmoved HEAD costs no git process', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  const ctx = await openRepo(h.dir);
  const sha = async () => (await h.git(['rev-parse', 'HEAD'])).out.trim();

  const first = await tracedGit(() => headState(ctx));
  assert.deepEqual(first.value, { branch: 'main', sha: await sha() });
  assert.deepEqual(first.gits, [], 'the branch\'s loose ref file answers the first read: no git process');
  const again = await tracedGit(() => headState(ctx));
  assert.deepEqual(again.value, first.value);
  assert.equal(again.gits.length, 0, 'HEAD did not move: no git process');

  // A commit rewrites the branch's loose ref (HEAD's file is unchanged).
  await h.commit('two', { 'a.txt': 'a\n' });
  assert.deepEqual(await headState(ctx), { branch: 'main', sha: await sha() });
  // The ref packed (its loose file gone), then moved while packed.
  await h.git(['pack-refs', '--all', '--prune']);
  assert.equal(fs.existsSync(path.join(h.dir, '.git', 'refs', 'heads', 'main')), false);
  const packed = await tracedGit(() => headState(ctx));
  assert.deepEqual(packed.value, { branch: 'main', sha: await sha() });
  assert.deepEqual(packed.gits, [], 'a packed ref is read from packed-refs');
  const tip = await sha();
  await h.git(['update-ref', 'refs/heads/main', 'HEAD~1']);
  assert.deepEqual(await headState(ctx), { branch: 'main', sha: await sha() });
  assert.notEqual(await sha(), tip);
  // Another branch, a detached HEAD, an unborn branch.
  await h.git(['checkout', '--quiet', '-b', 'feature', tip]);
  assert.deepEqual(await headState(ctx), { branch: 'feature', sha: tip });
  await h.git(['checkout', '--quiet', '--detach', 'main']);
  const detached = await tracedGit(() => headState(ctx));
  assert.deepEqual(detached.value, { branch: null, sha: await sha() });
  assert.deepEqual(detached.gits, [], 'a detached HEAD\'s file holds the commit');
  await h.git(['checkout', '--quiet', '--orphan', 'fresh']);
  const unborn = await tracedGit(() => headState(ctx));
  assert.deepEqual(unborn.value, { branch: 'fresh', sha: null });
  assert.deepEqual(kinds(unborn.gits), ['rev-parse'], 'no ref file, no packed line: git decides');
  await h.git(['checkout', '--quiet', '-f', 'feature']);
  // A loose ref file that is not one line of hex, or is a symlink: git reads it (and finds no commit).
  const featureFile = path.join(h.dir, '.git', 'refs', 'heads', 'feature');
  fs.writeFileSync(featureFile, 'not a sha\n');
  const garbled = await tracedGit(() => headState(ctx));
  assert.deepEqual(kinds(garbled.gits), ['rev-parse']);
  assert.equal(garbled.value.sha, null);
  fs.rmSync(featureFile);
  fs.writeFileSync(sb.tmp('elsewhere'), `${tip}\n`);
  fs.symlinkSync(sb.tmp('elsewhere'), featureFile);
  const linked = await tracedGit(() => headState(ctx));
  assert.deepEqual(kinds(linked.gits), ['rev-parse'], 'a symlinked ref file is never read by us');
  fs.rmSync(featureFile);
  await h.git(['update-ref', 'refs/heads/feature', tip]);
  // A folder of refs/heads that is a symlink out of the git dir: its files are not read by us either.
  fs.mkdirSync(sb.tmp('outside'));
  fs.writeFileSync(path.join(sb.tmp('outside'), 'x'), `${tip}\n`);
  fs.symlinkSync(sb.tmp('outside'), path.join(h.dir, '.git', 'refs', 'heads', 'evil'));
  const outside = await tracedGit(() => branchTip(ctx, 'evil/x'));
  assert.deepEqual(kinds(outside.gits), ['rev-parse'], 'a symlinked ref folder is git\'s to read');
  fs.rmSync(path.join(h.dir, '.git', 'refs', 'heads', 'evil'));
  const plain = await tracedGit(() => branchTip(ctx, 'feature'));
  assert.deepEqual([plain.value, plain.gits], [tip, []]);

  // A linked worktree has its own HEAD; the main worktree's memo is not its answer.
  const wtDir = sb.tmp('wt');
  await h.git(['worktree', 'add', '--quiet', '-b', 'side', wtDir, 'main']);
  const wt = hostAt(sb, 'here', wtDir);
  const wctx = await openRepo(wtDir);
  assert.deepEqual(await headState(wctx), { branch: 'side', sha: (await wt.git(['rev-parse', 'HEAD'])).out.trim() });
  assert.deepEqual(await headState(ctx), { branch: 'feature', sha: tip });
  await wt.commit('on side', { 'side.txt': 's\n' });
  assert.deepEqual(await headState(wctx), { branch: 'side', sha: (await wt.git(['rev-parse', 'HEAD'])).out.trim() });

  // A HEAD file this module does not read itself (git's old symlink form of a symref) is git's to answer.
  const headFile = path.join(h.dir, '.git', 'HEAD');
  fs.rmSync(headFile);
  fs.symlinkSync('refs/heads/feature', headFile);
  const viaGit = await tracedGit(() => headState(ctx));
  assert.deepEqual(viaGit.value, { branch: 'feature', sha: tip });
  assert.deepEqual(kinds(viaGit.gits).sort(), ['rev-parse', 'symbolic-ref']);

  // A hostile HEAD file naming a path out of the refs folder is never followed by the memo: git answers.
  fs.rmSync(headFile);
  fs.writeFileSync(headFile, 'ref: refs/heads/../../../../etc/passwd\n');
  const hostile = await tracedGit(() => headState(ctx));
  assert.deepEqual(kinds(hostile.gits).sort(), ['rev-parse', 'symbolic-ref'], 'no memo, no stat outside .git: git decides');
  assert.equal(hostile.value.sha, null);
});

test('protectedBranches: the remote HEAD, a dangling remote HEAD, main/master by exact name only (loose or packed) — from the ref files, with git only for a file it does not read', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  const config = defaultConfig();
  const ctx = await openRepo(h.dir);
  const one = await tracedGit(() => protectedBranches(ctx, config, 'origin'));
  assert.deepEqual(one.value.sort(), ['dx/index', 'main']);
  assert.equal(one.gits.length, 0, 'the remote HEAD\'s symref file answers');

  await h.git(['branch', 'develop']);
  await h.git(['update-ref', 'refs/remotes/origin/develop', 'HEAD']);
  await h.git(['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/develop']);
  assert.deepEqual((await protectedBranches(ctx, config, 'origin')).sort(), ['develop', 'dx/index']);
  // The branch it names is gone (pruned): still the branch it names, as `git symbolic-ref` reads it.
  await h.git(['update-ref', '-d', 'refs/remotes/origin/develop']);
  assert.deepEqual((await protectedBranches(ctx, config, 'origin')).sort(), ['develop', 'dx/index']);

  // No remote HEAD: main and master when they exist, and a branch under main/ is not main.
  await h.git(['symbolic-ref', '--delete', 'refs/remotes/origin/HEAD']);
  await h.git(['branch', '-m', 'main', 'main/x']);
  assert.deepEqual((await protectedBranches(ctx, config, 'origin')).sort(), ['dx/index']);
  await h.git(['branch', 'master']);
  assert.deepEqual((await protectedBranches(ctx, config, 'origin')).sort(), ['dx/index', 'master']);
  // Packed: the packed-refs line counts, still with no git process.
  await h.git(['pack-refs', '--all', '--prune']);
  const packed = await tracedGit(() => protectedBranches(ctx, config, 'origin'));
  assert.deepEqual([packed.value.sort(), packed.gits.length], [['dx/index', 'master'], 0]);
  // A remote HEAD that is not a symref file (a symlink, a detached value): git decides, and agrees.
  const headFile = path.join(h.dir, '.git', 'refs', 'remotes', 'origin', 'HEAD');
  fs.mkdirSync(path.dirname(headFile), { recursive: true });
  fs.writeFileSync(sb.tmp('remote-head'), 'ref: refs/remotes/origin/develop\n');
  fs.symlinkSync(sb.tmp('remote-head'), headFile);
  const linked = await tracedGit(() => protectedBranches(ctx, config, 'origin'));
  assert.deepEqual(kinds(linked.gits)[0], 'for-each-ref');
  fs.rmSync(headFile);
  fs.writeFileSync(headFile, `${(await h.git(['rev-parse', 'master'])).out.trim()}\n`);
  const detached = await tracedGit(() => protectedBranches(ctx, config, 'origin'));
  assert.deepEqual([detached.value.sort(), kinds(detached.gits)[0]], [['dx/index', 'master'], 'for-each-ref']);
});

test('resolveRemote: the branch\'s remote from one config listing; a remote git knows without a URL line still resolves; none is NO_REMOTE', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  await h.git(['remote', 'add', 'up', remote]);
  await h.git(['config', 'branch.main.remote', 'up']);
  const r = await tracedGit(async () => resolveRemote(await openRepo(h.dir), undefined, 'main'));
  assert.equal(r.value, 'up');
  assert.deepEqual(kinds(r.gits), ['config'], 'the context from its files (openRepo), then one config listing');
  // A remote from a legacy .git/remotes file has no remote.<name>.url: git is asked, and knows it.
  fs.mkdirSync(path.join(h.dir, '.git', 'remotes'), { recursive: true });
  fs.writeFileSync(path.join(h.dir, '.git', 'remotes', 'legacy'), `URL: ${remote}\n`);
  await h.git(['config', 'branch.main.remote', 'legacy']);
  assert.equal(await resolveRemote(await openRepo(h.dir), undefined, 'main'), 'legacy');
  await h.git(['config', 'branch.main.remote', 'nowhere']);
  await assert.rejects(resolveRemote(await openRepo(h.dir), undefined, 'main'), (err: Error & { code?: string }) => err.code === 'NO_REMOTE');
});

test('trustIndex: a listing this run took backs the index with no second ls-remote; a ref pushed since, or a hostile entry, sends it to the remote again', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  const base = (await seedRemote(sb, remote)).trim();
  const other = await cloneAs(sb, remote, 'other');
  const push = async (ref: string, msg: string) => {
    const sha = (await other.git(['commit-tree', '-p', base, '-m', msg, `${base}^{tree}`])).out.trim();
    await other.git(['push', '--quiet', 'origin', `${sha}:${ref}`]);
    return sha;
  };
  const a = await push('refs/heads/wip/other/main', 'one');
  const h = await cloneAs(sb, remote, 'here');
  const ctx = await openRepo(h.dir);
  const entry = (branch: string, sha: string) => ({ host: 'other', branch, ref: `refs/heads/wip/other/${branch}`, sha, base, ts: 1, message: 'm', dirty: false });
  const index: WipIndex = { schema_version: 1, repo: 'r', updated: 0, entries: { 'other/main': entry('main', a) }, hosts: {} };

  await lsRemote(ctx, 'origin', []); // what sync's check for vanished refs lists first
  const reused = await tracedGit(() => trustIndex(ctx, 'origin', 'refs/heads/wip', index));
  assert.equal(reused.value.dropped, 0);
  assert.equal(reused.gits.length, 0, 'the listing backs every entry: the remote is not asked again');

  // Another host pushes after the listing: its new entry is not in it, so the remote decides (and backs it).
  const b = await push('refs/heads/wip/other/feature', 'two');
  index.entries['other/feature'] = entry('feature', b);
  const fresh = await tracedGit(() => trustIndex(ctx, 'origin', 'refs/heads/wip', index));
  assert.equal(fresh.value.dropped, 0, 'a ref pushed after the listing is believed');
  assert.deepEqual(kinds(fresh.gits), ['ls-remote']);

  // What this run pushed itself (and the remote accepted) is in the listing: no second look for it.
  const mine = (await h.git(['commit-tree', '-p', base, '-m', 'mine', `${base}^{tree}`])).out.trim();
  const pushed = await pushWip(ctx, 'origin', 'refs/heads/wip/here/main', mine, null, { host: 'here', branch: 'main' });
  assert.equal(pushed.ok, true);
  index.entries['here/main'] = { ...entry('main', mine), host: 'here', ref: 'refs/heads/wip/here/main' };
  const own = await tracedGit(() => trustIndex(ctx, 'origin', 'refs/heads/wip', index));
  assert.equal(own.value.dropped, 0);
  assert.equal(own.gits.length, 0, 'the push result updated the listing');

  // A hostile entry (a sha the ref does not hold) is dropped against the fresh listing too.
  index.entries['other/evil'] = entry('evil', 'e'.repeat(40));
  const hostile = await tracedGit(() => trustIndex(ctx, 'origin', 'refs/heads/wip', index));
  assert.equal(hostile.value.dropped, 1);
  assert.deepEqual(Object.keys(hostile.value.index.entries).sort(), ['here/main', 'other/feature', 'other/main']);
  assert.deepEqual(kinds(hostile.gits), ['ls-remote']);
});

test('updateIndex: the run\'s listing stands in for the index fetch; an index another host pushed after the listing still merges (the lease fails, the retry fetches), and nothing is lost', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  const base = (await seedRemote(sb, remote)).trim();
  const here = await cloneAs(sb, remote, 'here');
  const other = await cloneAs(sb, remote, 'other');
  const entry = (host: string, branch: string) => ({ host, branch, ref: `refs/heads/wip/${host}/${branch}`, sha: base, base, ts: 1_700_000_000, message: `${host} ${branch}`, dirty: false });
  const update = async (dir: string, host: string, branch: string) => {
    const ctx = await openRepo(dir);
    return { ctx, r: await updateIndex(ctx, 'origin', { host, repo: 'r', incoming: { [`${host}/${branch}`]: entry(host, branch) }, rebuild: async () => emptyIndex('r', 0) }) };
  };
  await update(other.dir, 'other', 'one');

  // No race: the listing matches the local copy, so no fetch of the index.
  const ctx = await openRepo(here.dir);
  await fetchIndexTip(ctx, 'origin');
  await lsRemote(ctx, 'origin', []);
  const quiet = await tracedGit(() => updateIndex(ctx, 'origin', { host: 'here', repo: 'r', incoming: { 'here/main': entry('here', 'main') }, rebuild: async () => emptyIndex('r', 0) }));
  assert.equal(kinds(quiet.gits).filter((k) => k === 'fetch').length, 0, 'no fetch: the listing told the tip');
  assert.equal(kinds(quiet.gits).filter((k) => k === 'rev-parse').length, 0, 'the local copy\'s tip is read from its ref file');
  assert.equal(quiet.value.attempts, 1);
  // The local copy read back without git asking for its tip; packed, git is asked and gives the same.
  const local = await tracedGit(() => readLocalIndex(ctx));
  assert.ok(local.value && 'index' in local.value && local.value.index.entries['here/main']);
  assert.deepEqual(kinds(local.gits).filter((k) => k === 'rev-parse'), []);
  await here.git(['pack-refs', '--all', '--prune']);
  const packed = await tracedGit(() => readLocalIndex(ctx));
  assert.deepEqual(packed.value, local.value);
  assert.deepEqual(kinds(packed.gits).filter((k) => k === 'rev-parse'), [], 'packed, it is read from packed-refs');

  // A race: another host updates the index after this run listed it.
  await update(other.dir, 'other', 'two');
  const raced = await tracedGit(() => updateIndex(ctx, 'origin', { host: 'here', repo: 'r', incoming: { 'here/feature': entry('here', 'feature') }, rebuild: async () => emptyIndex('r', 0) }));
  assert.equal(raced.value.attempts, 2, 'the stale tip lost the lease; the retry fetched');
  const tip = await fetchIndexTip(await openRepo(other.dir), 'origin');
  const read = await readIndexAt(await openRepo(other.dir), tip as string);
  assert.ok('index' in read);
  assert.deepEqual(Object.keys(read.index.entries).sort(), ['here/feature', 'here/main', 'other/one', 'other/two'], 'every host\'s entries are in the remote index');
});

test('committedSource: every config place at a commit or in the index in one cat-file; a folder named .dxrc, a package.json without a dx key and a missing commit are skipped', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  await h.commit('configs', { '.dxrc/readme': 'a folder, not a config\n', 'package.json': JSON.stringify({ name: 'x' }), '.dxrc.json': JSON.stringify({ protect: { paths: ['deploy/**'] } }) });
  const s = await openSession(h.dir);
  const atHead = await tracedGit(() => committedSource(s, 'HEAD'));
  assert.deepEqual(atHead.value, { from: 'HEAD:.dxrc.json', paths: ['deploy/**'], branches: null });
  assert.deepEqual(kinds(atHead.gits), ['cat-file']);
  // The index's stage 0: a package.json with a dx key comes first there.
  await h.write('package.json', JSON.stringify({ name: 'x', dx: { protect: { paths: ['LICENSE'] } } }));
  await h.git(['add', 'package.json']);
  assert.deepEqual(await committedSource(s, { index: true }), { from: 'index:package.json', paths: ['LICENSE'], branches: null });
  assert.equal(await committedSource(s, 'f'.repeat(40)), null, 'a commit this repository lacks adds nothing');
});

test('effectiveHooksDir: with the config already listed and no core.hooksPath, the common dir\'s hooks with no git process; core.hooksPath set, git resolves it', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  const asked = async () => {
    const ctx = await openRepo(h.dir);
    const cold = await tracedGit(() => effectiveHooksDir(ctx));
    await repoConfig(ctx);
    const warm = await tracedGit(() => effectiveHooksDir(ctx));
    return { cold: [cold.value, kinds(cold.gits)], warm: [warm.value, kinds(warm.gits)] };
  };
  const plain = await asked();
  const hooks = path.join(fs.realpathSync(h.dir), '.git', 'hooks');
  assert.deepEqual(plain.cold, [hooks, ['rev-parse']], 'nothing listed yet: one question to git');
  assert.deepEqual(plain.warm, [hooks, []]);
  await h.git(['config', 'core.hooksPath', '.husky/_']);
  const husky = await asked();
  assert.deepEqual(husky.warm, [path.join(fs.realpathSync(h.dir), '.husky', '_'), ['rev-parse']]);
});

test('openRepo: the top of a plain main work tree is read from its files with no git process, and gives what git gives; a symlinked path, a subfolder, a linked worktree, core.worktree, an include, extensions and a bare repository go to git', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  /** What git itself says of `cwd`, in openRepo's shape. */
  const gitSays = async (cwd: string) => {
    const [, gitDir, commonDir, top] = (await h.git(['-C', cwd, 'rev-parse', '--path-format=absolute', '--is-bare-repository', '--git-dir', '--git-common-dir', '--show-toplevel'])).out.trim().split('\n');
    return { top, gitDir, commonDir, dxDir: path.join(commonDir!, 'dx') };
  };
  const plain = await tracedGit(() => openRepo(h.dir));
  assert.deepEqual(plain.value, await gitSays(h.dir));
  assert.deepEqual(plain.gits, [], 'a plain main work tree: no git process');

  // A path through a symlink: the real path, as git gives it.
  const link = path.join(sb.root, 'via-link');
  fs.symlinkSync(h.dir, link);
  assert.deepEqual(await openRepo(link), await gitSays(h.dir));
  // A subfolder and a linked worktree: git answers (one rev-parse each).
  fs.mkdirSync(path.join(h.dir, 'sub'));
  const sub = await tracedGit(() => openRepo(path.join(h.dir, 'sub')));
  assert.deepEqual(sub.value, await gitSays(h.dir));
  assert.deepEqual(kinds(sub.gits), ['rev-parse']);
  const wt = path.join(sb.root, 'linked');
  await h.git(['worktree', 'add', '-q', wt]);
  const linked = await tracedGit(() => openRepo(wt));
  assert.deepEqual(linked.value, await gitSays(wt));
  assert.equal(linked.value.commonDir, path.join(fs.realpathSync(h.dir), '.git'));
  assert.deepEqual(kinds(linked.gits), ['rev-parse']);

  // core.worktree moves the work tree elsewhere: the files cannot say it, git does.
  const elsewhere = path.join(sb.root, 'elsewhere');
  fs.mkdirSync(elsewhere);
  await h.git(['config', 'core.worktree', elsewhere]);
  const moved = await tracedGit(() => openRepo(h.dir));
  assert.deepEqual(kinds(moved.gits), ['rev-parse'], 'core.worktree set: git decides');
  assert.equal(moved.value.top, fs.realpathSync(elsewhere));
  await h.git(['config', '--unset', 'core.worktree']);
  // An include (it could set core.worktree) and an extension (another format): git decides.
  for (const [key, value] of [['include.path', path.join(sb.root, 'none.cfg')], ['extensions.noop', 'x']] as const) {
    await h.git(['config', key, value]);
    const r = await tracedGit(() => openRepo(h.dir));
    assert.deepEqual(kinds(r.gits), ['rev-parse'], `${key} set: git decides`);
    await h.git(['config', '--unset', key]);
  }
  // core.bare = true: git says it is bare, and openRepo refuses it as before.
  await h.git(['config', 'core.bare', 'true']);
  await assert.rejects(openRepo(h.dir), (err: Error & { code?: string }) => err.code === 'BARE_REPO' || err.code === 'NOT_A_WORK_TREE');
  await h.git(['config', 'core.bare', 'false']);
  assert.deepEqual((await tracedGit(() => openRepo(h.dir))).gits, [], 'back to plain: no git process');
  // A .git that is a symlink to the real folder: git decides.
  const moved2 = path.join(sb.root, 'gitdir-real');
  fs.renameSync(path.join(h.dir, '.git'), moved2);
  fs.symlinkSync(moved2, path.join(h.dir, '.git'));
  const viaLink = await tracedGit(() => openRepo(h.dir));
  assert.deepEqual(kinds(viaLink.gits), ['rev-parse']);
  assert.deepEqual(viaLink.value, await gitSays(h.dir));
});

test('protectionInForce: HEAD\'s committed config is read once per commit (no git object read while HEAD stays); a new commit, a corrupt cache or a cache for another commit reads it again', async (t) => {
  const sb = await withSandbox(t);
  pinProcessEnv(sb, 'here');
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  await h.commit('protect deploy', { '.dxrc.json': JSON.stringify({ protect: { paths: ['deploy/**'] } }) });
  const s = await openSession(h.dir);
  const cache = path.join(h.dir, '.git', 'dx', 'committed-config.json');
  const committed = (p: Awaited<ReturnType<typeof protectionInForce>>) => p.sources.filter((x) => x.from.startsWith('HEAD:'));
  const first = await tracedGit(() => protectionInForce(s));
  assert.deepEqual(committed(first.value), [{ from: 'HEAD:.dxrc.json', paths: ['deploy/**'], branches: null }]);
  assert.ok(kinds(first.gits).includes('cat-file'), 'the first look reads HEAD\'s config places');
  const again = await tracedGit(() => protectionInForce(s));
  assert.deepEqual(committed(again.value), committed(first.value));
  assert.ok(!kinds(again.gits).includes('cat-file'), 'HEAD did not move: no git object read');
  // A commit that widens the committed protection: the new commit's config is read.
  await h.commit('protect more', { '.dxrc.json': JSON.stringify({ protect: { paths: ['deploy/**', 'LICENSE'] } }) });
  const moved = await tracedGit(() => protectionInForce(s));
  assert.deepEqual(committed(moved.value), [{ from: 'HEAD:.dxrc.json', paths: ['deploy/**', 'LICENSE'], branches: null }]);
  assert.ok(kinds(moved.gits).includes('cat-file'));
  assert.ok(moved.value.isProtected('LICENSE'));
  // A cache that claims HEAD's commit has no config (or names another commit) is not believed past its commit.
  const head = (await h.git(['rev-parse', 'HEAD'])).out.trim();
  fs.writeFileSync(cache, JSON.stringify({ schema_version: 1, commit: 'a'.repeat(40), source: null }));
  assert.ok((await protectionInForce(s)).isProtected('deploy/run.sh'), 'a cache for another commit is read again');
  // Corrupt: read from git again, and said in the ledger.
  fs.writeFileSync(cache, '{ not json');
  assert.ok((await protectionInForce(s)).isProtected('deploy/run.sh'));
  const ledger = await readLedger(s.ctx);
  assert.ok(ledger.events.some((e) => e.op === 'cache.corrupt' && JSON.stringify(e.detail).includes('committed-config.json')), 'a corrupt cache is said in the ledger');
  assert.equal(JSON.parse(fs.readFileSync(cache, 'utf8')).commit, head, 'rewritten for HEAD\'s commit');
  // A cache file that is a symlink is never written through.
  const outside = path.join(sb.root, 'outside.json');
  fs.writeFileSync(outside, 'untouched');
  fs.rmSync(cache);
  fs.symlinkSync(outside, cache);
  assert.ok((await protectionInForce(s)).isProtected('deploy/run.sh'));
  assert.equal(fs.readFileSync(outside, 'utf8'), 'untouched');
});

test('readIndexAt: the last index text read is kept on disk by commit, so the next process reads no git object for it; a damaged copy or one for another commit is read from git again', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'here');
  hosts.push(h);
  h.env.DX_WIP_PUSH = 'sync';
  await installHooks(h);
  await h.commit('work', { 'w.txt': 'w\n' });
  const copy = path.join(h.dir, '.git', 'dx', 'index-text');
  const indexReads = async () => {
    const r = await dx(h, ['restore', '--list', '--json'], { env: { ...h.env, DX_DEBUG: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const refs = (JSON.parse(r.stdout) as { ref: string }[] | { entries: { ref: string }[] });
    const listed = Array.isArray(refs) ? refs : refs.entries;
    assert.ok(JSON.stringify(listed).includes('refs/heads/wip/here/main'), r.stdout);
    return r.stderr.split('\n').filter((l) => /git "cat-file" "blob" "[0-9a-f]+:\.dx\/wip-index\.json"/.test(l)).length;
  };
  await indexReads();
  const tip = (await h.git(['rev-parse', 'refs/dx/index'])).out.trim();
  assert.ok(fs.readFileSync(copy, 'utf8').startsWith(tip + '\n'), 'the copy names the commit it came from');
  assert.equal(await indexReads(), 0, 'the same commit: the copy is read, not git');
  // Damaged (same commit line, text that is not an index): git is asked, and the listing is right.
  fs.writeFileSync(copy, `${tip}\n{ "entries": "not an index" }`);
  assert.equal(await indexReads(), 1);
  // A copy of another commit is not used.
  fs.writeFileSync(copy, `${'b'.repeat(40)}\n${fs.readFileSync(copy, 'utf8').split('\n').slice(1).join('\n')}`);
  assert.equal(await indexReads(), 1);
  // A symlink in its place is never followed nor written through.
  const outside = path.join(sb.root, 'outside-copy');
  fs.writeFileSync(outside, `${tip}\n{}`);
  fs.rmSync(copy);
  fs.symlinkSync(outside, copy);
  assert.equal(await indexReads(), 1);
  assert.equal(fs.readFileSync(outside, 'utf8'), `${tip}\n{}`);
});
