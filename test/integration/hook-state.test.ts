// Integration (issue 11): the hook state (src/core/hookstate/format.ts) against hooks/runtime.sh. What
// node writes is what the sh reads: each header field decides whether node starts, the lists name what
// is missing, and a file the runtime cannot trust (missing, another format, hostile values, older than
// .dxrc, "config invalid") only ever makes it more careful. Observed with a `node` on PATH that logs
// its arguments before running the real one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { formatHookState, type HookState } from '../../src/core/hookstate/format.ts';
import { dx, hookStateFile, initRepo, readHookStateFile, run, withSandbox, type Host } from '../helpers/index.ts';
import { idle, spyOnNode } from '../helpers/idle.ts';

async function setup(t: TestContext) {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'stateful');
  await h.commit('base', { 'a.txt': 'a\n', 'b.txt': 'b\n', 'tools/run.sh': '#!/bin/sh\n' });
  h.env.DX_WIP_PUSH = 'off';
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.commit('config');
  // Nothing in the background may rewrite the hook state under the test's feet.
  await idle(h);
  const spy = spyOnNode(sb, h);
  const file = hookStateFile(h.dir);
  const calls = () => {
    const c = spy.lines();
    fs.rmSync(spy.log, { force: true });
    return c.map((l) => l.replace(/^\S+ /, ''));
  };
  const head = (await h.git(['rev-parse', 'HEAD'])).out;
  /** Write a state as node would, then make it newer than every .dxrc (the runtime's freshness test). */
  const put = (st: HookState | string) => {
    fs.writeFileSync(file, typeof st === 'string' ? st : formatHookState(st));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
  };
  return { sb, h, file, calls, head, put, base: readHookStateFile(file) };
}

/** Stage a deletion of b.txt and commit it; returns the commit's exit code (b.txt is put back after). */
async function commitDeletion(h: Host): Promise<number> {
  await h.git(['rm', '-q', 'b.txt']);
  const r = await h.git(['commit', '-q', '-m', 'drop b'], { allowFail: true });
  if (r.code === 0) await h.git(['reset', '-q', '--hard', 'HEAD~1']);
  else await h.git(['reset', '-q', '--hard', 'HEAD']);
  return r.code;
}

test('pre-commit: nothing protected at this HEAD starts no node; built for another HEAD (or none) or protection set send the deletion to node', async (t) => {
  const { h, calls, head, put, base } = await setup(t);
  const clear: HookState = { ...base, protect: { pathsSet: false, committed: false, head } };
  put(clear);
  calls();
  assert.equal(await commitDeletion(h), 0);
  assert.ok(!calls().some((c) => c.includes('hook pre-commit')), 'node started for a commit with nothing protected');
  for (const [why, st] of [
    ['built for another HEAD', { ...clear, protect: { ...clear.protect, head: '0'.repeat(40) } }],
    ['protection set', { ...clear, protect: { ...clear.protect, pathsSet: true } }],
    ['no HEAD recorded', { ...clear, protect: { ...clear.protect, head: null } }],
  ] as const) {
    put(st);
    assert.equal(await commitDeletion(h), 0, why);
    assert.ok(calls().some((c) => c.endsWith('hook pre-commit')), `${why}: the deletion was not sent to node`);
  }
});

test('a state the runtime cannot trust is stale: missing, another format, torn, config invalid, or older than .dxrc', async (t) => {
  const { h, file, calls, head, put, base } = await setup(t);
  const clear: HookState = { ...base, protect: { pathsSet: false, committed: false, head } };
  const text = formatHookState(clear);
  for (const [why, content] of [
    ['another format', text.replace(/^dx-hook-state 1 /, 'dx-hook-state 2 ')],
    ['not a hook state', 'mode off\nprotect 0 0 -\n'],
    ['config invalid', text.replace('config ok', 'config invalid')],
    ['empty', ''],
  ] as const) {
    put(content);
    assert.equal(await commitDeletion(h), 0, why);
    assert.ok(calls().some((c) => c.endsWith('hook pre-commit')), `${why}: pre-commit trusted it`);
  }
  // Older than .dxrc: the checkout asks node to rewrite it, once; the next checkout does not.
  put(clear);
  const earlier = new Date(Date.now() - 60_000);
  fs.utimesSync(file, earlier, earlier);
  const rc = path.join(h.dir, '.dxrc.json');
  const good = JSON.stringify({ ...JSON.parse(fs.readFileSync(rc, 'utf8')), divergence: { warn: false } });
  fs.writeFileSync(rc, good);
  calls();
  const hooksRun = () => calls().filter((c) => c.startsWith('hook '));
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  assert.equal(readHookStateFile(file).divergence.warn, false, 'node rewrote the state from the edited .dxrc');
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), [], 'node re-read an unchanged .dxrc');
  // A .dxrc node cannot load: asked once, marked "config invalid" (the last good values kept); not asked again.
  fs.writeFileSync(rc, JSON.stringify({ wip: { push: 42 } }));
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  const marked = readHookStateFile(file);
  assert.equal(marked.configOk, false);
  assert.equal(marked.divergence.warn, false, 'the last good values were dropped');
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), [], 'node started again for the same broken .dxrc');
  assert.equal(await commitDeletion(h), 0);
  assert.ok(calls().some((c) => c.endsWith('hook pre-commit')), 'with .dxrc broken, pre-commit trusted the state');
  // Fixed: the next checkout rewrites it whole.
  fs.writeFileSync(rc, good);
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  assert.equal(readHookStateFile(file).configOk, true);
});

