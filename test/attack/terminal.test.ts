// Attack suite, issue 10 class 7: other hosts' text is data, not terminal control. A hostile host
// (or remote) puts escape sequences (OSC 52 clipboard writes, screen clears, titles), carriage
// returns, C1 controls and bidi overrides into commit subjects, branch and file names, checkpoint
// descriptions, index entries and push errors. The victim runs its ordinary commands and git itself:
// no byte stream may carry a control character, --json must round-trip the exact original string,
// and every command printed for pasting must do exactly what it says under `sh -c` (a name like
// `$(touch pwned)` or `a; touch pwned` runs nothing). Assertions are on the file system and on the
// remote's objects, not on output alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { installHooks, createBareRemote, cloneAs, dx, dxBin, git, lsRemote, rejectPushesTo, run, type Host, type RunResult, type Sandbox } from '../helpers/index.ts';
import { idle, idleSandbox } from '../helpers/idle.ts';
import { safeJson, safeLine, safeText } from '../../src/core/text/safe.ts';
import { shellOperand, shellQuote } from '../../src/core/text/shell.ts';

const ESC = '\x1b';
/** An OSC 52 clipboard write, a screen clear with cursor home, a window title, a CR that overdraws the line, a C1 CSI and a bidi override. */
const EVIL = `${ESC}]52;c;Y3VybCBldmlsIHwgc2g=\x07${ESC}[2J${ESC}[1;1H${ESC}]0;owned\x07\r${ESC}[Kfake \u009b31m \u202egnp.exe\u202c é中文`;
/** A branch name git accepts (no controls, no spaces) that is still shell code and a bidi override. */
const BRANCH = 'feat$(touch${IFS}pwned)\u202e;touch${IFS}pwned2';
/** File names that are shell code, or carry escapes. */
const FILES = ['$(touch pwned)', 'a; touch pwned', `esc${ESC}]52;c;eA==\x07name`, 'bidi\u202etxt.sh', "it's `touch pwned`"];
/** What must never reach a terminal: C0 controls but TAB and LF (ESC, BEL, CR …), DEL, C1, bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOUR = 3600_000;

/** Asserts `text` (one output stream) holds no terminal control; names the first offending character. */
function assertClean(text: string, what: string): void {
  const m = UNSAFE.exec(text);
  assert.ok(!m, `${what} printed a raw control character U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 60))}`);
}

/** Both streams of a run are clean. */
function assertRunClean(r: RunResult, what: string): void {
  assertClean(r.stdout, `${what} (stdout)`);
  assertClean(r.stderr, `${what} (stderr)`);
}

/**
 * The lines dx-hooks' hooks printed during a git command (each starts with `dx-hooks:`), clean. git's own
 * lines are git's business: git 2.39 itself prints a bidi branch name raw ("up to date with 'origin/…'").
 */
function assertHookLinesClean(r: RunResult, what: string): string[] {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('dx-hooks'));
  lines.forEach((l) => assertClean(l, what));
  return lines;
}

/** No `pwned` file appeared anywhere a pasted command could have run. */
function assertNotPwned(sb: Sandbox, hs: Host[]): void {
  for (const dir of [sb.root, ...hs.map((h) => h.dir)]) {
    for (const f of ['pwned', 'pwned2']) assert.ok(!fs.existsSync(path.join(dir, f)), `${path.join(dir, f)} exists: a printed command ran injected code`);
  }
}

