// Attack class 1 of issue 10, "nothing outside the repository, ever": a cloned repository commits
// symbolic links (a folder, a hook file, a critical file, a dangling link) and a `.dxrc` that points
// dx-hooks through them. The victim runs ordinary commands (install, guard --repair, checkpoint
// restore, undo, sync). Each test asserts that the victim's HOME (a fake `.bashrc` and friends in the
// sandbox) is byte-for-byte unchanged with no new file, and that the command failed loudly naming the link.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cloneAs, createBareRemote, dx, dxJson, git, seedRemote, type Host, type Sandbox } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';

const BASHRC = '# the victim\'s shell start-up file\nexport PATH="$HOME/bin:$PATH"\n';

/** Every entry under `dir`: relative path -> kind, mode and bytes (links: their target). Never follows a link. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    const st = fs.lstatSync(abs);
    if (st.isSymbolicLink()) out.set(rel, `link ${fs.readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      if (rel) out.set(rel, `dir ${(st.mode & 0o7777).toString(8)}`);
      for (const e of fs.readdirSync(abs).sort()) walk(rel ? path.join(rel, e) : e);
    } else out.set(rel, `file ${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(abs).toString('base64')}`);
  };
  walk('');
  return out;
}

/** The victim's HOME with a `.bashrc` (mode 644), a `.config/`, an empty `bin/` and what `extra` adds; returns a checker that it is unchanged. */
function fakeHome(sb: Sandbox, extra: (home: string) => void = () => undefined): { home: string; unchanged: (why: string) => void } {
  const home = sb.env.HOME as string;
  fs.mkdirSync(path.join(home, '.config'), { recursive: true });
  fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(home, '.bashrc'), BASHRC, { mode: 0o644 });
  fs.chmodSync(path.join(home, '.bashrc'), 0o644);
  fs.writeFileSync(path.join(home, '.config', 'settings'), 'keep me\n');
  extra(home);
  const before = tree(home);
  return {
    home,
    unchanged: (why) => {
      const after = tree(home);
      assert.deepEqual([...after.keys()].filter((k) => !before.has(k)), [], `${why}: no new file may appear outside the repository`);
      assert.deepEqual(after, before, `${why}: every file outside the repository is byte-for-byte unchanged`);
    },
  };
}

/** A hostile upstream: a bare remote whose main the attacker filled with `files` and `links` (repo path -> link target); returns the victim's clone. */
async function hostileClone(sb: Sandbox, hosts: Host[], files: Record<string, string>, links: Record<string, string>, victim = 'victim'): Promise<{ remote: string; h: Host }> {
  const remote = await createBareRemote(sb, `${victim}-remote.git`);
  await seedRemote(sb, remote);
  const evil = await cloneAs(sb, remote, `${victim}-attacker`);
  for (const [rel, content] of Object.entries(files)) await evil.write(rel, content);
  for (const [rel, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(evil.dir, rel)), { recursive: true });
    fs.symlinkSync(target, path.join(evil.dir, rel));
  }
  await evil.git(['add', '-A']);
  await evil.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'helpful tooling']);
  await evil.git(['push', '-q', 'origin', 'main']);
  const h = await cloneAs(sb, remote, victim);
  h.env.DX_WIP_PUSH = 'off';
  hosts.push(h);
  return { remote, h };
}

/** From a clone at `<sandbox>/host-<name>/<rel>`, the relative link target that reaches `<sandbox>/home/<to>`. */
const toHome = (rel: string, to = '') => path.posix.join(...Array<string>(rel.split('/').length - 1).fill('..'), '..', 'home', to);

const install = async (h: Host) => {
  const r = await dx(h, ['install']);
  assert.equal(r.code, 0, r.stderr);
};