test('post-checkout names what the lists hold, through the terminal filter; hostile header values fall back to careful ones', async (t) => {
  const { h, calls, head, put, base } = await setup(t);
  fs.chmodSync(path.join(h.dir, 'tools/run.sh'), 0o644);
  const st: HookState = {
    ...base,
    protect: { pathsSet: true, committed: false, head },
    critical: [{ kind: '-', path: 'missing.txt' }, { kind: 'x', path: 'tools/run.sh' }],
    protectList: [['100644', 'gone.txt'], ['100644', 'evil\x1b]0;owned\x07.txt'], ['100644', 'a.txt'], ['100644', ' two  spaces *.txt'], ['100644', '*']],
  };
  const expectLines = (err: string) => {
    assert.match(err, /critical file missing\.txt is missing/);
    assert.match(err, /critical file tools\/run\.sh lost its exec bit/);
    assert.match(err, /protected path gone\.txt is missing/);
    assert.match(err, /protected path evil\?\]0;owned\?\.txt is missing/);
    assert.doesNotMatch(err, /a\.txt is missing/);
    // Read as data: spaces kept, a glob never expanded (the lists are read in one pass, not byte by byte).
    assert.match(err, /protected path {2}two {2}spaces \*\.txt is missing/);
    assert.match(err, /protected path \* is missing/);
    assert.ok(!err.includes('\x1b'), 'an escape reached the terminal');
  };
  put(st);
  calls();
  expectLines((await h.git(["checkout", "-q", "--", "a.txt"])).stderr);
  // Hostile numbers and words in the header: no sh error, no command run, the lists still read.
  put(formatHookState(st).replace(/^divergence .*$/m, 'divergence on $(touch${IFS}pwned) origin').replace(/^lists .*$/m, 'lists 1+1 x').replace(/^mode .*$/m, 'mode ;touch${IFS}pwned2'));
  const r = await h.git(['checkout', '-q', '--', 'a.txt']);
  expectLines(r.stderr);
  assert.doesNotMatch(r.stderr, /syntax error|not found|Illegal|bad number|arithmetic/i);
  assert.equal(fs.existsSync(path.join(h.dir, 'pwned')) || fs.existsSync(path.join(h.dir, 'pwned2')), false);
  await idle(h);
});

test('a hook state that cannot be written never stops the worker: said on stderr and in the ledger, and the hooks stay careful', async (t) => {
  const { h, file } = await setup(t);
  fs.rmSync(file);
  fs.mkdirSync(file); // something that is not a file where the state goes: every write fails
  const r = await dx(h, ['hook-worker', '--foreground']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /could not rewrite the hook state/);
  const ledger = fs.readFileSync(path.join(h.dir, '.git', 'dx', 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean });
  assert.ok(ledger.some((e) => e.op === 'hook.state' && !e.ok), 'no hook.state line in the ledger');
  // The next commit is still checked by node (no trusted state), and still succeeds.
  await h.commit('still works', { 'c.txt': 'c\n' });
  fs.rmSync(file, { recursive: true });
  assert.equal((await dx(h, ['hook-worker', '--foreground'])).code, 0);
  assert.equal(readHookStateFile(file).configOk, true, 'the next worker did not rewrite it');
});

