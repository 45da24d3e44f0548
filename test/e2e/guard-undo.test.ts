// The git guard's undo records (issue 11, point 8): a guarded `git clean -f` keeps the `.env` (and the
// wip.exclude files) it deletes in a LOCAL-ONLY snapshot that `dx-hooks undo` brings back, and which no
// hook, sync, checkpoint or push ever sends (asserted on the bare remote's objects); and `undo` after a
// guarded `stash drop` reverses that drop — naming it first — while `undo --dry-run` changes nothing.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, seedRemote, type Host } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

type Ev = { id: string; op: string; detail?: { undo?: { worktree?: { snapshot: string } } } };
const events = (h: Host): Ev[] => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Ev);

async function setup(t: Parameters<typeof idleSandbox>[0], pushMode: string) {
  const { sb, hosts } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'guard');
  hosts.push(h);
  h.env.DX_WIP_PUSH = pushMode;
  await h.write('.dxrc.json', JSON.stringify({ wip: { exclude: ['private/**'] } }));
  await h.write('src/app.txt', 'committed\n');
  await h.write('.gitignore', '.env.local\nbuild/\n');
  await h.commit('base');
  await installHooks(h);
  const r = await dx(h, ['shim', 'install']);
  assert.equal(r.code, 0, r.stderr);
  h.env.PATH = `${path.join(sb.root, 'xdg', 'data', 'dx-hooks', 'bin')}${path.delimiter}${h.env.PATH}`;
  return { sb, h, remote };
}

/** Whether the bare remote holds object `sha` (in any pack or loose). */
async function remoteHas(h: Host, remote: string, sha: string): Promise<boolean> {
  return (await git(remote, h.env, ['cat-file', '-e', sha], { allowFail: true })).code === 0;
}

test('a guarded `git clean -fdx` keeps .env, an ignored .env.local and wip.exclude files in a local-only snapshot: undo brings them back, and no hook, sync, checkpoint or push sends them', async (t) => {
  const { sb, h, remote } = await setup(t, 'sync');
  const token = `API_TOKEN=dx-${crypto.randomBytes(12).toString('hex')}\n`;
  const notes = `my private notes ${crypto.randomBytes(8).toString('hex')}\n`;
  const local = `DB_PASSWORD=${crypto.randomBytes(12).toString('hex')}\n`;
  await h.write('.env', token);
  await h.write('.env.local', local);
  await h.write('build/out.js', 'build output, ignored: not kept\n');
  await h.write('private/notes.txt', notes);
  await h.write('scratch.txt', 'untracked work\n');
  const blobs = await Promise.all([token, local, notes].map(async (c) => (await h.git(['hash-object', '--stdin'], { input: c })).out));

  const r = await h.git(['clean', '-fdx']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!fs.existsSync(path.join(h.dir, '.env')) && !fs.existsSync(path.join(h.dir, '.env.local')), 'git clean deleted .env and .env.local');
  assert.match(r.stderr, /kept on this machine only, never pushed: (\.env|\.env\.local|private\/notes\.txt)(, (\.env|\.env\.local|private\/notes\.txt)){2}\)/);
  const ev = events(h).filter((e) => e.op === 'guard.clean').at(-1) as Ev;
  const snap = (await h.git(['rev-parse', `refs/dx/undo/${ev.id}`])).out;
  assert.equal((await h.git(['show', `${snap}:.env`])).stdout, token, 'the undo record holds the .env, locally');
  assert.equal((await h.git(['show', `${snap}:.env.local`])).stdout, local, 'and the ignored .env.local');
  assert.equal((await h.git(['cat-file', '-e', `${snap}:build/out.js`], { allowFail: true })).code, 128, 'not other ignored files');
  assert.match((await h.git(['log', '-1', '--format=%B', snap])).out, /^Dx-Local-Only: /m);

  // undo names what it reverses and brings every file back.
  const u = await dx(h, ['undo']);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, new RegExp(`undoing guard\\.clean ${ev.id}`));
  assert.equal(fs.readFileSync(path.join(h.dir, '.env'), 'utf8'), token);
  assert.equal(fs.readFileSync(path.join(h.dir, '.env.local'), 'utf8'), local);
  assert.equal((await h.git(['status', '--porcelain', '--ignored', '.env.local'])).out, '!! .env.local', 'still ignored, not staged');
  assert.equal(fs.readFileSync(path.join(h.dir, 'private/notes.txt'), 'utf8'), notes);
  assert.equal(fs.readFileSync(path.join(h.dir, 'scratch.txt'), 'utf8'), 'untracked work\n');

  // The ordinary life of the repository: commits mirrored by the hooks, a checkpoint, sync, a push.
  await h.write('src/app.txt', 'more\n');
  await h.git(['commit', '-q', '-m', 'more work', '--', 'src/app.txt']);
  const cp = await dx(h, ['checkpoint', '--json']);
  assert.equal(cp.code, 0, cp.stdout + cp.stderr);
  const sy = await dx(h, ['sync']);
  assert.equal(sy.code, 0, sy.stdout + sy.stderr);
  assert.equal((await h.git(['push', '-q', 'origin', 'main'])).code, 0);
  // Publishing the undo record on purpose: under another name (pre-push), and through a branch built on it
  // whose commits the post-commit hook mirrors (the secret gate).
  const named = await h.git(['push', 'origin', `refs/dx/undo/${ev.id}:refs/heads/leak`], { allowFail: true });
  assert.notEqual(named.code, 0, 'pushing the undo record under another name is refused');
  assert.match(named.stderr, /local-only undo snapshot/);
  // Not even the override publishes it (nor a mirror push of every ref, undo records included).
  const forced = await git(h.dir, { ...h.env, DX_ALLOW_PROTECTED: '1' }, ['push', 'origin', `refs/dx/undo/${ev.id}:refs/heads/leak`], { allowFail: true });
  assert.notEqual(forced.code, 0, 'DX_ALLOW_PROTECTED=1 does not publish the undo record');
  assert.match(forced.stderr, /even with DX_ALLOW_PROTECTED=1/);
  const wt = sb.tmp('leak-wt');
  await h.git(['worktree', 'add', '-q', '-b', 'leak', wt, snap]);
  fs.writeFileSync(path.join(wt, 'on-top.txt'), 'a commit on the undo record\n');
  await git(wt, h.env, ['add', 'on-top.txt']);
  await git(wt, h.env, ['commit', '-q', '-m', 'on top of the undo record']);
  const viaBranch = await git(wt, h.env, ['push', 'origin', 'leak'], { allowFail: true });
  assert.notEqual(viaBranch.code, 0, 'pushing a branch that holds the undo record is refused');
  assert.match(viaBranch.stderr, /local-only undo snapshot/);
  await idle(h);
  const banner = path.join(h.dir, '.git/dx/banner');
  assert.match(fs.existsSync(banner) ? fs.readFileSync(banner, 'utf8') : '', /local-only undo snapshot/, 'the mirror of the branch is held, and said');

  for (const b of blobs) assert.equal(await remoteHas(h, remote, b), false, `the remote never received blob ${b}`);
  assert.equal(await remoteHas(h, remote, snap), false, 'nor the undo snapshot commit');
  assert.equal(await remoteHas(h, remote, (JSON.parse(cp.stdout) as { snapshot: { sha: string } }).snapshot.sha), true, 'the checkpoint itself was pushed');
});