test('guard.telemetry into a committed symlinked folder: refused (exit 2) naming the link; HOME untouched', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const dxrc = JSON.stringify({ wip: { push: 'off' }, guard: { critical: ['tools/deploy.sh'], telemetry: 'logs/.bashrc' }, protect: { paths: ['logs/settings/**'] } });
  const { h } = await hostileClone(sb, hosts, { '.dxrc.json': dxrc }, { logs: toHome('logs') });
  await install(h);
  const r = await dx(h, ['guard']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /guard\.telemetry "logs\/\.bashrc" goes through the symbolic link "logs"/);
  // The hooks run the guard too (post-checkout): still nothing outside.
  await h.git(['checkout', '-q', '-b', 'other']);
  unchanged('guard with telemetry through a link');
  const dr = await dx(h, ['doctor', '--json']);
  assert.equal(dr.code, 1, 'doctor fails on it');
  const doc = JSON.parse(dr.stdout) as { diagnostics: { code: string; message: string }[] };
  const d = doc.diagnostics.find((x) => x.code === 'CONFIG_PATH_THROUGH_SYMLINK');
  assert.ok(d, 'doctor reports the config that goes through a link');
  assert.match(d.message, /guard\.telemetry/);
  assert.ok(doc.diagnostics.some((x) => x.code === 'CONFIG_PATH_THROUGH_SYMLINK' && /protect\.paths\[0\] "logs\/settings\/\*\*" goes through the symbolic link "logs"/.test(x.message)), 'a protected path through a link is reported too');
  unchanged('doctor');
});

test('guard.telemetry whose file is a committed symlink (last component, also dangling): refused; no file appears outside', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const dxrc = JSON.stringify({ wip: { push: 'off' }, guard: { critical: ['tools/deploy.sh'], telemetry: '.dx/telemetry.jsonl' } });
  // Dangling: the target does not exist yet, so an open(O_CREAT) that followed it would create it in HOME.
  const { h } = await hostileClone(sb, hosts, { '.dxrc.json': dxrc }, { '.dx/telemetry.jsonl': toHome('.dx/telemetry.jsonl', '.profile') });
  await install(h);
  const r = await dx(h, ['guard']);
  assert.equal(fs.existsSync(path.join(sb.env.HOME as string, '.profile')), false);
  unchanged('telemetry file that is a dangling link');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /guard\.telemetry "\.dx\/telemetry\.jsonl" goes through the symbolic link "\.dx\/telemetry\.jsonl"/);
});

test('a critical file committed as a symlink to ~/.bashrc, then guard --repair: the exec bit is not set through the link', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const dxrc = JSON.stringify({ wip: { push: 'off' }, guard: { critical: [{ path: 'tools/deploy.sh', executable: true }] } });
  const { h } = await hostileClone(sb, hosts, { '.dxrc.json': dxrc }, { 'tools/deploy.sh': toHome('tools/deploy.sh', '.bashrc') });
  await install(h);
  const r = await dx(h, ['guard', '--repair']);
  unchanged('guard --repair of a critical symlink');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /tools\/deploy\.sh/);
  assert.match(r.stderr, /is a symbolic link/);
  const fix = await dx(h, ['doctor', '--fix']);
  assert.notEqual(fix.code, 0);
  unchanged('doctor --fix of a critical symlink');
});

test('a critical file under a committed symlinked folder, then guard --repair: refused (exit 2); nothing created outside', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const dxrc = JSON.stringify({ wip: { push: 'off' }, guard: { critical: [{ path: 'scripts/evil.sh', executable: true }] } });
  // scripts/evil.sh existed in an older commit, so the repair has something to restore from.
  const { h } = await hostileClone(sb, hosts, { '.dxrc.json': dxrc, 'old/keep.txt': 'x\n' }, {});
  const attacker = await cloneAs(sb, (await h.git(['remote', 'get-url', 'origin'])).out, 'victim-attacker2');
  await attacker.write('scripts/evil.sh', '#!/bin/sh\necho pwned\n');
  await attacker.git(['add', '-A']);
  await attacker.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'add script']);
  await attacker.git(['rm', '-rq', 'scripts']);
  fs.symlinkSync(toHome('scripts', 'bin'), path.join(attacker.dir, 'scripts'));
  await attacker.git(['add', '-A']);
  await attacker.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'link scripts']);
  await attacker.git(['push', '-q', 'origin', 'main']);
  await install(h);
  await h.git(['pull', '-q', '--ff-only']);
  assert.ok(fs.lstatSync(path.join(h.dir, 'scripts')).isSymbolicLink());
  const r = await dx(h, ['guard', '--repair']);
  unchanged('guard --repair through a linked folder');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /guard\.critical\[0\] "scripts\/evil\.sh" goes through the symbolic link "scripts"/);
});

