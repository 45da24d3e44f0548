// Issue 10, class 10: the git guard covers what it claims. Every route to a destructive git command
// through the PATH shim — an alias, a `!` shell alias, clean under clean.requireForce=false, restore or
// checkout from another tree, --no-overlay, -C / --git-dir / --work-tree from elsewhere, checkout -f,
// switch -f, rm -f, stash drop after stash -u, worktree remove --force — with uncommitted work: the
// command runs, and `dx-hooks undo` (or the printed recovery) brings the work back byte for byte. On
// protected paths it is refused and the files are intact; a git dir kept apart from its work tree is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, seedRemote, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

const BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37) & 0xff));
type Ev = { id: string; op: string; detail?: { undo?: unknown; recover?: string; alias?: string; stashes?: string[] } };
const events = (h: Host): Ev[] => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Ev);

async function setup(t: Parameters<typeof withSandbox>[0]): Promise<{ sb: Sandbox; h: Host; bin: string }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'guard');
  h.env.DX_WIP_PUSH = 'off';
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**'] } }));
  await h.write('src/app.txt', 'v1\n');
  await h.commit('v1');
  await h.write('deploy/run.sh', '#!/bin/sh\necho deploy\n');
  await h.write('src/app.txt', 'committed\n');
  await h.commit('base');
  await installHooks(h);
  const r = await dx(h, ['shim', 'install']);
  assert.equal(r.code, 0, r.stderr);
  const bin = path.join(sb.root, 'xdg', 'data', 'dx-hooks', 'bin');
  h.env.PATH = `${bin}${path.delimiter}${h.env.PATH}`;
  return { sb, h, bin };
}

async function dirty(h: Host) {
  await h.write('src/app.txt', 'uncommitted edit\n');
  await h.write('notes.bin', BYTES);
}

function intact(h: Host): boolean {
  const app = path.join(h.dir, 'src/app.txt');
  const edit = fs.existsSync(app) && fs.readFileSync(app, 'utf8') === 'uncommitted edit\n';
  const notes = fs.existsSync(path.join(h.dir, 'notes.bin')) && fs.readFileSync(path.join(h.dir, 'notes.bin')).equals(BYTES);
  return edit && notes;
}

/** Run a destructive route through the shim (in `cwd`), check it destroyed something, then undo and check every byte is back. */
async function route(h: Host, what: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  await dirty(h);
  const before = events(h).length;
  const r = await git(opts.cwd ?? h.dir, { ...h.env, ...opts.env }, args, { allowFail: true });
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  assert.match(r.stderr, /dx-hooks: snapshot \w+ taken before/, `${what}: a snapshot first`);
  assert.ok(!intact(h), `${what}: the command did destroy uncommitted work`);
  const ev = events(h).slice(before).find((e) => e.op.startsWith('guard.') && e.detail?.undo);
  assert.ok(ev, `${what}: an undoable ledger line`);
  const u = await dx(h, ['undo', ev.id]);
  assert.equal(u.code, 0, `${what}: ${u.stderr}`);
  assert.ok(intact(h), `${what}: dx-hooks undo brought the work back byte for byte`);
  return ev;
}