/** Every ref with its value, the stash list, and every file of the work tree with its content. */
async function observable(h: Host) {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.name === '.git') continue;
      if (e.isDirectory()) walk(full);
      else files[path.relative(h.dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(h.dir);
  return {
    refs: (await h.git(['for-each-ref', '--format=%(refname) %(objectname)'])).out,
    stash: (await h.git(['stash', 'list', '--format=%H %gs'])).out,
    head: (await h.git(['symbolic-ref', 'HEAD'])).out,
    index: (await h.git(['ls-files', '-s'])).out,
    files,
  };
}

test('undo after a guarded `git stash drop` reverses the drop, naming it first; --dry-run shows it and changes nothing', async (t) => {
  const { h } = await setup(t, 'off');
  // An earlier undoable operation: a guarded checkout that discarded an edit.
  await h.write('src/app.txt', 'an edit discarded on purpose\n');
  assert.equal((await h.git(['checkout', '--', 'src/app.txt'])).code, 0);
  const checkout = events(h).filter((e) => e.op === 'guard.checkout').at(-1) as Ev;
  // Then a stash, dropped.
  await h.write('src/app.txt', 'stashed work\n');
  await h.write('stashed-new.txt', 'untracked, stashed\n');
  await h.git(['stash', 'push', '-q', '--include-untracked', '-m', 'keep me']);
  const stashSha = (await h.git(['rev-parse', 'refs/stash'])).out;
  const drop = await h.git(['stash', 'drop']);
  assert.equal(drop.code, 0, drop.stderr);
  const dropEv = events(h).filter((e) => e.op === 'guard.stash').at(-1) as Ev;
  assert.equal((await h.git(['stash', 'list'])).out, '');

  const before = await observable(h);
  const ledgerBefore = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8');
  const dry = await dx(h, ['undo', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`would undo guard\\.stash ${dropEv.id}`));
  assert.match(dry.stdout, new RegExp(`stash entry ${stashSha.slice(0, 12)}.*keep me`));
  assert.doesNotMatch(dry.stdout, new RegExp(checkout.id));
  const plan = JSON.parse((await dx(h, ['undo', '--dry-run', '--json'])).stdout) as { undo: { id: string; op: string }; stash: { sha: string }[] };
  assert.deepEqual([plan.undo.id, plan.undo.op, plan.stash.map((e) => e.sha)], [dropEv.id, 'guard.stash', [stashSha]]);
  assert.deepEqual(await observable(h), before, '--dry-run moved no ref and touched no file');
  assert.equal(fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8'), ledgerBefore, '--dry-run wrote no ledger line');

  const u = await dx(h, ['undo']);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, new RegExp(`undoing guard\\.stash ${dropEv.id}`));
  assert.equal((await h.git(['stash', 'list', '--format=%H %gs'])).out, `${stashSha} On main: keep me`, 'the dropped stash entry is back');
  assert.equal(fs.readFileSync(path.join(h.dir, 'src/app.txt'), 'utf8'), 'committed\n', 'the earlier checkout was NOT reversed');
  const undoId = JSON.parse((await dx(h, ['undo', '--list', '--json'])).stdout).entries[0].id as string;
  // The undo is itself undoable: undoing it drops the entry again (kept under refs/dx/undo/).
  assert.equal((await dx(h, ['undo', undoId])).code, 0);
  assert.equal((await h.git(['stash', 'list'])).out, '');
  assert.equal((await dx(h, ['undo'])).code, 0);
  await h.git(['stash', 'pop', '-q']);
  assert.equal(fs.readFileSync(path.join(h.dir, 'stashed-new.txt'), 'utf8'), 'untracked, stashed\n', 'the entry came back whole');
});