test('a package.json newer than the state starts node only when it has, or had, a dx key', async (t) => {
  const { h, file, calls, put, base } = await setup(t);
  const pkg = path.join(h.dir, 'package.json');
  const hooksRun = () => calls().filter((c) => c.startsWith('hook '));
  const touchPkg = (text: string) => {
    fs.writeFileSync(pkg, text);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(pkg, later, later); // newer than the state put() wrote
  };
  put({ ...base, packageJsonDx: false });
  touchPkg(JSON.stringify({ name: 'app', dependencies: { left: '1.0.0' } }));
  calls();
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), [], 'a package.json without a dx key started node');
  for (const [why, text] of [
    ['a dx key', JSON.stringify({ name: 'app', dx: { divergence: { warn: false } } })],
    ['a key spelt with escapes', '{"name":"app","\\u0064x":{}}'],
  ] as const) {
    put({ ...base, packageJsonDx: false });
    touchPkg(text);
    await h.git(['checkout', '-q', '--', 'a.txt']);
    assert.deepEqual(hooksRun(), ['hook cache'], `${why}: node was not asked`);
    assert.equal(readHookStateFile(file).packageJsonDx, true, why);
  }
  // It had one: its removal matters, and the rewritten state records that there is none now.
  put({ ...base, packageJsonDx: true });
  touchPkg(JSON.stringify({ name: 'app' }));
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  assert.equal(readHookStateFile(file).packageJsonDx, false);
  await idle(h);
});

test('post-checkout starts the worker only when something is due: a queued commit, a banner, an old look at other hosts, protected paths listed for another HEAD', async (t) => {
  const { h, file, calls, head, put, base } = await setup(t);
  await h.git(['branch', 'other']);
  const dxDir = path.join(h.dir, '.git', 'dx');
  // This test looks at what sh decides: a hook-worker node is logged and not run.
  const bin = path.dirname(h.env.PATH!.split(path.delimiter)[0]! + '/node'); // the spy's folder (setup)
  const real = fs.readFileSync(path.join(bin, 'node'), 'utf8');
  fs.writeFileSync(path.join(bin, 'node'), real.replace('exec ', 'case "$*" in *hook-worker*) exit 0 ;; esac\nexec '));
  h.env.DX_WIP_PUSH = 'background';
  const stamp = (ago: number) => fs.writeFileSync(path.join(dxDir, 'warnings-refreshed'), `${Math.floor(Date.now() / 1000) - ago}\n`);
  const workers = () => calls().filter((c) => c.startsWith('hook-worker')).length;
  let branch = 'main';
  const checkout = async () => {
    branch = branch === 'main' ? 'other' : 'main';
    await h.git(['checkout', '-q', branch]);
    await idle(h); // a worker is started detached: its log line comes after the checkout returns
  };
  const clear: HookState = { ...base, protect: { pathsSet: false, committed: false, head } };
  put(clear);
  fs.rmSync(path.join(dxDir, 'banner'), { force: true });
  fs.rmSync(path.join(dxDir, 'queue'), { force: true });
  stamp(5);
  calls();
  for (let i = 0; i < 4; i++) await checkout();
  assert.equal(workers(), 0, 'a checkout burst with nothing due started node');

  stamp(3600);
  await checkout();
  assert.equal(workers(), 1, 'other hosts were not looked at for an hour, and no worker started');
  stamp(-3600); // the clock went back
  await checkout();
  assert.equal(workers(), 1);
  for (const [why, make, undo] of [
    ['a queued commit', () => fs.writeFileSync(path.join(dxDir, 'queue'), 'refs/heads/main\n'), () => fs.rmSync(path.join(dxDir, 'queue'))],
    ['a banner (a failure to retry)', () => fs.writeFileSync(path.join(dxDir, 'banner'), 'dx-hooks: WIP push failed\n'), () => fs.rmSync(path.join(dxDir, 'banner'))],
    ['a garbled stamp', () => fs.writeFileSync(path.join(dxDir, 'warnings-refreshed'), '99999999999999999999999\n'), () => stamp(5)],
    ['protected paths listed for another HEAD', () => put({ ...base, protect: { pathsSet: true, committed: false, head: '0'.repeat(40) } }), () => put(clear)],
  ] as const) {
    stamp(5);
    make();
    await checkout();
    assert.equal(workers(), 1, `${why}: no worker started`);
    undo();
  }
  // DX_REFRESH_SECONDS sets the interval.
  stamp(30);
  await checkout();
  assert.equal(workers(), 0);
  h.env.DX_REFRESH_SECONDS = '10';
  await checkout();
  assert.equal(workers(), 1);
  assert.ok(fs.existsSync(file));
});

