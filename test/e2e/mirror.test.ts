// The hooks firing under real `git commit`, `push`, `checkout`, `rebase`: the seed's tests 1 and 2,
// an unreachable remote, six hosts at once, amend and rebase, the background path and bursts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { installHooks, cloneAs, createBareRemote, dx, dxBin, dxJson, git, lsRemote, rejectPushesTo, seedRemote, unreachableUrl, waitFor, withSandbox, type Host, type Sandbox } from '../helpers/index.ts';

interface IndexJson { entries: Record<string, { host: string; branch: string; sha: string; message: string; dirty: boolean }>; hosts: Record<string, { sha: string }> }

async function setup(t: Parameters<typeof withSandbox>[0], hosts: string[], opts: { sync?: boolean } = {}): Promise<{ sb: Sandbox; remote: string; hs: Host[] }> {
  const sb = await withSandbox(t);
  const remote = await createBareRemote(sb);
  await seedRemote(sb, remote);
  const hs: Host[] = [];
  for (const h of hosts) {
    const host = await cloneAs(sb, remote, h);
    if (opts.sync !== false) host.env.DX_WIP_PUSH = 'sync';
    await installHooks(host);
    hs.push(host);
  }
  return { sb, remote, hs };
}

async function indexOf(h: Host): Promise<IndexJson> {
  return dxJson<IndexJson>(h, ['index', 'show']);
}

test('seed test 1: main is protected on the remote, yet the commit lands as this host\'s WIP ref and in the index', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  await rejectPushesTo(remote, ['refs/heads/main']);
  const sha = await a.commit('feat: work that must not be lost', { 'work.txt': 'important\n' });
  const refs = await lsRemote(a.env, remote);
  assert.equal(refs.get('refs/heads/wip/alpha/main'), sha);
  const push = await a.git(['push', 'origin', 'main'], { allowFail: true });
  assert.notEqual(push.code, 0, 'the remote really refuses main');
  assert.notEqual((await lsRemote(a.env, remote)).get('refs/heads/main'), sha);
  const idx = await indexOf(a);
  assert.equal(idx.entries['alpha/main']?.sha, sha);
  assert.equal(idx.entries['alpha/main']?.message, 'feat: work that must not be lost');
  assert.equal(idx.hosts.alpha?.sha, sha);
});

test('seed test 2: another host restores the WIP into rescue/<host>/main at the exact sha, never moving an existing branch', async (t) => {
  const { hs } = await setup(t, ['alpha', 'other']);
  const [a, o] = hs as [Host, Host];
  const sha = await a.commit('wip on alpha', { 'a.txt': 'from alpha\n' });
  const list = await dxJson<{ entries: { host: string; branch: string; sha: string }[] }>(o, ['restore', '--list']);
  assert.deepEqual(list.entries.filter((e) => e.host === 'alpha').map((e) => [e.branch, e.sha]), [['main', sha]]);
  const r1 = await dxJson<{ branch: string; sha: string }>(o, ['restore', '--host', 'alpha', '--branch', 'main']);
  assert.deepEqual([r1.branch, r1.sha], ['rescue/alpha/main', sha]);
  assert.equal((await o.git(['rev-parse', 'refs/heads/rescue/alpha/main'])).out, sha);
  // A second restore never moves the first rescue branch.
  await o.git(['branch', '-f', 'rescue/alpha/main', 'HEAD']);
  const mine = (await o.git(['rev-parse', 'HEAD'])).out;
  const r2 = await dxJson<{ branch: string; sha: string }>(o, ['restore', '--host', 'alpha', '--branch', 'main']);
  assert.equal(r2.branch, 'rescue/alpha/main-2');
  assert.equal((await o.git(['rev-parse', 'rescue/alpha/main'])).out, mine);
  assert.equal((await o.git(['rev-parse', 'rescue/alpha/main-2'])).out, sha);
  // The list a person reads is bounded (issue 12): --limit N newest (default 50), saying how many more; --limit 0 all; --json always all.
  await a.git(['switch', '-q', '-c', 'feat']);
  const feat = await a.commit('wip on feat', { 'f.txt': 'feat\n' });
  const one = await dx(o, ['restore', '--list', '--limit', '1']);
  assert.equal(one.code, 0, one.stderr);
  const rows = one.stdout.split('\n').filter((l) => /^ {2}alpha /.test(l));
  assert.equal(rows.length, 1, one.stdout);
  assert.match(rows[0] ?? '', new RegExp(`feat +${feat.slice(0, 12)}`), 'the newest one');
  assert.match(one.stdout, /the 1 newest of 2; narrow with --host or --branch, all of them: --limit 0 or --json/);
  const all = await dx(o, ['restore', '--list', '--limit', '0']);
  assert.equal(all.stdout.split('\n').filter((l) => /^ {2}alpha /.test(l)).length, 2, all.stdout);
  assert.equal((await dxJson<{ entries: unknown[] }>(o, ['restore', '--list', '--limit', '1'])).entries.length, 2, '--json carries every entry');
  const bad = await dx(o, ['restore', '--list', '--limit', 'ten']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--limit "ten" is not a whole number/);
  const missing = await dx(o, ['restore', '--host', 'nobody', '--branch', 'main']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no WIP of branch "main" from host "nobody"/);
  const usage = await dx(o, ['restore', '--host', 'alpha']);
  assert.equal(usage.code, 2);
});