test('.husky/_ committed as a symlink (core.hooksPath .husky/_): install refuses before writing anything', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, { '.husky/pre-commit': 'npm test\n' }, { '.husky/_': toHome('.husky/_', '.config') });
  await h.git(['config', 'core.hooksPath', '.husky/_']);
  const r = await dx(h, ['install']);
  unchanged('install with .husky/_ a link');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /\.husky\/_" is a symbolic link/);
  assert.equal(fs.existsSync(path.join(h.dir, '.git/dx/install.json')), false, 'nothing recorded as installed');
});

test('.husky committed as a symlink: install refuses', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  // The link leads to a folder that looks like husky's (its `_/h` runtime), as a previous project left it.
  const { unchanged } = fakeHome(sb, (home) => {
    fs.mkdirSync(path.join(home, 'proj-husky', '_'), { recursive: true });
    fs.writeFileSync(path.join(home, 'proj-husky', '_', 'h'), '#!/bin/sh\n');
    fs.writeFileSync(path.join(home, 'proj-husky', 'pre-commit'), 'npm test\n');
  });
  const { h } = await hostileClone(sb, hosts, {}, { '.husky': toHome('.husky', 'proj-husky') });
  await h.git(['config', 'core.hooksPath', '.husky/_']);
  const r = await dx(h, ['install']);
  unchanged('install with .husky a link');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /\.husky" is a symbolic link/);
});

test('a husky hook file committed as a symlink to ~/.bashrc: install does not append its block to ~/.bashrc', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, { '.husky/pre-push': 'npm test\n' }, { '.husky/pre-commit': toHome('.husky/pre-commit', '.bashrc') });
  // What `husky` (run by npm's prepare) leaves: core.hooksPath .husky/_ and its runtime .husky/_/h (git-ignored).
  fs.mkdirSync(path.join(h.dir, '.husky/_'), { recursive: true });
  fs.writeFileSync(path.join(h.dir, '.husky/_/h'), '#!/bin/sh\n');
  fs.writeFileSync(path.join(h.dir, '.husky/_/.gitignore'), '*\n');
  await h.git(['config', 'core.hooksPath', '.husky/_']);
  const r = await dx(h, ['install']);
  unchanged('install over a husky hook that is a link');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /\.husky\/pre-commit/);
  assert.match(r.stderr, /is a symbolic link/);
});