test('aliases, shell aliases, clean.requireForce=false, restore --source, checkout -f, switch -f and rm -f are snapshot first and undone', async (t) => {
  const { h } = await setup(t);
  await h.git(['config', 'alias.nuke', 'reset --hard']);
  await h.git(['config', 'alias.co', 'checkout']);
  await h.git(['config', 'alias.wipe', '!git reset --hard && git clean -fdq']);
  await h.git(['config', 'alias.st', 'status --porcelain']);
  await route(h, 'an alias of reset --hard', ['nuke']);
  await route(h, 'an alias of checkout, with -- .', ['co', '--', '.']);
  const sh = await route(h, 'a ! shell alias running reset --hard', ['wipe']);
  assert.equal(sh.detail?.alias, 'alias.wipe');
  await route(h, 'git -c alias.x=… x', ['-c', 'alias.zap=reset --hard', 'zap']);
  await route(h, 'git -c clean.requireForce=false clean', ['-c', 'clean.requireForce=false', 'clean']);
  await h.git(['config', 'clean.requireForce', 'false']);
  await route(h, 'plain git clean under clean.requireForce=false', ['clean']);
  await h.git(['config', '--unset', 'clean.requireForce']);
  await route(h, 'restore --source=HEAD~1', ['restore', '--source=HEAD~1', '--', 'src/app.txt']);
  await route(h, 'restore -s HEAD~1', ['restore', '-s', 'HEAD~1', 'src/app.txt']);
  await h.git(['branch', '-f', 'other', 'HEAD~1']);
  await route(h, 'checkout -f <branch>', ['checkout', '-f', 'other']);
  assert.equal((await h.git(['symbolic-ref', '--short', 'HEAD'])).out, 'main', 'undo went back to the branch too');
  await route(h, 'switch -f <branch>', ['switch', '-f', 'other']);
  await route(h, 'rm -f of a modified file', ['rm', '-qf', 'src/app.txt']);
  await h.git(['reset', '-q']);

  // Not destructive: no snapshot, git's own output.
  const st = await h.git(['st']);
  assert.doesNotMatch(st.stderr, /snapshot/);
  assert.match(st.stdout, /notes\.bin/);
  const sw = await h.git(['co', 'other'], { allowFail: true });
  assert.notEqual(sw.code, 0, 'git refuses to switch over local changes, as without the guard');
  assert.doesNotMatch(sw.stderr, /snapshot/);
  const dry = await h.git(['clean', '-n']);
  assert.doesNotMatch(dry.stderr, /snapshot/);
});

test('on protected paths the aliased, sourced and --no-overlay routes are refused and the files are intact', async (t) => {
  const { h } = await setup(t);
  await h.git(['config', 'alias.nuke', 'reset --hard']);
  await h.write('deploy/run.sh', '#!/bin/sh\necho hotfix\n');
  for (const [what, args] of [
    ['an alias of reset --hard', ['nuke']],
    ['git -c alias', ['-c', 'alias.zz=checkout --', 'zz', 'deploy/run.sh']],
  ] as const) {
    const r = await h.git([...args], { allowFail: true });
    assert.equal(r.code, 1, what);
    assert.match(r.stderr, /would destroy protected paths/, what);
    assert.equal(fs.readFileSync(path.join(h.dir, 'deploy/run.sh'), 'utf8'), '#!/bin/sh\necho hotfix\n', `${what}: intact`);
  }
  await h.git(['config', 'alias.nuke', 'reset --hard']);
  await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['checkout', '--', 'deploy/run.sh']);
  // HEAD~1 has no deploy/: restoring deploy/ from it (no overlay) deletes the protected file.
  for (const [what, args] of [
    ['restore --source=HEAD~1 deploy', ['restore', '--source=HEAD~1', 'deploy']],
    ['restore -s HEAD~1 -- deploy', ['restore', '-s', 'HEAD~1', '--', 'deploy']],
    ['checkout --no-overlay HEAD~1 -- deploy', ['checkout', '--no-overlay', 'HEAD~1', '--', 'deploy']],
  ] as const) {
    const r = await h.git([...args], { allowFail: true });
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, /would destroy protected paths[\s\S]*deploy\/run\.sh/, what);
    assert.ok(fs.existsSync(path.join(h.dir, 'deploy/run.sh')), `${what}: the protected file is still there`);
  }
  // checkout HEAD~1 -- deploy with overlay keeps files the source lacks: git itself fails on the missing path, nothing is deleted.
  assert.ok(fs.existsSync(path.join(h.dir, 'deploy/run.sh')));
});

