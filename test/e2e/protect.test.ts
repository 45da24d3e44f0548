// Protected paths and branches (issue 3): each test first shows the loss happening without
// dx-hooks, then shows it refused (or recorded for undo) with it, and that the override works and is logged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, lsRemote, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';
import { idle } from '../helpers/idle.ts';

const DXRC = JSON.stringify({ protect: { paths: ['deploy/**', 'LICENSE'] } });

/** A remote whose main has deploy/run.sh (executable) and LICENSE, and a clone of it; dx-hooks installed unless `plain`. */
async function repo(t: Parameters<typeof withSandbox>[0], host: string, opts: { plain?: boolean; sb?: Sandbox; remote?: string } = {}) {
  const sb = opts.sb ?? (await withSandbox(t));
  let remote = opts.remote;
  if (!remote) {
    remote = await createBareRemote(sb, `${host}-remote.git`);
    await seedRemote(sb, remote);
    const seed = await cloneAs(sb, remote, `${host}-seed`);
    await seed.write('deploy/run.sh', '#!/bin/sh\necho deploy\n');
    fs.chmodSync(path.join(seed.dir, 'deploy/run.sh'), 0o755);
    await seed.write('LICENSE', 'MIT\n');
    await seed.write('.dxrc.json', DXRC);
    await seed.commit('protected files');
    await seed.git(['push', '-q', 'origin', 'main']);
  }
  const h = await cloneAs(sb, remote, host);
  h.env.DX_WIP_PUSH = 'sync';
  if (!opts.plain) await installHooks(h);
  return { sb, remote, h };
}

const ledger = (h: Host) => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; op: string; ok: boolean; paths?: string[]; refs?: Record<string, { old: string | null; new: string | null }>; detail?: Record<string, unknown> });

test('git rm of a protected file, then commit: lost without dx-hooks; refused with it; the override works and is logged', async (t) => {
  const { h: plain } = await repo(t, 'plain', { plain: true });
  await plain.git(['rm', '-q', 'deploy/run.sh']);
  assert.equal((await plain.git(['commit', '-qm', 'oops'])).code, 0, 'without dx-hooks the deletion is committed');
  assert.equal((await plain.git(['ls-tree', 'HEAD', 'deploy/run.sh'])).out, '');

  const { h } = await repo(t, 'guarded');
  await h.git(['rm', '-q', 'deploy/run.sh']);
  const r = await h.git(['commit', '-m', 'oops'], { allowFail: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused this commit/);
  assert.match(r.stderr, /deploy\/run\.sh: deleted/);
  assert.match(r.stderr, /DX_ALLOW_PROTECTED=1/);
  assert.notEqual((await h.git(['ls-tree', 'HEAD', 'deploy/run.sh'])).out, '', 'HEAD still has it');
  const ok = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['commit', '-m', 'really remove it']);
  assert.equal(ok.code, 0);
  assert.match(ok.stderr, /DX_ALLOW_PROTECTED=1 — committing the removal of protected paths: deploy\/run\.sh \(logged\)/);
  assert.ok(ledger(h).some((e) => e.op === 'protect.override' && e.paths?.includes('deploy/run.sh')));
  assert.ok(ledger(h).some((e) => e.op === 'protect.refuse' && e.paths?.includes('deploy/run.sh')));
});

test('a commit that drops a protected script\'s exec bit is refused', async (t) => {
  const { h: plain } = await repo(t, 'plainx', { plain: true });
  await plain.git(['update-index', '--chmod=-x', 'deploy/run.sh']);
  assert.equal((await plain.git(['commit', '-qm', 'chmod'])).code, 0);
  assert.match((await plain.git(['ls-tree', 'HEAD', 'deploy/run.sh'])).out, /^100644/);

  const { h } = await repo(t, 'guardx');
  await h.git(['update-index', '--chmod=-x', 'deploy/run.sh']);
  const r = await h.git(['commit', '-m', 'chmod'], { allowFail: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /deploy\/run\.sh: loses its exec bit/);
  assert.match((await h.git(['ls-tree', 'HEAD', 'deploy/run.sh'])).out, /^100755/);
});

test('a push that deletes a protected file the remote has is refused', async (t) => {
  const { h: plain, remote: plainRemote } = await repo(t, 'plainp', { plain: true });
  await plain.git(['rm', '-q', 'LICENSE']);
  await plain.git(['commit', '-qm', 'drop license']);
  assert.equal((await plain.git(['push', '-q', 'origin', 'main'])).code, 0);
  assert.equal((await git(plain.dir, plain.env, ['ls-tree', 'origin/main', 'LICENSE'], { allowFail: true })).out, '');
  void plainRemote;

  const { h, remote } = await repo(t, 'guardp');
  await h.git(['rm', '-q', 'LICENSE']);
  await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['commit', '-qm', 'drop license']);
  const before = (await lsRemote(h.env, remote)).get('refs/heads/main');
  const r = await h.git(['push', 'origin', 'main'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused this push to origin/);
  assert.match(r.stderr, /deletes protected path LICENSE/);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), before, 'the remote main is unchanged');
});