test('a .dxrc rewritten with the same bytes (a checkout) starts no node; other bytes, or the file gone, do', async (t) => {
  const { h, file, calls, put, base } = await setup(t);
  const { posixCksum } = await import('../../src/core/hookstate/format.ts');
  const rc = path.join(h.dir, '.dxrc.json');
  const text = fs.readFileSync(rc);
  const hooksRun = () => calls().filter((c) => c.startsWith('hook '));
  const newer = () => {
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(rc, later, later);
  };
  const sum = { name: '.dxrc.json', crc: posixCksum(text), bytes: text.length };
  assert.deepEqual(readHookStateFile(file).configFile, sum, 'node did not record the config file it read');
  put({ ...base, configFile: sum });
  fs.writeFileSync(rc, text);
  newer();
  calls();
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), [], 'the same bytes started node');
  // Other bytes: node rewrites the state.
  put({ ...base, configFile: sum });
  fs.writeFileSync(rc, text.toString().replace(/\}\s*$/, ', "divergence": { "warn": false } }\n'));
  newer();
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  assert.equal(readHookStateFile(file).divergence.warn, false);
  // The file the state was built from is gone: node rewrites it from the defaults.
  const now = readHookStateFile(file);
  put(now);
  fs.rmSync(rc);
  await h.git(['checkout', '-q', '--', 'a.txt']);
  assert.deepEqual(hooksRun(), ['hook cache']);
  assert.equal(readHookStateFile(file).configFile, null);
  assert.equal(readHookStateFile(file).divergence.warn, true, 'the defaults are not in force');
  await idle(h);
});

test('reference-transaction: input naming no branch and no stash ends in sh (a rebase runs it ~10 times per commit); a branch rewind among many other refs still reaches node', async (t) => {
  const { h, calls, head } = await setup(t);
  // A commit that is not a descendant of HEAD: moving a branch there is a rewind.
  const tree = (await h.git(['rev-parse', 'HEAD^{tree}'])).out;
  const orphan = (await h.git(['commit-tree', '-m', 'elsewhere', tree])).out;
  const hook = path.join(h.dir, '.git', 'hooks', 'reference-transaction');
  const fire = async (state: string, lines: string[]) => {
    const r = await run(hook, [state], { cwd: h.dir, env: h.env, input: lines.map((l) => `${l}\n`).join('') });
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  const pseudo = ['HEAD', 'ORIG_HEAD', 'REBASE_HEAD', 'refs/remotes/origin/main', 'refs/tags/v1'].map((ref) => `${head} ${orphan} ${ref}`);
  calls();
  await fire('prepared', pseudo);
  await fire('committed', pseudo);
  await fire('aborted', [`${head} ${orphan} refs/heads/main`]);
  assert.deepEqual(calls().filter((c) => c.includes('reference-transaction')), [], 'node started for refs no handler looks at');
  // The same rewind of a branch, after 200 lines of other refs: found, and recorded by node.
  const many = Array.from({ length: 200 }, (_, i) => `${head} ${orphan} refs/remotes/origin/b${i}`);
  await fire('committed', [...many, `${head} ${orphan} refs/heads/side`]);
  assert.ok(calls().some((c) => c.endsWith('hook reference-transaction committed')), 'the branch rewind was not sent to node');
});

test('an unchanged hook state is not rewritten while it is newer than every config file; a config file as new or newer, or new content, rewrites it', async (t) => {
  const { sb, h, file } = await setup(t);
  const { pinProcessEnv } = await import('../helpers/inproc.ts');
  const { openSession } = await import('../../src/core/session.ts');
  const { writeHookState } = await import('../../src/core/hookstate/write.ts');
  pinProcessEnv(sb, 'stateful');
  const rc = path.join(h.dir, '.dxrc.json');
  const at = (f: string, s: number) => fs.utimesSync(f, s, s);
  const mtime = () => fs.statSync(file).mtimeMs;
  const now = Math.floor(Date.now() / 1000);
  at(rc, now - 100);
  if (fs.existsSync(path.join(h.dir, 'package.json'))) at(path.join(h.dir, 'package.json'), now - 100);
  await writeHookState(await openSession(h.dir));
  at(file, now - 50);
  const text = fs.readFileSync(file, 'utf8');
  await writeHookState(await openSession(h.dir));
  assert.equal(mtime(), (now - 50) * 1000, 'the same text, newer than .dxrc: not rewritten');
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  // .dxrc as new as the state (the runtime's -nt would ask node): rewritten, so the state is newer again.
  at(rc, now - 50);
  await writeHookState(await openSession(h.dir));
  assert.ok(mtime() > (now - 50) * 1000, 'a config file as new as the state: rewritten');
  // New content (another setting): rewritten even while the state is newer than the file.
  fs.writeFileSync(rc, fs.readFileSync(rc, 'utf8').replace(/\}\s*$/, ', "divergence": { "warn": false } }\n'));
  at(rc, now - 100);
  at(file, now - 50);
  await writeHookState(await openSession(h.dir));
  assert.ok(mtime() > (now - 50) * 1000);
  assert.equal(readHookStateFile(file).divergence.warn, false);
});
