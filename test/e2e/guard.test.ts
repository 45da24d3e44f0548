// The git guard (shell-init function and PATH shim) for the destructive commands no hook can stop:
// without it the uncommitted work is gone; with it a snapshot holds it (dx-hooks undo), protected
// paths are refused unless DX_ALLOW_DESTRUCTIVE=1, and everything else passes straight through.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, git, run, seedRemote, withSandbox, type Host } from '../helpers/index.ts';

async function setup(t: Parameters<typeof withSandbox>[0], opts: { plain?: boolean } = {}) {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const h = await cloneAs(sb, remote, 'guard');
  h.env.DX_WIP_PUSH = 'off';
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**'] } }));
  await h.write('deploy/run.sh', '#!/bin/sh\necho v1\n');
  await h.write('src/app.txt', 'committed\n');
  await h.commit('base');
  if (!opts.plain) {
    await installHooks(h);
    const r = await dx(h, ['shim', 'install']);
    assert.equal(r.code, 0, r.stderr);
    const bin = path.join(sb.root, 'xdg', 'data', 'dx-hooks', 'bin');
    assert.ok(fs.existsSync(path.join(bin, 'git')), 'the shim is in the XDG data dir');
    h.env.PATH = `${bin}${path.delimiter}${h.env.PATH}`;
  }
  return { sb, h };
}

const events = (h: Host) => fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; op: string; detail?: { undo?: { worktree?: { snapshot: string } } } });

async function dirty(h: Host) {
  await h.write('src/app.txt', 'uncommitted edit\n');
  await h.write('notes.txt', 'untracked notes\n');
}

for (const [name, args] of [
  ['reset --hard', ['reset', '--hard']],
  ['checkout .', ['checkout', '.']],
  ['clean -fd', ['clean', '-fd']],
] as const) {
  test(`git ${name} with uncommitted edits: lost without the guard; with it a snapshot keeps them and undo brings them back`, async (t) => {
    const { h: plain } = await setup(t, { plain: true });
    await dirty(plain);
    await plain.git([...args]);
    const lostEdit = fs.readFileSync(path.join(plain.dir, 'src/app.txt'), 'utf8') !== 'uncommitted edit\n';
    const lostNotes = !fs.existsSync(path.join(plain.dir, 'notes.txt'));
    assert.ok(lostEdit || lostNotes, 'without the guard something is destroyed');

    const { h } = await setup(t);
    await dirty(h);
    const r = await h.git([...args]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, new RegExp(`snapshot \\w+ taken before \`git ${name}\` — undo with: dx-hooks undo`));
    const ev = events(h).filter((e) => e.op === `guard.${args[0]}`).at(-1);
    const snap = ev?.detail?.undo?.worktree?.snapshot as string;
    assert.ok(snap);
    assert.equal((await h.git(['rev-parse', `refs/dx/undo/${ev?.id}`])).out, snap);
    assert.equal((await h.git(['show', `${snap}:src/app.txt`])).out, 'uncommitted edit');
    assert.equal((await h.git(['show', `${snap}:notes.txt`])).out, 'untracked notes');
    // dx-hooks undo brings the destroyed work back into the work tree.
    const u = await dx(h, ['undo', ev?.id as string]);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(fs.readFileSync(path.join(h.dir, 'src/app.txt'), 'utf8'), 'uncommitted edit\n');
    assert.equal(fs.readFileSync(path.join(h.dir, 'notes.txt'), 'utf8'), 'untracked notes\n');
  });
}

test('the guard refuses to destroy protected paths unless DX_ALLOW_DESTRUCTIVE=1 (logged)', async (t) => {
  const { h } = await setup(t);
  await h.write('deploy/run.sh', '#!/bin/sh\necho hotfix\n');
  const r = await h.git(['checkout', '--', 'deploy/run.sh'], { allowFail: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused `git checkout -- deploy\/run\.sh` — it would destroy protected paths/);
  assert.equal(fs.readFileSync(path.join(h.dir, 'deploy/run.sh'), 'utf8'), '#!/bin/sh\necho hotfix\n', 'nothing touched');
  const hard = await h.git(['reset', '--hard'], { allowFail: true });
  assert.equal(hard.code, 1);
  const ok = await git(h.dir, { ...h.env, DX_ALLOW_DESTRUCTIVE: '1' }, ['reset', '--hard']);
  assert.equal(ok.code, 0);
  assert.match(ok.stderr, /DX_ALLOW_DESTRUCTIVE=1 — destroying protected paths deploy\/run\.sh \(logged\)/);
  assert.ok(events(h).some((e) => e.op === 'guard.refuse'));
  assert.ok(events(h).some((e) => e.op === 'guard.reset' && JSON.stringify(e).includes('DX_ALLOW_DESTRUCTIVE')));
});

test('everything else passes straight through with git\'s own output and exit code', async (t) => {
  const { h } = await setup(t);
  const plainGit = async (args: string[]) => git(h.dir, { ...h.env, DX_HOOKS: '0' }, args, { allowFail: true });
  for (const args of [['status', '--porcelain'], ['rev-parse', '--verify', 'no-such-ref'], ['log', '--oneline', '-1'], ['checkout', '-b', 'topic'], ['stash', 'list']]) {
    const viaGuard = await h.git(args, { allowFail: true });
    const direct = await plainGit(args.map((a) => (a === 'topic' ? 'topic2' : a)));
    assert.equal(viaGuard.code, direct.code, `exit code of git ${args.join(' ')}`);
    if (args[0] !== 'checkout') assert.equal(viaGuard.stdout, direct.stdout);
    assert.doesNotMatch(viaGuard.stderr, /dx-hooks: snapshot/);
  }
});

test('shell-init prints a bash function that guards the same way', async (t) => {
  const { h } = await setup(t, { plain: true });
  await installHooks(h);
  const init = await dx(h, ['shell-init', 'bash']);
  assert.equal(init.code, 0);
  assert.match(init.stdout, /^git\(\) \{ sh '/m);
  await dirty(h);
  const r = await run('bash', ['-c', `eval "$(node '${path.resolve('dist/cli.js')}' shell-init bash)"; git reset --hard`], { cwd: h.dir, env: h.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /snapshot \w+ taken before `git reset --hard`/);
  assert.equal((await dx(h, ['shell-init', 'fish'])).code, 2);
});