test('unreachable remote: the commit is kept, the failure is loud (status, ledger, banner) and the next hook pushes it', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  await a.git(['remote', 'set-url', 'origin', await unreachableUrl()]);
  const sha1 = await a.commit('offline 1', { 'f.txt': '1\n' });
  assert.equal((await a.git(['rev-parse', 'HEAD'])).out, sha1, 'the commit is kept');
  const st = await dx(a, ['status', '--json', '--offline']);
  assert.equal(st.code, 1, 'status exits 1 while work exists only here');
  const status = JSON.parse(st.stdout) as { pending: { ref: string; sha: string; error: string }[]; banner: string };
  assert.equal(status.pending[0]?.ref, 'refs/heads/wip/alpha/main');
  assert.equal(status.pending[0]?.sha, sha1);
  assert.match(status.banner, /WIP backup failing since \d\d:\d\d — 1 commit only on this machine/);
  const ledger = fs.readFileSync(path.join(a.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; error?: string });
  assert.ok(ledger.some((e) => e.op === 'wip.push' && !e.ok && e.error), 'the ledger records the failed push');
  // The next hook run shows the banner on stderr.
  await a.write('f.txt', '2\n');
  await a.git(['add', '-A']);
  const c2 = await a.git(['commit', '-m', 'offline 2']);
  assert.match(c2.stderr, /WIP backup failing since/);
  // The remote comes back: the next hook pushes the pending work.
  await a.git(['remote', 'set-url', 'origin', remote]);
  const sha3 = await a.commit('online again', { 'f.txt': '3\n' });
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), sha3);
  const after = await dxJson<{ pending: unknown[]; banner: string | null }>(a, ['status']);
  assert.deepEqual(after.pending, []);
  assert.equal(after.banner, null);
  assert.ok(!fs.existsSync(path.join(a.dir, '.git/dx/banner')));
});

test('six hosts committing at the same moment: the index ends with all six entries', async (t) => {
  const names = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
  const { hs } = await setup(t, names);
  const shas = await Promise.all(hs.map((h) => h.commit(`work of ${h.name}`, { [`${h.name}.txt`]: `${h.name}\n` })));
  const idx = await indexOf(hs[0] as Host);
  for (const [i, n] of names.entries()) assert.equal(idx.entries[`${n}/main`]?.sha, shas[i], `entry of ${n}`);
  assert.equal(Object.keys(idx.hosts).length, 6);
});

test('amend and rebase: the WIP ref follows the rewritten branch; a rebase pushes once, at the end', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  await a.commit('first', { 'a.txt': '1\n' });
  await a.git(['commit', '--amend', '-m', 'first, amended']);
  const amended = (await a.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), amended);

  await a.git(['switch', '-c', 'feature']);
  await a.commit('f1', { 'f1.txt': '1\n' });
  await a.commit('f2', { 'f2.txt': '2\n' });
  await a.commit('f3', { 'f3.txt': '3\n' });
  await a.git(['switch', 'main']);
  await a.commit('main moves', { 'm.txt': 'm\n' });
  await a.git(['switch', 'feature']);
  const ledgerFile = path.join(a.dir, '.git/dx/events.jsonl');
  const pushesOf = () => fs.readFileSync(ledgerFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; refs?: Record<string, unknown> }).filter((e) => e.op === 'wip.push' && e.ok && e.refs && 'refs/heads/wip/alpha/feature' in e.refs).length;
  const before = pushesOf();
  await a.git(['rebase', 'main']);
  const rebased = (await a.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/feature'), rebased);
  assert.equal(pushesOf() - before, 1, 'one WIP push for the whole rebase');
});