test('checkpoint restore and undo where a folder of the snapshot is now a symlink to outside: nothing written outside, the work comes back', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb, (home) => {
    fs.mkdirSync(path.join(home, 'victim-dir'));
    fs.writeFileSync(path.join(home, 'victim-dir', 'a.txt'), 'outside\n');
  });
  const { h } = await hostileClone(sb, hosts, { 'src/a.txt': 'committed\n' }, {});
  await install(h);
  await h.write('src/a.txt', 'my uncommitted work\n');
  await h.write('src/b.txt', 'untracked work\n');
  assert.equal((await dx(h, ['checkpoint', 'create', 'cp'])).code, 0);
  // The folder is replaced by a link to outside (untracked, not ignored: the pre-restore snapshot holds it).
  fs.rmSync(path.join(h.dir, 'src'), { recursive: true });
  fs.symlinkSync(toHome('src', 'victim-dir'), path.join(h.dir, 'src'));
  const r = await dxJson<{ id: string; kept: string[] }>(h, ['checkpoint', 'restore', 'cp']);
  unchanged('checkpoint restore over a linked folder');
  assert.equal(fs.lstatSync(path.join(h.dir, 'src')).isDirectory(), true, 'git replaced the link (held by the snapshot) with the folder');
  assert.equal(fs.readFileSync(path.join(h.dir, 'src/a.txt'), 'utf8'), 'my uncommitted work\n');
  assert.equal(fs.readFileSync(path.join(h.dir, 'src/b.txt'), 'utf8'), 'untracked work\n');
  const u = await dx(h, ['undo', r.id]);
  assert.equal(u.code, 0, u.stderr);
  assert.ok(fs.lstatSync(path.join(h.dir, 'src')).isSymbolicLink(), 'undo brings the link back');
  unchanged('undo of the restore');
});

test('checkpoint restore where the folder is now an IGNORED symlink to outside: its paths are kept and named with the link; nothing outside', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb, (home) => fs.mkdirSync(path.join(home, 'victim-dir')));
  const { h } = await hostileClone(sb, hosts, { 'src/a.txt': 'committed\n', 'other.txt': 'o\n' }, {});
  await install(h);
  await h.write('src/a.txt', 'my uncommitted work\n');
  await h.write('other.txt', 'edited\n');
  assert.equal((await dx(h, ['checkpoint', 'create', 'cp'])).code, 0);
  await h.git(['rm', '-rqf', 'src']);
  await h.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'drop src']);
  fs.appendFileSync(path.join(h.dir, '.git/info/exclude'), '/src\n');
  fs.symlinkSync(toHome('src', 'victim-dir'), path.join(h.dir, 'src'));
  const r = await dx(h, ['checkpoint', 'restore', 'cp', '--json']);
  unchanged('checkpoint restore through an ignored link');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { kept: string[]; throughLinks: { path: string; link: string }[] };
  assert.ok(out.kept.includes('src/a.txt'), `src/a.txt is kept and named: ${r.stdout}`);
  assert.deepEqual(out.throughLinks, [{ path: 'src/a.txt', link: 'src' }], 'named with its link');
  const text = await dx(h, ['checkpoint', 'restore', 'cp']);
  assert.match(text.stderr, /not restored: src\/a\.txt — src is a symbolic link/);
  unchanged('second restore');
  assert.ok(fs.lstatSync(path.join(h.dir, 'src')).isSymbolicLink(), 'the link is left as it was');
  assert.equal(fs.readFileSync(path.join(h.dir, 'other.txt'), 'utf8'), 'edited\n', 'the rest of the restore happened');
});

test('reference sync: a folder replaced by a symlink to outside; the reset writes nothing outside', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb, (home) => {
    fs.mkdirSync(path.join(home, 'victim-dir'));
    fs.writeFileSync(path.join(home, 'victim-dir', 'x.txt'), 'outside\n');
  });
  const { h: lap, remote } = await hostileClone(sb, hosts, { 'docs/x.txt': 'v1\n' }, {}, 'lap');
  const vm = await cloneAs(sb, remote, 'vm');
  hosts.push(vm);
  vm.env.DX_WIP_PUSH = 'sync';
  await install(vm);
  assert.equal((await dx(vm, ['role', 'reference'])).code, 0);
  await lap.write('docs/x.txt', 'v2 from the laptop\n');
  await lap.write('docs/y.txt', 'new\n');
  await lap.git(['add', '-A']);
  await lap.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'docs v2']);
  await lap.git(['push', '-q', 'origin', 'main']);
  fs.rmSync(path.join(vm.dir, 'docs'), { recursive: true });
  fs.symlinkSync(toHome('docs', 'victim-dir'), path.join(vm.dir, 'docs'));
  const r = await dx(vm, ['sync']);
  assert.equal(r.code, 0, r.stderr);
  unchanged('reference sync over a linked folder');
  assert.equal(fs.readFileSync(path.join(vm.dir, 'docs/x.txt'), 'utf8'), 'v2 from the laptop\n');
});