test('git push --force to main: the remote loses commits without dx-hooks; refused with it; the override is logged', async (t) => {
  const { h: plain, remote: pr } = await repo(t, 'plainf', { plain: true });
  const lost = (await lsRemote(plain.env, pr)).get('refs/heads/main');
  await plain.git(['reset', '-q', '--hard', 'HEAD~1']);
  await plain.commit('rewrite history', { 'x.txt': 'x\n' });
  assert.equal((await plain.git(['push', '-q', '--force', 'origin', 'main'])).code, 0);
  assert.notEqual((await lsRemote(plain.env, pr)).get('refs/heads/main'), lost);

  const { h, remote } = await repo(t, 'guardf');
  const tip = (await lsRemote(h.env, remote)).get('refs/heads/main');
  await git(h.dir, h.env, ['reset', '-q', '--hard', 'HEAD~1']);
  await h.commit('rewrite history', { 'x.txt': 'x\n' });
  const r = await h.git(['push', '--force', 'origin', 'main'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /force-pushes protected branch main/);
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/main'), tip);
  const forced = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['push', '-q', '--force', 'origin', 'main'], { allowFail: true });
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(ledger(h).some((e) => e.op === 'protect.override' && e.detail?.hook === 'pre-push'));
});

test('pushes that delete dx/index or another host\'s WIP ref are refused', async (t) => {
  const { h, remote, sb } = await repo(t, 'alpha');
  const { h: other } = await repo(t, 'beta', { sb, remote });
  await other.commit('beta work', { 'b.txt': 'b\n' });
  assert.ok((await lsRemote(h.env, remote)).has('refs/heads/wip/beta/main'));
  await h.git(['fetch', '-q']);
  const delIndex = await h.git(['push', 'origin', ':refs/heads/dx/index'], { allowFail: true });
  assert.notEqual(delIndex.code, 0);
  assert.match(delIndex.stderr, /deletes the index branch dx\/index/);
  const delWip = await h.git(['push', 'origin', ':refs/heads/wip/beta/main'], { allowFail: true });
  assert.notEqual(delWip.code, 0);
  assert.match(delWip.stderr, /deletes host "beta"'s WIP ref/);
  const rewrite = await h.git(['push', '--force', 'origin', 'HEAD:refs/heads/wip/beta/main'], { allowFail: true });
  assert.notEqual(rewrite.code, 0);
  assert.match(rewrite.stderr, /rewrites host "beta"'s WIP ref/);
  assert.ok((await lsRemote(h.env, remote)).has('refs/heads/dx/index'));
});

test('git branch -D of a branch with unpushed commits: recorded, undo brings it back; deleting a protected branch is refused', async (t) => {
  const { h } = await repo(t, 'br');
  await h.git(['switch', '-q', '-c', 'experiment']);
  const tip = await h.commit('unpushed work', { 'e.txt': 'e\n' });
  await h.git(['switch', '-q', 'main']);
  const del = await h.git(['branch', '-D', 'experiment']);
  assert.match(del.stderr, /recorded a branch rewind\/deletion — bring it back with: dx-hooks undo/);
  const ev = ledger(h).filter((e) => e.op === 'ref.delete');
  assert.equal(ev.length, 1, 'one record, even though git runs the hook twice for a packed ref');
  assert.equal(ev[0]?.refs?.['refs/heads/experiment']?.old, tip);
  assert.deepEqual((ev[0]?.detail?.undo as { refs: Record<string, string> }).refs, { 'refs/heads/experiment': tip });
  assert.equal((await h.git(['rev-parse', `refs/dx/undo/${ev[0]?.id}`])).out, tip, 'the old tip stays reachable');
  const list = await dx(h, ['undo', '--list']);
  assert.match(list.stdout, /deleted branch experiment/);
  const u = await dx(h, ['undo', ev[0]?.id as string]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await h.git(['rev-parse', 'refs/heads/experiment'])).out, tip, 'undo brought the branch back');

  await h.git(['switch', '-q', '-c', 'elsewhere']);
  const prot = await h.git(['branch', '-D', 'main'], { allowFail: true });
  assert.notEqual(prot.code, 0);
  assert.match(prot.stderr, /refused deleting protected branch main/);
  assert.equal((await h.git(['rev-parse', '-q', '--verify', 'refs/heads/main'], { allowFail: true })).code, 0);
});

test('git reset --hard HEAD~3: the commits are lost to the branch without dx-hooks; recorded as a rewind and undone with it', async (t) => {
  const { h } = await repo(t, 'rs');
  for (let i = 0; i < 3; i++) await h.commit(`c${i}`, { [`c${i}.txt`]: `${i}\n` });
  const tip = (await h.git(['rev-parse', 'HEAD'])).out;
  await h.git(['reset', '-q', '--hard', 'HEAD~3']);
  const ev = ledger(h).filter((e) => e.op === 'ref.rewind');
  assert.equal(ev.at(-1)?.refs?.['refs/heads/main']?.old, tip);
  assert.equal((await h.git(['rev-parse', `refs/dx/undo/${ev.at(-1)?.id}`])).out, tip);
  const u = await dx(h, ['undo']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await h.git(['rev-parse', 'HEAD'])).out, tip, 'undo brought the three commits back');
  assert.equal((await h.git(['status', '--porcelain'])).out, '', 'and the work tree with them');
});

