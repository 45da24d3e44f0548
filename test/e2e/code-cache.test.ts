// The executable's code cache (src/launch/code-cache.ts): the CLI is one script compiled with V8's code
// cache, one file per command beside the bundle (else the user's cache folder). Driven on a copy of the
// built package in a sandbox (its own dist/, the real node_modules linked), so the checkout's cache is not
// touched: written on a command's first run and used on the next; named after the command, never a user's
// word; a corrupt file rejected and replaced; links neither read nor written through; another user's file
// ignored; a FIFO at the name does not hang it; unusable cache folders never stop the command; a run as another user leaves nothing in the package; a changed
// bundle (even one edited in place to the same length) gets a new file and the old one goes; other V8 flags get
// their own file; DX_CODE_CACHE=0 writes nothing; the bundle is strict, as the ES modules it was made of.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { cacheKey } from '../../src/launch/code-cache.ts';
import { packageRoot, run, withSandbox } from '../helpers/index.ts';

const pkgDirOf = (cacheDir: string) => path.dirname(cacheDir);

/** A copy of the built package (dist/, package.json, hooks/; node_modules linked) and a runner for its CLI with DX_DEBUG. */
async function pkgCopy(t: TestContext) {
  const sb = await withSandbox(t);
  const pkg = sb.tmp('pkg');
  fs.mkdirSync(pkg);
  fs.cpSync(path.join(packageRoot, 'dist'), path.join(pkg, 'dist'), { recursive: true, filter: (src) => !src.includes('.v8-cache') });
  for (const f of ['package.json', 'hooks', 'templates']) fs.cpSync(path.join(packageRoot, f), path.join(pkg, f), { recursive: true });
  fs.symlinkSync(path.join(packageRoot, 'node_modules'), path.join(pkg, 'node_modules'));
  const cacheDir = path.join(pkg, 'dist', 'bundle', '.v8-cache');
  const userDir = path.join(sb.env.XDG_CACHE_HOME!, 'dx-hooks', 'v8');
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const r = await run(process.execPath, [path.join(pkg, 'dist', 'cli.js'), ...args], { cwd: sb.root, env: { ...sb.env, DX_DEBUG: '1', ...env } });
    return { ...r, notes: r.stderr.split('\n').filter((l) => l.startsWith('dx-hooks: code cache:')) };
  };
  const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  return { sb, pkg, cacheDir, userDir, cli, files };
}

test('cacheKey: the longest command path the arguments start with; never a user word', () => {
  const paths = [['session'], ['session', 'save'], ['restore'], ['status'], ['agent'], ['agent', 'event']];
  assert.equal(cacheKey(['session', 'save', 'my-id', '--agent', 'x'], paths), 'session-save');
  assert.equal(cacheKey(['session', 'bogus'], paths), 'session');
  assert.equal(cacheKey(['restore', 'laptop', 'main'], paths), 'restore');
  assert.equal(cacheKey(['agent', 'event', 'claude-code'], paths), 'agent-event');
  assert.equal(cacheKey(['--version'], paths), 'cli');
  assert.equal(cacheKey([], paths), 'cli');
  assert.equal(cacheKey(['../../etc'], [['../../etc']]), 'cli', 'a path that is not a plain name is never a file name');
});