test('a dx file that is a symlink (the ledger -> ~/.bashrc): commits and checkpoints never append to it', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, { 'a.txt': 'a\n' }, {});
  await install(h);
  fs.rmSync(path.join(h.dir, '.git/dx/events.jsonl'), { force: true });
  fs.symlinkSync(path.join(sb.env.HOME as string, '.bashrc'), path.join(h.dir, '.git/dx/events.jsonl'));
  const c = await dx(h, ['checkpoint', 'create', 'x']);
  unchanged('checkpoint with a linked ledger');
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /events\.jsonl.*is a symbolic link|is a symbolic link.*events\.jsonl/);
  await h.write('a.txt', 'b\n');
  await git(h.dir, h.env, ['commit', '-qam', 'edit'], { allowFail: true });
  await idle(h);
  unchanged('hooks with a linked ledger');
});

test('happy paths still work: install, guard --repair (restore + chmod) with telemetry in the repository, checkpoint restore', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const dxrc = JSON.stringify({ wip: { push: 'off' }, guard: { critical: [{ path: 'tools/deploy.sh', executable: true }, 'deep/dir/conf.txt'], telemetry: '.dx/telemetry.jsonl' } });
  const { h } = await hostileClone(sb, hosts, { '.dxrc.json': dxrc, 'tools/deploy.sh': '#!/bin/sh\n', 'deep/dir/conf.txt': 'c\n', '.gitignore': '.dx/\n' }, {});
  fs.chmodSync(path.join(h.dir, 'tools/deploy.sh'), 0o644);
  fs.rmSync(path.join(h.dir, 'deep'), { recursive: true });
  await install(h);
  const r = await dx(h, ['guard', '--repair']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.statSync(path.join(h.dir, 'tools/deploy.sh')).mode & 0o111, 0o111);
  assert.equal(fs.readFileSync(path.join(h.dir, 'deep/dir/conf.txt'), 'utf8'), 'c\n');
  assert.match(fs.readFileSync(path.join(h.dir, '.dx/telemetry.jsonl'), 'utf8'), /critical_restored/);
  await h.write('deep/dir/conf.txt', 'changed\n');
  assert.equal((await dx(h, ['checkpoint', 'create', 'cp'])).code, 0);
  await h.write('deep/dir/conf.txt', 'changed again\n');
  assert.equal((await dx(h, ['checkpoint', 'restore', 'cp'])).code, 0);
  assert.equal(fs.readFileSync(path.join(h.dir, 'deep/dir/conf.txt'), 'utf8'), 'changed\n');
  const doc = await dxJson<{ diagnostics: { code: string }[] }>(h, ['doctor']);
  assert.equal(doc.diagnostics.some((d) => d.code === 'CONFIG_PATH_THROUGH_SYMLINK'), false);
  unchanged('happy paths');
});

test('.dxrc.json committed as a dangling symlink to outside: install refuses naming it; no file appears outside', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, {}, { '.dxrc.json': toHome('.dxrc.json', '.profile') });
  const r = await dx(h, ['install']);
  unchanged('install over a dangling .dxrc.json link');
  assert.equal(fs.existsSync(path.join(sb.env.HOME as string, '.profile')), false);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /\.dxrc\.json/);
  assert.match(r.stderr, /is a symbolic link/);
});