test('-C, --git-dir/--work-tree and GIT_DIR from outside the repository snapshot THAT repository; a separate git dir is refused', async (t) => {
  const { sb, h } = await setup(t);
  const outside = sb.tmp('elsewhere');
  fs.mkdirSync(outside);
  await route(h, '-C <repo> reset --hard', ['-C', h.dir, 'reset', '--hard'], { cwd: outside });
  await route(h, '--git-dir=<repo>/.git --work-tree=<repo> checkout -- .', [`--git-dir=${h.dir}/.git`, `--work-tree=${h.dir}`, 'checkout', '--', '.'], { cwd: outside });
  await route(h, 'GIT_DIR/GIT_WORK_TREE reset --hard', ['reset', '--hard'], { cwd: outside, env: { GIT_DIR: path.join(h.dir, '.git'), GIT_WORK_TREE: h.dir } });
  await route(h, '-C <repo>/src checkout app.txt (a path relative to -C)', ['-C', path.join(h.dir, 'src'), 'checkout', 'app.txt'], { cwd: outside });

  // A dotfiles-style repository: the git dir is not where the work tree would find it.
  const gd = sb.tmp('dot.git');
  const wt = sb.tmp('dot-wt');
  fs.mkdirSync(wt);
  const plain = { ...h.env, DX_HOOKS: '0' };
  await git(sb.root, plain, ['init', '-q', '--bare', gd]);
  fs.writeFileSync(path.join(wt, 'rc'), 'committed\n');
  await git(wt, plain, [`--git-dir=${gd}`, `--work-tree=${wt}`, 'add', 'rc']);
  await git(wt, plain, [`--git-dir=${gd}`, `--work-tree=${wt}`, 'commit', '-qm', 'rc']);
  fs.writeFileSync(path.join(wt, 'rc'), 'uncommitted\n');
  const r = await git(outside, h.env, [`--git-dir=${gd}`, `--work-tree=${wt}`, 'checkout', '--', 'rc'], { allowFail: true });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot snapshot a work tree whose git dir is kept elsewhere[\s\S]*DX_HOOKS=0/);
  assert.equal(fs.readFileSync(path.join(wt, 'rc'), 'utf8'), 'uncommitted\n', 'refused: the edit is intact');
});

test('stash -u then stash drop, and worktree remove --force: the work is kept and comes back byte for byte', async (t) => {
  const { sb, h } = await setup(t);
  await dirty(h);
  await h.git(['stash', 'push', '-q', '--include-untracked']);
  const drop = await h.git(['stash', 'drop']);
  assert.match(drop.stderr, /kept 1 stash entry under refs\/dx\/undo\//);
  const ev = events(h).filter((e) => e.op === 'guard.stash').at(-1);
  const sha = ev?.detail?.stashes?.[0] as string;
  assert.equal((await h.git(['stash', 'list'])).out, '', 'git dropped it');
  await h.git(['stash', 'store', '-m', 'recovered', sha]);
  await h.git(['stash', 'pop', '-q']);
  assert.ok(intact(h), 'the stash, untracked file included, is back');
  await git(h.dir, { ...h.env, DX_HOOKS: '0' }, ['checkout', '-q', '--', '.']);
  fs.rmSync(path.join(h.dir, 'notes.bin'));

  const wtDir = sb.tmp('linked');
  await h.git(['worktree', 'add', '-q', wtDir, '-b', 'side']);
  fs.writeFileSync(path.join(wtDir, 'src/app.txt'), 'edit in the linked worktree\n');
  fs.writeFileSync(path.join(wtDir, 'scratch.bin'), BYTES);
  const rm = await h.git(['worktree', 'remove', '--force', wtDir]);
  assert.match(rm.stderr, /bring it back with: git worktree add --detach/);
  assert.ok(!fs.existsSync(wtDir), 'git removed it');
  const rec = events(h).filter((e) => e.op === 'guard.worktree').at(-1)?.detail?.recover as string;
  const [, , , , where, snap] = rec.split(' ');
  await h.git(['worktree', 'add', '-q', '--detach', where as string, snap as string]);
  assert.equal(fs.readFileSync(path.join(wtDir, 'src/app.txt'), 'utf8'), 'edit in the linked worktree\n');
  assert.ok(fs.readFileSync(path.join(wtDir, 'scratch.bin')).equals(BYTES));
});