test('background path: post-commit returns at once, the WIP lands within seconds, and a burst of commits coalesces', async (t) => {
  const { remote, hs } = await setup(t, ['bg'], { sync: false });
  const [h] = hs as [Host];
  let last = '';
  for (let i = 0; i < 6; i++) last = await h.commit(`burst ${i}`, { 'b.txt': `${i}\n` });
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/bg/main') === last, { what: 'the burst to be mirrored', timeoutMs: 30_000 });
  await waitFor(async () => !fs.existsSync(path.join(h.dir, '.git/dx/worker.lock')) && !fs.existsSync(path.join(h.dir, '.git/dx/queue')), { what: 'the worker to finish', timeoutMs: 30_000 });
  const pushes = fs.readFileSync(path.join(h.dir, '.git/dx/events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean }).filter((e) => e.op === 'wip.push' && e.ok).length;
  assert.ok(pushes < 6, `6 quick commits should coalesce into fewer pushes, got ${pushes}`);
  const idx = await indexOf(h);
  assert.equal(idx.entries['bg/main']?.sha, last);
});

test('post-checkout names the other host, how many commits the branch lacks, the age and the restore command when its WIP of the branch is newer', async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  await a.commit('alpha moves main', { 'x.txt': 'alpha\n' });
  await b.git(['switch', '-c', 'side']);
  // The first checkout starts the background refresh that precomputes the warning.
  await b.git(['switch', 'main']);
  await waitFor(async () => fs.existsSync(path.join(b.dir, '.git/dx/warn/main.msg')), { what: 'the warning to be precomputed', timeoutMs: 30_000 });
  await b.git(['switch', 'side']);
  const r = await b.git(['switch', 'main']);
  assert.match(r.stderr, /host "alpha" has newer WIP of "main": 1 commit this branch lacks, pushed \d+s ago \([0-9a-f]{12} "alpha moves main"\)/);
  assert.match(r.stderr, /dx-hooks restore --host alpha --branch main/);
});

test('DX_HOOKS=0 disables every hook; an invalid .dxrc is a clear error for commands and a loud banner for hooks', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  const off = await a.git(['commit', '--allow-empty', '-m', 'no hooks'], {});
  void off;
  const env = { ...a.env, DX_HOOKS: '0' };
  await git(a.dir, env, ['commit', '--allow-empty', '-m', 'silent']);
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), (await a.git(['rev-parse', 'HEAD~1'])).out, 'DX_HOOKS=0 pushed nothing');

  fs.writeFileSync(path.join(a.dir, '.dxrc.json'), JSON.stringify({ wip: { push: 'later', maxFileSize: 'huge' }, bogus: 1 }));
  const st = await dx(a, ['status']);
  assert.equal(st.code, 2);
  assert.match(st.stderr, /wip\.push: .*"background".*"sync".*"off".*\(got "later"\)/);
  assert.match(st.stderr, /wip\.maxFileSize: .*\(got "huge"\)/);
  assert.match(st.stderr, /bogus/);
  const c = await a.git(['commit', '--allow-empty', '-m', 'with a broken config']);
  assert.equal(c.code, 0, 'git keeps working');
  assert.match(c.stderr, /WIP backup paused — [\s\S]*wip\.push/);
  const paused = (await a.git(['rev-parse', 'HEAD'])).out;

  // Fixed: the next hook says nothing about the pause, pushes what was queued meanwhile, and clears the banner.
  fs.writeFileSync(path.join(a.dir, '.dxrc.json'), JSON.stringify({ wip: { push: 'sync' } }));
  const fixed = await a.git(['commit', '--allow-empty', '-m', 'config fixed']);
  assert.doesNotMatch(fixed.stderr, /paused/);
  assert.equal(fs.existsSync(path.join(a.dir, '.git/dx/banner')), false, 'the banner is gone');
  const tip = (await a.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(a.env, remote)).get('refs/heads/wip/alpha/main'), tip);
  assert.equal((await a.git(['merge-base', '--is-ancestor', paused, tip], { allowFail: true })).code, 0);
});