test('post-checkout warns when a protected path vanished or lost its exec bit', async (t) => {
  const { h } = await repo(t, 'pc');
  fs.rmSync(path.join(h.dir, 'deploy/run.sh'));
  fs.chmodSync(path.join(h.dir, 'LICENSE'), 0o644);
  const r = await h.git(['checkout', 'HEAD', '--', '.dxrc.json']);
  assert.match(r.stderr, /protected path deploy\/run\.sh is missing from the work tree — bring it back: git checkout \w+ -- deploy\/run\.sh/);
  await h.git(['checkout', '--', 'deploy/run.sh']);
  fs.chmodSync(path.join(h.dir, 'deploy/run.sh'), 0o644);
  const r2 = await h.git(['checkout', 'HEAD', '--', '.dxrc.json']);
  assert.match(r2.stderr, /protected path deploy\/run\.sh lost its exec bit — restore it: chmod \+x deploy\/run\.sh/);
});

test('an ordinary commit starts no node in the foreground (reference-transaction and pre-commit decide in sh)', async (t) => {
  const { h, sb } = await repo(t, 'nn');
  const log = sb.tmp('node-starts.log');
  const bin = sb.tmp('spy-bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`);
  fs.chmodSync(path.join(bin, 'node'), 0o755);
  const env = { ...h.env, PATH: `${bin}:${h.env.PATH}`, DX_WIP_PUSH: 'off' };
  await h.write('a.txt', 'edit\n');
  await git(h.dir, env, ['add', 'a.txt']);
  await git(h.dir, env, ['commit', '-qm', 'ordinary']);
  await git(h.dir, env, ['checkout', '-q', '-b', 'side']);
  assert.ok(!fs.existsSync(log), `node was started: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
});

test('git older than 2.28: reference-transaction is skipped with a note, the other hooks are installed', async (t) => {
  const { h, sb } = await repo(t, 'oldgit', { plain: true });
  const bin = sb.tmp('old-git-bin');
  fs.mkdirSync(bin);
  const gitPath = (h.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'git')).find((p) => fs.existsSync(p)) as string;
  fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\ncase " $* " in *" --version "*) echo "git version 2.27.0"; exit 0 ;; esac\nexec '${gitPath}' "$@"\n`);
  fs.chmodSync(path.join(bin, 'git'), 0o755);
  const r = await dx(h, ['install'], { env: { PATH: `${bin}${path.delimiter}${h.env.PATH}` } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /note: git 2\.27 has no reference-transaction hook/);
  assert.ok(!fs.existsSync(path.join(h.dir, '.git/hooks/reference-transaction')));
  assert.ok(fs.existsSync(path.join(h.dir, '.git/hooks/pre-commit')));
});

test('when the old tip of a deleted branch cannot be kept, the deletion is refused and the failure is loud', async (t) => {
  const { h } = await repo(t, 'keepfail');
  await h.git(['switch', '-q', '-c', 'doomed']);
  const tip = await h.commit('only here', { 'd.txt': 'd\n' });
  await h.git(['switch', '-q', 'main']);
  // A file where the refs/dx/undo/ folder must go: git cannot create refs/dx/undo/<id>.
  fs.mkdirSync(path.join(h.dir, '.git/refs/dx'), { recursive: true });
  fs.rmSync(path.join(h.dir, '.git/refs/dx/undo'), { recursive: true, force: true });
  fs.writeFileSync(path.join(h.dir, '.git/refs/dx/undo'), 'not a folder\n');
  // The commit's background worker rewrites the banner from its own state when it ends: it must be done
  // before the failure below writes the banner, or it can clear it.
  await idle(h);
  const r = await h.git(['branch', '-D', 'doomed'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the reference-transaction check failed — could not keep refs\/heads\/doomed's old tip/);
  assert.match(r.stderr, /DX_HOOKS=0/);
  assert.equal((await h.git(['rev-parse', 'refs/heads/doomed'])).out, tip, 'the branch is still there');
  assert.match(fs.readFileSync(path.join(h.dir, '.git/dx/banner'), 'utf8'), /reference-transaction check failed/);
  assert.ok(ledger(h).some((e) => e.op === 'hook.reference-transaction' && !e.ok));
});