test('happy path: a .git/hooks hook that is a symlink to a committed script is chained (the link is moved, never written) and put back by uninstall', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, { 'scripts/pre-commit': '#!/bin/sh\necho "repo pre-commit ran" >> "$HOME/../repo-hook.log"\n' }, {});
  fs.chmodSync(path.join(h.dir, 'scripts/pre-commit'), 0o755);
  const hook = path.join(h.dir, '.git/hooks/pre-commit');
  fs.symlinkSync('../../scripts/pre-commit', hook);
  const script = fs.readFileSync(path.join(h.dir, 'scripts/pre-commit'));
  await install(h);
  assert.equal(fs.readlinkSync(`${hook}.pre-dx-hooks`), '../../scripts/pre-commit', 'the link itself was moved');
  assert.equal(fs.lstatSync(hook).isFile(), true);
  await h.write('a.txt', 'a\n');
  await h.git(['add', 'a.txt']);
  await h.git(['commit', '-qm', 'a']);
  assert.match(fs.readFileSync(sb.tmp('repo-hook.log'), 'utf8'), /repo pre-commit ran/, 'the chained hook still runs');
  assert.deepEqual(fs.readFileSync(path.join(h.dir, 'scripts/pre-commit')), script, 'the script the link points to is untouched');
  const u = await dx(h, ['uninstall']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(fs.readlinkSync(hook), '../../scripts/pre-commit', 'uninstall puts the link back');
  unchanged('install and uninstall with a linked hook');
});

test('.git/dx replaced by a symlink to outside: hooks and commands write nothing through it and say so', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { h } = await hostileClone(sb, hosts, { 'a.txt': 'a\n' }, {});
  await install(h);
  // The dx folder moved to HOME (runtime included, so the hooks still find it) and linked back.
  const { unchanged } = fakeHome(sb, (home) => fs.cpSync(path.join(h.dir, '.git/dx'), path.join(home, 'dxstate'), { recursive: true }));
  fs.rmSync(path.join(h.dir, '.git/dx'), { recursive: true });
  fs.symlinkSync(path.join(sb.env.HOME as string, 'dxstate'), path.join(h.dir, '.git/dx'));
  await h.write('a.txt', 'b\n');
  const c = await git(h.dir, h.env, ['commit', '-qam', 'edit']);
  assert.equal(c.code, 0, 'git keeps working');
  assert.match(c.stderr, /dx-hooks: .*\.git\/dx is a symbolic link; dx-hooks writes nothing through it/);
  const cp = await dx(h, ['checkpoint', 'create', 'x']);
  await idle(h);
  unchanged('hooks and commands with .git/dx a link');
  assert.notEqual(cp.code, 0);
  assert.match(cp.stderr, /is a symbolic link/);
  const dr = await dx(h, ['doctor', '--json']);
  assert.ok((JSON.parse(dr.stdout) as { diagnostics: { code: string }[] }).diagnostics.some((d) => d.code === 'DX_DIR_SYMLINK'));
  unchanged('doctor with .git/dx a link');
});

test('files the sh hooks write in .git/dx (queue, banner, worker.log, worker.starting) that are symlinks to outside: a commit writes nothing through them and says so', async (t) => {
  const { sb, hosts } = await idleSandbox(t);
  const { unchanged } = fakeHome(sb);
  const { h } = await hostileClone(sb, hosts, { 'a.txt': 'a\n' }, {});
  await install(h);
  for (const f of ['queue', 'banner', 'worker.log', 'worker.starting']) {
    const p = path.join(h.dir, '.git/dx', f);
    fs.rmSync(p, { force: true });
    fs.symlinkSync(path.join(sb.env.HOME as string, '.bashrc'), p);
    await h.write('a.txt', `${f}\n`);
    const c = await git(h.dir, h.env, ['commit', '-qam', `with a linked ${f}`], { allowFail: true });
    assert.equal(c.code, 0, 'the commit itself is never lost');
    assert.match(c.stderr, new RegExp(`${f.replace('.', '\\.')} is a symbolic link`));
    await idle(h);
    unchanged(`a commit with a linked ${f}`);
    fs.rmSync(p);
  }
});