test('written on a command\'s first run, used on the next, one file per command; a corrupt one is rejected and replaced', async (t) => {
  const { cacheDir, cli, files } = await pkgCopy(t);
  const first = await cli(['--version']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.notes.join('\n'), /no cli\.[0-9a-f]{16}\.[0-9a-z-]+\.v\d+\.\d+\.\d+-\w+-0-w\d+\.v8: written at exit/);
  const [name] = files(cacheDir);
  assert.match(name ?? '', /^cli\.[0-9a-f]{16}\.[0-9a-z-]+\.v\d+\.\d+\.\d+-\w+-0-w\d+\.v8$/);
  assert.ok(fs.statSync(path.join(cacheDir, name!)).size > 10_000, 'V8 wrote compiled code');
  assert.ok(fs.readFileSync(path.join(pkgDirOf(cacheDir), 'dx-hooks.js'), 'utf8').startsWith('"use strict";'), 'the bundle is strict code');

  const second = await cli(['--version']);
  assert.equal(second.stdout, first.stdout, 'the same answer from the cached code');
  assert.ok(second.notes.some((n) => n.includes(`used ${name}`)), second.stderr);
  assert.ok(!second.notes.some((n) => n.includes('written')), 'nothing written when the cache was used');

  // Another command, with a user's word in it: its own file, named after the command only.
  const restore = await cli(['restore', 'laptop-42']);
  assert.notEqual(restore.code, 0, 'outside a repository restore fails, after loading');
  assert.deepEqual(files(cacheDir).map((f) => f.split('.')[0]), ['cli', 'restore']);

  // Garbage in its place: V8 rejects it, the command still answers right, and the file is written anew.
  fs.writeFileSync(path.join(cacheDir, name!), Buffer.alloc(50_000, 7));
  const corrupt = await cli(['--version']);
  assert.equal(corrupt.code, 0, corrupt.stderr);
  assert.equal(corrupt.stdout, first.stdout);
  assert.ok(corrupt.notes.some((n) => n.includes('rejected by V8')), corrupt.stderr);
  assert.ok(!fs.readFileSync(path.join(cacheDir, name!)).equals(Buffer.alloc(50_000, 7)), 'the garbage was replaced');
  assert.ok((await cli(['--version'])).notes.some((n) => n.includes(`used ${name}`)));
  assert.deepEqual(files(cacheDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('a link at the cache file is neither read nor written through; a linked cache folder is not written into (the user\'s folder is)', async (t) => {
  const { sb, cacheDir, userDir, cli, files } = await pkgCopy(t);
  await cli(['--version']);
  const [name] = files(cacheDir);
  const outside = sb.tmp('outside');
  fs.mkdirSync(outside);
  fs.copyFileSync(path.join(cacheDir, name!), path.join(outside, 'target'));
  const before = fs.readFileSync(path.join(outside, 'target'));
  fs.rmSync(path.join(cacheDir, name!));
  fs.symlinkSync(path.join(outside, 'target'), path.join(cacheDir, name!));
  const r = await cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.notes.some((n) => /not read \(ELOOP\)/.test(n)), r.stderr);
  assert.ok(fs.lstatSync(path.join(cacheDir, name!)).isFile(), 'the link was replaced by a file, not written through');
  assert.ok(fs.readFileSync(path.join(outside, 'target')).equals(before), 'the link\'s target is unchanged');

  // The cache folder itself a link to an outside folder: nothing lands there; the user's cache folder takes it.
  fs.rmSync(cacheDir, { recursive: true });
  fs.symlinkSync(outside, cacheDir);
  const viaLink = await cli(['status']);
  assert.ok(viaLink.notes.some((n) => /not written \(.*not a folder \(a link\?\)/.test(n)), viaLink.stderr);
  assert.deepEqual(fs.readdirSync(outside), ['target'], 'nothing written into the linked folder');
  assert.deepEqual(files(userDir).map((f) => f.split('.')[0]), ['status']);
  assert.equal((fs.statSync(userDir).mode & 0o777).toString(8), '700');
  assert.ok((await cli(['status'])).notes.some((n) => n.includes('used status.')), 'read back from the user\'s folder');
});

test('another user\'s cache file is ignored', { skip: process.getuid?.() !== 0 && 'needs root to give a file to another user' }, async (t) => {
  const { cacheDir, cli, files } = await pkgCopy(t);
  await cli(['--version']);
  const [name] = files(cacheDir);
  fs.chownSync(path.join(cacheDir, name!), 12345, 12345);
  const r = await cli(['--version']);
  assert.ok(r.notes.some((n) => n.includes('owned by uid 12345, ignored')), r.stderr);
  assert.equal(fs.statSync(path.join(cacheDir, name!)).uid, 0, 'replaced by this user\'s own');
});

test('a changed bundle gets a new file and the old one of that command goes; DX_CODE_CACHE=0 reads and writes nothing', async (t) => {
  const { pkg, cacheDir, cli, files } = await pkgCopy(t);
  await cli(['--version']);
  const [old] = files(cacheDir);
  fs.appendFileSync(path.join(pkg, 'dist', 'bundle', 'dx-hooks.js'), '\n// changed\n');
  const r = await cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  const now = files(cacheDir);
  assert.equal(now.length, 1, now.join(' '));
  assert.notEqual(now[0], old, 'a new name for the new code');

  // Edited in place to the same length (V8 checks only the length): the new code runs, not the cached old one.
  const bundle = path.join(pkg, 'dist', 'bundle', 'dx-hooks.js');
  const text = fs.readFileSync(bundle, 'latin1');
  const at = text.search(/process\.stdout\.write\(packageVersion\d* *\(\) \+ "\\n"\)/);
  assert.ok(at > 0, 'the --version line is in the bundle');
  const line = /process\.stdout\.write\(packageVersion\d* *\(\) \+ "\\n"\)/.exec(text.slice(at))![0];
  const edited = line.replace(' + "\\n"', ' +"!\\n"');
  assert.equal(edited.length, line.length);
  fs.writeFileSync(bundle, text.slice(0, at) + edited + text.slice(at + line.length), 'latin1');
  const after = await cli(['--version']);
  assert.equal(after.stdout, '0.1.0!\n'.replace('0.1.0', JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version), after.stderr);

  assert.equal(files(cacheDir).length, 1, 'the edited copy\'s file replaced the old one');

  // Other V8 flags: a file of their own beside it, and the plain run still uses its own (no rewriting each other's).
  const flagged = await cli(['--version'], { NODE_OPTIONS: '--max-old-space-size=1024' });
  assert.ok(flagged.notes.some((n) => n.includes('written at exit')), flagged.stderr);
  assert.equal(files(cacheDir).length, 2, files(cacheDir).join(' '));
  assert.ok((await cli(['--version'])).notes.some((n) => n.startsWith('dx-hooks: code cache: used ')));
  assert.ok((await cli(['--version'], { NODE_OPTIONS: '--max-old-space-size=1024' })).notes.some((n) => n.startsWith('dx-hooks: code cache: used ')));
  const before = files(cacheDir);
  const off = await cli(['status'], { DX_CODE_CACHE: '0' });
  assert.deepEqual(off.notes, []);
  assert.deepEqual(files(cacheDir), before, 'nothing written');
});

test('a FIFO at the cache file\'s name does not hang the command', async (t) => {
  const { cacheDir, cli, files } = await pkgCopy(t);
  await cli(['--version']);
  const [name] = files(cacheDir);
  fs.rmSync(path.join(cacheDir, name!));
  assert.equal(spawnSync('mkfifo', [path.join(cacheDir, name!)]).status, 0, 'mkfifo');
  const r = await cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.notes.some((n) => n.includes('not a regular file')), r.stderr);
  assert.ok(fs.lstatSync(path.join(cacheDir, name!)).isFile(), 'replaced by a file at exit');
});

test('a run as another user (root through sudo) leaves nothing in the package\'s folder: its cache goes to its own', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const { pkg, cacheDir, userDir, cli, files } = await pkgCopy(t);
  fs.chownSync(path.join(pkg, 'dist', 'bundle'), 12345, 12345); // the package's owner: another user
  const r = await cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.notes.some((n) => n.includes('the package is owned by uid 12345')), r.stderr);
  assert.equal(fs.existsSync(cacheDir), false, 'no folder of root\'s in the user\'s package');
  assert.deepEqual(files(userDir).map((f) => f.split('.')[0]), ['cli']);
});

test('a cache folder that cannot be used (a file on the way to it, both places) costs the cache only: the command runs', async (t) => {
  const { sb, pkg, cli, cacheDir } = await pkgCopy(t);
  const blocker = sb.tmp('a-file');
  fs.writeFileSync(blocker, 'not a folder\n');
  fs.writeFileSync(cacheDir, 'not a folder either\n'); // the package's folder's name taken by a file
  const r = await cli(['--version'], { XDG_CACHE_HOME: blocker });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version}\n`);
  assert.ok(r.notes.some((n) => n.includes('not read (ENOTDIR)')), r.stderr);
  assert.ok(r.notes.filter((n) => n.includes('not written')).length === 2, r.stderr);
  assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder\n', 'the file on the way is untouched');
  assert.equal(fs.readFileSync(cacheDir, 'utf8'), 'not a folder either\n', 'nor the file in the package\'s folder\'s place');
});