/** A `dx-hooks` on PATH (the built CLI), so printed commands can be pasted into `sh -c` as a user would. */
function dxOnPath(sb: Sandbox): string {
  const bin = sb.tmp('bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'dx-hooks'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(dxBin)} "$@"\n`, { mode: 0o755 });
  return bin;
}

/** Runs a printed command the way a user pastes it: `sh -c <line>` in the host's work tree. */
function paste(h: Host, bin: string, line: string): Promise<RunResult> {
  return run('sh', ['-c', line], { cwd: h.dir, env: { ...h.env, PATH: `${bin}:${h.env.PATH ?? ''}` }, timeoutMs: 60_000 });
}

/** The text after `marker` up to the end of the first line of `text` that holds it. */
function after(text: string, marker: string): string {
  const line = text.split('\n').find((l) => l.includes(marker));
  assert.ok(line, `no line with ${JSON.stringify(marker)} in:\n${text}`);
  return line.slice(line.indexOf(marker) + marker.length).trim();
}

/** git in a host with DX_WIP_PUSH=off: the hooks warn as always but start no background worker. */
const quiet = (h: Host, args: string[]) => git(h.dir, { ...h.env, DX_WIP_PUSH: 'off' }, args);

/** A bare remote with main (a seed commit two hours old) and installed clones, DX_WIP_PUSH=sync. */
async function setup(t: TestContext, names: string[], dxrc?: object): Promise<{ sb: Sandbox; remote: string; hs: Host[] }> {
  const { sb, hosts: hs } = await idleSandbox(t);
  const remote = await createBareRemote(sb);
  const seed = sb.tmp('seed');
  await git(sb.root, sb.env, ['clone', '--quiet', remote, seed]);
  await git(seed, sb.env, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  fs.writeFileSync(path.join(seed, 'README.md'), 'seed\n');
  await git(seed, sb.env, ['add', 'README.md']);
  const when = new Date(Date.now() - 2 * HOUR).toISOString();
  await git(seed, { ...sb.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }, ['commit', '--quiet', '-m', 'seed']);
  await git(seed, sb.env, ['push', '--quiet', 'origin', 'main']);
  for (const name of names) {
    const h = await cloneAs(sb, remote, name);
    h.env.DX_WIP_PUSH = 'sync';
    if (dxrc) await h.write('.dxrc.json', JSON.stringify(dxrc, null, 2) + '\n');
    await installHooks(h);
    fs.appendFileSync(path.join(h.dir, '.git/info/exclude'), '.dxrc.json\n');
    hs.push(h);
  }
  return { sb, remote, hs };
}

/** The index file on the bare remote's dx/index, parsed (the remote's own object, not what a command says). */
function remoteIndex(env: NodeJS.ProcessEnv, remote: string): { entries: Record<string, { host: string; branch: string; sha: string; message: string }> } {
  const text = execFileSync('git', ['--git-dir', remote, 'show', 'refs/heads/dx/index:.dx/wip-index.json'], { env, encoding: 'utf8' });
  return JSON.parse(text) as ReturnType<typeof remoteIndex>;
}

test('the quoting and the filter themselves: every nasty word survives `sh -c` exactly and runs nothing; the filter keeps text, drops control', async (t) => {
  const { sb } = await idleSandbox(t);
  const words = [...FILES, BRANCH, EVIL, 'plain', '', '-rf', "''", '%s%n\\', 'line\nbreak', 'tab\there', `-${ESC}[2J`, 'x\u2066y\u2069', 'é中文 ok'];
  for (const w of words) {
    const q = shellQuote(w);
    assertClean(q, `shellQuote(${JSON.stringify(w)})`);
    const back = await run('sh', ['-c', `printf '%s' ${q}`], { cwd: sb.root, env: sb.env, timeoutMs: 10_000 });
    assert.equal(back.stdout, w, `sh -c printf ${q}`);
    assert.equal(shellOperand('-x').startsWith('./'), true);
  }
  for (const f of ['pwned', 'pwned2']) assert.ok(!fs.existsSync(path.join(sb.root, f)));
  // Visible escapes, ordinary Unicode kept, JSON exact.
  assert.equal(safeText(`a${ESC}[31mb\r\n\u202ec é`), 'a\\x1b[31mb\\x0d\\x0a\\u202ec é');
  assert.equal(safeLine(`keep\n${ESC}]0;t\x07`), 'keep\n\\x1b]0;t\\x07');
  assert.equal(safeLine(`${ESC}[31mred${ESC}[39m ${ESC}[8mhidden${ESC}[2J`, true), `${ESC}[31mred${ESC}[39m \\x1b[8mhidden\\x1b[2J`);
  const doc = { message: EVIL, branch: BRANCH };
  assertClean(safeJson(doc, 2), 'safeJson');
  assert.deepEqual(JSON.parse(safeJson(doc, 2)), doc);
});

test('a hostile host\'s WIP (subject, branch and file names with escapes): checkout warning, status, restore --list, index show, log, undo --list, diagnose, doctor print no control; --json is exact; the printed commands do what they say', async (t) => {
  const { sb, remote, hs } = await setup(t, ['alpha', 'evil']);
  const [a, b] = hs as [Host, Host];
  const bin = dxOnPath(sb);
  // evil publishes the branch, alpha tracks it.
  await quiet(b, ['checkout', '-b', BRANCH]);
  await b.commit('base', { 'base.txt': 'base\n' });
  await b.git(['push', '--quiet', 'origin', BRANCH]);
  await quiet(a, ['fetch', '--quiet', 'origin']);
  await quiet(a, ['checkout', BRANCH]);
  // evil's hostile commit: its subject and file names carry escapes; post-commit mirrors it.
  for (const f of FILES) await b.write(f, `${f}\n`);
  await b.git(['add', '-A']);
  await b.git(['commit', '--quiet', '--cleanup=verbatim', '-m', `${EVIL}\n\nbody ${ESC}[31m`]);
  const evilSha = (await b.git(['rev-parse', 'HEAD'])).out;
  const wipRef = `refs/heads/wip/evil/${BRANCH}`;
  assert.equal((await lsRemote(a.env, remote)).get(wipRef), evilSha, 'the hostile WIP is on the remote');
  const indexed = Object.values(remoteIndex(sb.env, remote).entries).find((e) => e.host === 'evil' && e.branch === BRANCH);
  assert.ok(indexed, 'the remote index lists evil\'s WIP');
  assert.ok(indexed.message.includes(`${ESC}]52;c;`), 'the hostile subject is in the remote index as it was written');

  await t.test('sync writes the warning file safe (the hooks print it raw)', async () => {
    const sync = await dx(a, ['sync']);
    assert.equal(sync.code, 0, sync.stderr);
    assertRunClean(sync, 'dx-hooks sync');
    const warnDir = path.join(a.dir, '.git/dx/warn');
    const msg = path.join(warnDir, `${BRANCH}.msg`);
    assert.ok(fs.existsSync(msg), 'the warning for the hostile branch was written');
    assertClean(fs.readFileSync(msg, 'utf8').replaceAll('\t', ' '), 'warn/<branch>.msg');
    // The structured twin stays exact (triage reads it as data).
    const rec = JSON.parse(fs.readFileSync(path.join(warnDir, `${BRANCH}.json`), 'utf8')) as { message: string }[];
    assert.equal(rec[0]?.message, indexed.message);
  });

  let restoreLine = '';
  await t.test('git checkout: the post-checkout warning holds no control, and its restore command, pasted, restores exactly that WIP and runs nothing else', async () => {
    await quiet(a, ['checkout', 'main']);
    const r = await quiet(a, ['checkout', BRANCH]);
    assertHookLinesClean(r, 'git checkout (post-checkout)');
    assert.match(r.stderr, /host "evil" has newer WIP of/);
    restoreLine = after(r.stderr, 'restore it: ');
    const pasted = await paste(a, bin, restoreLine);
    assert.equal(pasted.code, 0, `${restoreLine}\n${pasted.stderr}`);
    assertRunClean(pasted, 'the pasted restore');
    assert.equal((await a.git(['rev-parse', `refs/heads/rescue/evil/${BRANCH}`])).out, evilSha, 'the pasted command restored evil\'s WIP under its exact name');
    assertNotPwned(sb, hs);
  });

  await t.test('status, restore --list, index show: no control in text; --json exact', async () => {
    for (const args of [['status'], ['restore', '--list'], ['index', 'show'], ['status', '--offline']]) {
      const r = await dx(a, args);
      assertRunClean(r, `dx-hooks ${args.join(' ')}`);
      assert.ok(r.stdout.includes('\\x1b]52;c;'), `dx-hooks ${args.join(' ')} shows the escape, made visible:\n${r.stdout}`);
    }
    const st = await dx(a, ['status', '--json']);
    assertClean(st.stdout, 'status --json');
    const other = (JSON.parse(st.stdout) as { others: { host: string; branch: string; message: string; restore: string }[] }).others.find((e) => e.host === 'evil');
    assert.equal(other?.message, indexed.message, 'status --json: the exact subject');
    assert.equal(other?.branch, BRANCH, 'status --json: the exact branch');
    assert.equal(other?.restore, restoreLine, 'the JSON restore command is the quoted one the hook printed');
    const list = await dx(a, ['restore', '--list', '--json']);
    assertClean(list.stdout, 'restore --list --json');
    const entry = (JSON.parse(list.stdout) as { entries: { host: string; branch: string; message: string }[] }).entries.find((e) => e.host === 'evil');
    assert.equal(entry?.message, indexed.message);
    const show = await dx(a, ['index', 'show', '--json']);
    assertClean(show.stdout, 'index show --json');
    assert.deepEqual(JSON.parse(show.stdout), remoteIndex(sb.env, remote), 'index show --json is the remote\'s index, exactly');
  });

  await t.test('diagnose: every hostile file name gets a fix that, pasted, brings back exactly that file and runs nothing else', async () => {
    for (const f of FILES) {
      const r = await dx(a, ['diagnose', '--', f]);
      assertRunClean(r, `diagnose ${JSON.stringify(f)}`);
      const json = await dx(a, ['diagnose', '--json', '--', f]);
      assertClean(json.stdout, 'diagnose --json');
      assert.equal(json.code === 0 || json.code === 1, true, `diagnose --json exited ${json.code}: ${json.stderr}`);
      const rep = JSON.parse(json.stdout) as { paths: { path: string; fix: string | null }[] };
      assert.equal(rep.paths[0]?.path, f, 'diagnose --json names the exact path');
      const fix = after(r.stdout, 'fix:');
      assert.equal(fix, rep.paths[0]?.fix, 'the printed fix is the JSON one (already printable)');
      const pasted = await paste(a, bin, fix);
      assert.equal(pasted.code, 0, `${fix}\n${pasted.stderr}`);
      assert.equal(fs.readFileSync(path.join(a.dir, f), 'utf8'), `${f}\n`, `the pasted fix restored ${JSON.stringify(f)}`);
      fs.rmSync(path.join(a.dir, f));
      await a.git(['reset', '--quiet', '--', f]);
    }
    assertNotPwned(sb, hs);
  });

  await t.test('log and undo --list after deleting the rescued branch: no control; the undo hint restores it', async () => {
    const del = await a.git(['branch', '-D', `rescue/evil/${BRANCH}`]);
    assertHookLinesClean(del, 'git branch -D (reference-transaction)');
    for (const args of [['log'], ['undo', '--list'], ['doctor'], ['checkpoint', 'list']]) assertRunClean(await dx(a, args), `dx-hooks ${args.join(' ')}`);
    const log = await dx(a, ['log', '--json']);
    assertClean(log.stdout, 'log --json');
    assert.ok(log.stdout.includes('\\u202e') && JSON.stringify(JSON.parse(log.stdout)).includes(BRANCH), 'log --json writes the bidi character as \\u202e and parses back to the exact branch name');
    const undo = await dx(a, ['undo']);
    assertRunClean(undo, 'dx-hooks undo');
    assert.equal((await a.git(['rev-parse', `refs/heads/rescue/evil/${BRANCH}`])).out, evilSha, 'undo brought the branch back');
  });
  await idle(a);
  await idle(b);
});

test('a hostile checkpoint and a hand-made index entry (host, branch and message with escapes): checkpoint list, status, index show, restore --list stay clean; --json exact', async (t) => {
  const { sb, remote, hs } = await setup(t, ['alpha', 'evil']);
  const [a, b] = hs as [Host, Host];
  await b.commit('evil work', { 'w.txt': 'w\n' });
  const cp = await dx(b, ['checkpoint', 'create', 'cp\u202eelif', '-m', EVIL]);
  assert.equal(cp.code, 0, cp.stderr);
  assert.ok((await lsRemote(a.env, remote)).has('refs/tags/checkpoint/cp\u202eelif'), 'the hostile checkpoint is on the remote');
  // A raw index entry no ref name could carry: controls in host and branch. Built with plumbing on top of the remote's index.
  const idx = remoteIndex(sb.env, remote) as { entries: Record<string, unknown> };
  const sha = (await b.git(['rev-parse', 'HEAD'])).out;
  const host = `ev${ESC}[2Jil\r`;
  const branch = `x${ESC}]52;c;eA==\x07\u202e`;
  idx.entries[`${host}/${branch}`] = { host, branch, ref: `refs/heads/wip/evil/main`, sha, base: sha, ts: Math.floor(Date.now() / 1000), message: `${EVIL}\nsecond line`, dirty: false };
  const blob = execFileSync('git', ['--git-dir', remote, 'hash-object', '-w', '--stdin'], { input: JSON.stringify(idx), env: sb.env, encoding: 'utf8' }).trim();
  const sub = execFileSync('git', ['--git-dir', remote, 'mktree'], { input: `100644 blob ${blob}\twip-index.json\n`, env: sb.env, encoding: 'utf8' }).trim();
  const tree = execFileSync('git', ['--git-dir', remote, 'mktree'], { input: `040000 tree ${sub}\t.dx\n`, env: sb.env, encoding: 'utf8' }).trim();
  const parent = execFileSync('git', ['--git-dir', remote, 'rev-parse', 'refs/heads/dx/index'], { env: sb.env, encoding: 'utf8' }).trim();
  const commit = execFileSync('git', ['--git-dir', remote, 'commit-tree', tree, '-p', parent, '-m', 'evil index'], { env: sb.env, encoding: 'utf8' }).trim();
  execFileSync('git', ['--git-dir', remote, 'update-ref', 'refs/heads/dx/index', commit, parent], { env: sb.env });

  for (const args of [['checkpoint', 'list'], ['status'], ['index', 'show'], ['restore', '--list'], ['doctor']]) assertRunClean(await dx(a, args), `dx-hooks ${args.join(' ')}`);
  // With colours on (a terminal): our own colour codes are the only escape sequences left.
  const coloured: NodeJS.ProcessEnv = { ...a.env, FORCE_COLOR: '1' };
  delete coloured.NO_COLOR;
  for (const args of [['checkpoint', 'list'], ['status'], ['restore', '--list']]) {
    const r = await run(process.execPath, [dxBin, ...args], { cwd: a.dir, env: coloured, timeoutMs: 60_000 });
    for (const text of [r.stdout, r.stderr]) {
      // eslint-disable-next-line no-control-regex -- our own SGR codes
      const rest = text.replace(/\u001b\[(?:1|2|22|31|32|33|39)m/g, '');
      assertClean(rest, `dx-hooks ${args.join(' ')} with colours on`);
    }
    assert.ok(args[0] !== 'status' || r.stdout.includes(`${ESC}[1m`), 'colours are really on (bold headings)');
  }
  const list = await dx(a, ['checkpoint', 'list', '--json']);
  assertClean(list.stdout, 'checkpoint list --json');
  const c = (JSON.parse(list.stdout) as { entries: { name: string; description: string }[] }).entries.find((x) => x.name === 'cp\u202eelif');
  assert.ok(c, 'the hostile checkpoint is listed under its exact name');
  assert.ok(c.description.includes(`${ESC}]52;c;`), 'checkpoint list --json keeps the description exact');
  // The index as the remote holds it: shown exactly when it is shown at all (a stricter index may drop an entry that no WIP ref backs).
  const show = await dx(a, ['index', 'show', '--json']);
  assertClean(show.stdout, 'index show --json');
  const shown = (JSON.parse(show.stdout) as { entries: Record<string, { host: string; branch: string; message: string }> }).entries[`${host}/${branch}`];
  if (shown) assert.deepEqual([shown.host, shown.branch, shown.message], [host, branch, `${EVIL}\nsecond line`]);
  const st = await dx(a, ['status', '--json']);
  assertClean(st.stdout, 'status --json');
  const other = (JSON.parse(st.stdout) as { others: { host: string; branch: string; restore: string }[] }).others.find((e) => e.host === host);
  if (other) {
    assert.equal(other.branch, branch);
    assertClean(other.restore, 'the JSON restore command');
    // Pasted, the command names the exact (hostile) host and branch: dx-hooks says there is no such WIP, and nothing else runs.
    const bin = dxOnPath(sb);
    const pasted = await paste(a, bin, other.restore);
    assertRunClean(pasted, 'the pasted restore of a fake entry');
    assertNotPwned(sb, hs);
  }
  await idle(a);
  await idle(b);
});

test('a remote whose refusal carries escape sequences: the banner file, git commit\'s hook output, status and log stay clean; status --json keeps the exact error', async (t) => {
  const { remote, hs } = await setup(t, ['alpha']);
  const [a] = hs as [Host];
  await rejectPushesTo(remote, ['refs/heads/wip/alpha/main'], `denied ${EVIL}`);
  const first = await git(a.dir, a.env, ['commit', '--quiet', '--allow-empty', '-m', 'first']);
  assertHookLinesClean(first, 'git commit whose WIP push the remote refuses');
  assert.ok(!(await lsRemote(a.env, remote)).has('refs/heads/wip/alpha/main'), 'the remote refused the WIP push');
  const banner = path.join(a.dir, '.git/dx/banner');
  assert.ok(fs.existsSync(banner), 'the failure is loud: a banner');
  assertClean(fs.readFileSync(banner, 'utf8'), 'the banner file');
  assert.equal(fs.readFileSync(banner, 'utf8').split('\n').filter(Boolean).length, 1, 'the banner is one line');
  // The next commit prints the banner (sh, from the file).
  const second = await git(a.dir, { ...a.env, DX_WIP_PUSH: 'background' }, ['commit', '--allow-empty', '-m', 'second']);
  assertHookLinesClean(second, 'git commit printing the banner');
  assert.match(second.stderr, /dx-hooks: WIP backup failing since/);
  for (const args of [['status'], ['log'], ['doctor'], ['checkpoint']]) assertRunClean(await dx(a, args), `dx-hooks ${args.join(' ')}`);
  const st = await dx(a, ['status', '--json']);
  assertClean(st.stdout, 'status --json');
  const pending = (JSON.parse(st.stdout) as { pending: { error: string }[] }).pending;
  assert.ok(pending.some((p) => p.error.includes(`${ESC}]52;c;`)), 'status --json keeps the remote\'s exact error text');
  // A defence in depth: a banner file written raw (an older dx-hooks) is still printed clean by the sh runtime.
  fs.writeFileSync(banner, `dx-hooks: raw ${EVIL}\n`);
  const fourth = await git(a.dir, { ...a.env, DX_WIP_PUSH: 'background' }, ['commit', '--allow-empty', '-m', 'fourth']);
  assert.ok(assertHookLinesClean(fourth, 'git commit printing a raw banner file').length > 0, fourth.stderr);
  await idle(a);
  // The background worker's log (the banner points there) holds the remote's text too: written safe.
  const log = path.join(a.dir, '.git/dx/worker.log');
  assert.ok(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('denied'), 'the background worker logged the refusal');
  assertClean(fs.readFileSync(log, 'utf8'), 'worker.log');
});

test('protected and critical paths named with shell code or escapes: post-checkout names them cleanly, and its `git checkout` / `chmod +x` commands, pasted, repair exactly them', async (t) => {
  const names = ['$(touch pwned).sh', 'a; touch pwned.sh', `e${ESC}]0;t\x07.sh`, '-rf.sh'];
  const { sb, hs } = await setup(t, ['alpha'], { protect: { paths: ['*.sh'] }, guard: { critical: names.map((p) => ({ path: p, executable: true })) } });
  const [a] = hs as [Host];
  for (const n of names) await a.write(n, `${n}\n`);
  for (const n of names) fs.chmodSync(path.join(a.dir, n), 0o755);
  await a.git(['add', '-A']);
  await a.git(['commit', '--quiet', '-m', 'scripts']);
  assertRunClean(await dx(a, ['status']), 'status (rewrites the hook caches)');
  await idle(a);
  // Lost exec bits first, then missing files.
  for (const n of names) fs.chmodSync(path.join(a.dir, n), 0o644);
  const lost = await quiet(a, ['checkout', 'HEAD', '--', 'README.md']);
  assertHookLinesClean(lost, 'git checkout -- README.md (post-checkout, lost exec bits)');
  const chmods = lost.stderr.split('\n').filter((l) => l.includes('chmod +x ')).map((l) => after(l, 'chmod +x ').replace(/\)$/, ''));
  assert.ok(chmods.length >= names.length, lost.stderr);
  for (const c of chmods) {
    const r = await paste(a, sb.tmp('bin'), `chmod +x ${c}`);
    // The sh runtime shows a control character as '?' (it has no cheap way to spell it exactly): that
    // command names another, harmless word. Every other one must work.
    if (!c.includes('?')) assert.equal(r.code, 0, `chmod +x ${c}: ${r.stderr}`);
  }
  for (const n of names.filter((x) => !x.includes(ESC))) assert.equal(fs.statSync(path.join(a.dir, n)).mode & 0o111, 0o111, `the pasted chmod set ${JSON.stringify(n)} executable`);
  await idle(a);
  for (const n of names) fs.rmSync(path.join(a.dir, n));
  const gone = await quiet(a, ['checkout', 'HEAD', '--', 'README.md']);
  assertHookLinesClean(gone, 'git checkout -- README.md (post-checkout, missing files)');
  const fixes = gone.stderr.split('\n').filter((l) => l.includes('bring it back: git checkout ')).map((l) => after(l, 'bring it back: '));
  assert.ok(fixes.length >= names.length, gone.stderr);
  for (const f of fixes) {
    const r = await paste(a, sb.tmp('bin'), f);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
  }
  for (const n of names.filter((x) => !x.includes(ESC))) assert.equal(fs.readFileSync(path.join(a.dir, n), 'utf8'), `${n}\n`, `the pasted checkout restored ${JSON.stringify(n)}`);
  assertNotPwned(sb, hs);
  await idle(a);
});