test('a GUI client whose PATH lacks node: the hook falls back to the node recorded at install', async (t) => {
  const { remote, hs, sb } = await setup(t, ['gui']);
  const [h] = hs as [Host];
  const bin = sb.tmp('gui-bin');
  fs.mkdirSync(bin);
  for (const tool of ['git', 'sh', 'mktemp', 'cat', 'setsid', 'nohup', 'rm', 'mkdir']) {
    const found = ['/usr/bin', '/bin', '/usr/local/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  const env = { ...h.env, PATH: bin };
  assert.notEqual((await git(h.dir, env, ['var', 'GIT_EDITOR'], { allowFail: true })).code, -1);
  await h.write('g.txt', 'from a GUI\n');
  await git(h.dir, env, ['add', 'g.txt']);
  const c = await git(h.dir, env, ['commit', '-m', 'committed from a GUI']);
  assert.doesNotMatch(c.stderr, /cannot start the worker/);
  const sha = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/gui/main'), sha);
});

test('pre-push pushes this host\'s pending WIP (with --no-verify) and never blocks the user\'s push', async (t) => {
  const { remote, hs } = await setup(t, ['pp']);
  const [h] = hs as [Host];
  await h.git(['remote', 'set-url', 'origin', await unreachableUrl()]);
  const sha = await h.commit('made offline', { 'p.txt': 'p\n' });
  assert.ok(fs.existsSync(path.join(h.dir, '.git/dx/banner')));
  await h.git(['remote', 'set-url', 'origin', remote]);
  h.env.DX_WIP_PUSH = 'off'; // nothing but the pre-push below may push now
  await h.git(['switch', '-c', 'topic']);
  const env = { ...h.env };
  delete env.DX_WIP_PUSH;
  const push = await git(h.dir, env, ['push', '-u', 'origin', 'topic']);
  assert.equal(push.code, 0);
  const refs = await lsRemote(h.env, remote);
  assert.equal(refs.get('refs/heads/wip/pp/main'), sha, 'the pending WIP went out with the push');
  assert.equal(refs.get('refs/heads/topic'), sha);
  assert.ok(!fs.existsSync(path.join(h.dir, '.git/dx/banner')), 'the banner is gone');
});

test('restore on a terminal asks which WIP to bring back (real pty via script(1))', { skip: !fs.existsSync('/usr/bin/script') && 'script(1) not installed' }, async (t) => {
  const { hs } = await setup(t, ['alpha', 'beta']);
  const [a, b] = hs as [Host, Host];
  const sha = await a.commit('alpha only', { 'tty.txt': 'tty\n' });
  // script gives the CLI a real terminal; Enter picks the first (newest) entry.
  const r = await runTty(b, [process.execPath, dxBin, 'restore'].map((x) => `'${x}'`).join(' '));
  assert.match(r, /Which WIP do you want back/);
  assert.match(r, /restored refs\/heads\/wip\/alpha\/main/);
  assert.equal((await b.git(['rev-parse', 'rescue/alpha/main'])).out, sha);
});

async function runTty(h: Host, command: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const c = spawn('script', ['-qec', command, '/dev/null'], { cwd: h.dir, env: { ...h.env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let answered = false;
    c.stdin.on('error', () => undefined);
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!answered && out.includes('Which WIP')) {
        answered = true;
        c.stdin.write('\r');
      }
    });
    const timer = setTimeout(() => (c.kill('SIGKILL'), reject(new Error(`tty restore timed out: ${out}`))), 30_000);
    c.on('exit', () => (clearTimeout(timer), resolve(out)));
  });
}

test('post-merge: a merge commit (git merge, git pull) is mirrored at once', async (t) => {
  const { remote, hs } = await setup(t, ['mg']);
  const [h] = hs as [Host];
  await h.git(['switch', '-c', 'side']);
  await h.commit('side work', { 's.txt': 's\n' });
  await h.git(['switch', 'main']);
  await h.commit('main work', { 'm.txt': 'm\n' });
  await h.git(['merge', '--no-ff', '--no-edit', 'side']);
  const merge = (await h.git(['rev-parse', 'HEAD'])).out;
  assert.equal((await h.git(['rev-list', '--count', '--merges', '-1', 'HEAD'])).out, '1');
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/mg/main'), merge);
});

test('a worker that crashes is loud: the banner says so on the next hook', async (t) => {
  const { hs, sb } = await setup(t, ['crash'], { sync: false });
  const [h] = hs as [Host];
  const broken = sb.tmp('broken-cli.mjs');
  fs.writeFileSync(broken, 'process.exit(3);\n');
  fs.writeFileSync(path.join(h.dir, '.git/dx/hooks/cli-path'), broken + '\n');
  await h.commit('the worker will crash', { 'c.txt': 'c\n' });
  const banner = path.join(h.dir, '.git/dx/banner');
  await waitFor(async () => fs.existsSync(banner) && fs.readFileSync(banner, 'utf8').includes('worker crashed (exit 3)'), { what: 'the crash banner' });
  const next = await h.git(['commit', '--allow-empty', '-m', 'next']);
  assert.match(next.stderr, /the dx-hooks worker crashed \(exit 3\)/);
});

test('turning WIP off in .dxrc takes effect on the very next commit', async (t) => {
  const { remote, hs } = await setup(t, ['offh'], { sync: false });
  const [h] = hs as [Host];
  const first = await h.commit('mirrored', { 'o.txt': '1\n' });
  await waitFor(async () => (await lsRemote(h.env, remote)).get('refs/heads/wip/offh/main') === first, { what: 'the first mirror' });
  await waitFor(async () => !fs.existsSync(path.join(h.dir, '.git/dx/worker.lock')), { what: 'the worker to finish' });
  fs.writeFileSync(path.join(h.dir, '.dxrc.json'), JSON.stringify({ wip: { push: 'off' } }));
  await h.commit('not mirrored', { 'o.txt': '2\n' });
  await waitFor(async () => !fs.existsSync(path.join(h.dir, '.git/dx/worker.lock')) && !fs.existsSync(path.join(h.dir, '.git/dx/queue')), { what: 'the worker to finish', timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await lsRemote(h.env, remote)).get('refs/heads/wip/offh/main'), first);
});
