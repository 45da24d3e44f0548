// The one module that writes inside a repository (src/core/nofollow.ts): every function, against a
// link at the first, a middle and the last component, and a dangling link — the outside folder
// stays byte-for-byte the same and the error names the link. Plus the plain writes still work.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { appendInside, checkInside, chmodInside, copyInside, createInside, mkdirInside, renameInside, rmInside, SymlinkRefused, symlinkInside, writeInside } from '../../src/core/nofollow.ts';

/** A root (the "repository") and an outside folder holding `secret` (mode 644); links from the root to outside. */
function world(t: TestContext) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-nofollow-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'repo');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'real/sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'keep\n', { mode: 0o644 });
  fs.chmodSync(path.join(outside, 'secret'), 0o644);
  fs.symlinkSync(outside, path.join(root, 'first'));                          // first component
  fs.symlinkSync(outside, path.join(root, 'real/mid'));                       // a middle one
  fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'real/last')); // the last one
  fs.symlinkSync(path.join(outside, 'new-file'), path.join(root, 'dangling'));
  const listing = () => fs.readdirSync(outside).sort().map((f) => `${f} ${(fs.lstatSync(path.join(outside, f)).mode & 0o7777).toString(8)} ${fs.readFileSync(path.join(outside, f), 'utf8')}`);
  const before = listing();
  return { root, outside, unchanged: () => assert.deepEqual(listing(), before, 'outside is unchanged, nothing new') };
}

const refused = (link: string) => (err: unknown) => err instanceof SymlinkRefused && err.code === 'PATH_THROUGH_SYMLINK' && err.link.endsWith(link) && err.message.includes(link);

test('every write refuses a link at the first, a middle and the last component, and a dangling link', (t) => {
  const { root, unchanged } = world(t);
  const src = path.join(root, 'real/sub/src.txt');
  fs.writeFileSync(src, 'pwned\n');
  const through = [['first/secret', 'first'], ['real/mid/secret', 'real/mid'], ['real/mid/x/y', 'real/mid'], ['real/last', 'real/last'], ['dangling', 'dangling']] as const;
  for (const [p, link] of through) {
    const file = path.join(root, p);
    assert.throws(() => writeInside(root, file, 'pwned\n'), refused(link), `writeInside ${p}`);
    assert.throws(() => appendInside(root, file, 'pwned\n'), refused(link), `appendInside ${p}`);
    assert.throws(() => createInside(root, file, 'pwned\n'), refused(link), `createInside ${p}`);
    assert.throws(() => copyInside(root, src, file), refused(link), `copyInside ${p}`);
    assert.throws(() => symlinkInside(root, '/etc/passwd', path.join(file, 'z')), (e) => e instanceof SymlinkRefused, `symlinkInside ${p}`);
    if (p !== 'dangling') assert.throws(() => chmodInside(root, file, 0o755), refused(link), `chmodInside ${p}`);
    assert.throws(() => mkdirInside(root, path.join(file, 'd')), (e) => e instanceof SymlinkRefused, `mkdirInside ${p}/d`);
  }
  assert.throws(() => renameInside(root, path.join(root, 'real/sub'), path.join(root, 'real/mid/moved')), refused('real/mid'));
  assert.throws(() => rmInside(root, path.join(root, 'first/secret')), refused('first'));
  assert.throws(() => checkInside(root, path.join(root, '..', 'outside', 'secret')), /PATH_OUTSIDE_ROOT|outside/);
  unchanged();
});

test('removing or renaming a link touches only the link; plain writes work and keep the mode', (t) => {
  const { root, unchanged } = world(t);
  rmInside(root, path.join(root, 'real/last'));
  assert.equal(fs.existsSync(path.join(root, 'real/last')), false);
  renameInside(root, path.join(root, 'dangling'), path.join(root, 'moved-link'));
  assert.ok(fs.lstatSync(path.join(root, 'moved-link')).isSymbolicLink());
  unchanged();
  const f = path.join(root, 'a/b/c.txt');
  writeInside(root, f, 'one\n');
  chmodInside(root, f, 0o750);
  writeInside(root, f, 'two\n');
  assert.equal(fs.readFileSync(f, 'utf8'), 'two\n');
  assert.equal(fs.statSync(f).mode & 0o777, 0o750, 'an atomic rewrite keeps the mode');
  appendInside(root, f, 'three\n');
  assert.equal(fs.readFileSync(f, 'utf8'), 'two\nthree\n');
  assert.throws(() => createInside(root, f, 'x'), /EEXIST/);
  symlinkInside(root, 'c.txt', path.join(root, 'a/b/link'));
  assert.equal(fs.readlinkSync(path.join(root, 'a/b/link')), 'c.txt');
  assert.deepEqual(fs.readdirSync(path.join(root, 'a/b')).sort(), ['c.txt', 'link'], 'no temp file left behind');
});

test('the worker lock (lock.ts, with a root) is never taken through a link: not the directory, not the file, not its .lock', async (t) => {
  const { root, outside, unchanged } = world(t);
  const { acquireLock } = await import('../../src/core/lock.ts');
  await assert.rejects(acquireLock(path.join(root, 'first/dx/worker.lock'), 0, 30_000, root), refused('first'));
  await assert.rejects(acquireLock(path.join(root, 'real/last'), 0, 30_000, root), refused('last'));
  fs.symlinkSync(outside, path.join(root, 'real/sub/w.lock.lock'));
  await assert.rejects(acquireLock(path.join(root, 'real/sub/w.lock'), 0, 30_000, root), refused('w.lock.lock'));
  unchanged();
  // Without links it works as before: taken, held, released.
  const release = await acquireLock(path.join(root, 'real/dx/worker.lock'), 0, 30_000, root);
  assert.ok(release);
  assert.equal(await acquireLock(path.join(root, 'real/dx/worker.lock'), 0, 30_000, root), null, 'held');
  await release();
});
