// The one store for dx-hooks' own files (src/core/store/, issue 11): JSON reads answer missing / ok /
// corrupt with one problem shape (what and where), any other read error is loud, JSONL reads survive
// a torn line without losing the next record, appends end a torn line first, and no write goes
// through a symbolic link.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { z } from 'zod';
import { DxError } from '../../src/core/errors.ts';
import { SymlinkRefused } from '../../src/core/nofollow.ts';
import { appendJsonl, describeProblem, readJson, readJsonl, readJsonlObjects, readJsonlTailObjects, writeJson } from '../../src/core/store/index.ts';

const Conf = z.object({ v: z.literal(1), wip: z.object({ push: z.boolean() }) });
const Rec = z.object({ id: z.string(), n: z.number() });

function dir(t: TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-store-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('readJson: a missing file is missing, a valid one is ok with the parsed value', (t) => {
  const d = dir(t);
  assert.deepEqual(readJson(path.join(d, 'none.json'), Conf, 'test config'), { kind: 'missing' });
  fs.writeFileSync(path.join(d, 'a.json'), '{"v":1,"wip":{"push":true}}\n');
  assert.deepEqual(readJson(path.join(d, 'a.json'), Conf, 'test config'), { kind: 'ok', value: { v: 1, wip: { push: true } } });
});

test('readJson: bad JSON is corrupt, naming the file, what it should be and the line and column', (t) => {
  const d = dir(t);
  const file = path.join(d, 'a.json');
  fs.writeFileSync(file, '{\n "v": 1,\n  x: 2\n}\n');
  const r = readJson(file, Conf, 'test config');
  assert.equal(r.kind, 'corrupt');
  if (r.kind !== 'corrupt') return;
  assert.equal(r.problem.file, file);
  assert.equal(r.problem.what, 'test config');
  assert.equal(r.problem.where, 'line 3 column 3');
  assert.match(describeProblem(r.problem), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid test config: at line 3 column 3, `));
  fs.writeFileSync(file, '{"v": 1, "wip": {');
  const cut = readJson(file, Conf, 'test config');
  assert.ok(cut.kind === 'corrupt' && cut.problem.where === 'end of file' && /ends too soon/.test(cut.problem.message));
  fs.writeFileSync(file, '{"v":1}\n\u001b[2Jgarbage');
  const junk = readJson(file, Conf, 'test config');
  assert.ok(junk.kind === 'corrupt' && junk.problem.where === 'line 2 column 1', 'a position even where node names none');
  assert.ok(junk.kind === 'corrupt' && !describeProblem(junk.problem).includes('\u001b'), 'the file\'s text is never echoed raw');
  fs.writeFileSync(file, '');
  const empty = readJson(file, Conf, 'test config');
  assert.ok(empty.kind === 'corrupt' && /empty/.test(empty.problem.where));
});

test('readJson: a schema mismatch is corrupt at the first key, every issue as `path: message`', (t) => {
  const d = dir(t);
  const file = path.join(d, 'a.json');
  fs.writeFileSync(file, '{"v":2,"wip":{"push":"yes"}}');
  const r = readJson(file, Conf, 'test config');
  assert.ok(r.kind === 'corrupt');
  assert.equal(r.problem.where, 'key v');
  assert.equal(r.problem.issues.length, 2);
  assert.match(r.problem.issues[1] ?? '', /^wip\.push: /);
  assert.match(describeProblem(r.problem), /at key v, .*; also wip\.push: /);
  fs.writeFileSync(file, JSON.stringify({ v: 1, wip: { push: true, '\u001b]0;pwned\u0007': 1 } }));
  const hostile = readJson(file, Conf.extend({ wip: Conf.shape.wip.strict() }), 'test config');
  assert.ok(hostile.kind === 'corrupt', 'an unknown key in a strict object');
  assert.ok(hostile.kind === 'corrupt' && ![...describeProblem(hostile.problem)].some((c) => c.charCodeAt(0) < 0x20), `no control character reaches the words: ${hostile.kind === 'corrupt' ? describeProblem(hostile.problem) : ''}`);
  fs.writeFileSync(file, '[]');
  const top = readJson(file, Conf, 'test config');
  assert.ok(top.kind === 'corrupt' && top.problem.where === 'top level' && /^\(top level\): /.test(top.problem.issues[0] ?? ''));
});

test('a read error other than missing is loud: a directory (and an unreadable file) throws STORE_UNREADABLE naming the file and errno', (t) => {
  const d = dir(t);
  const file = path.join(d, 'a.json');
  fs.mkdirSync(file);
  const loud = (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE' && err.message.includes(file) && /EISDIR|EACCES/.test(err.message);
  assert.throws(() => readJson(file, Conf, 'test config'), loud);
  assert.throws(() => readJsonl(file, Rec), loud);
  if (process.getuid?.() === 0) return; // root reads anything
  const locked = path.join(d, 'locked.json');
  fs.writeFileSync(locked, '{}', { mode: 0o000 });
  assert.throws(() => readJson(locked, Conf, 'test config'), (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE' && /EACCES/.test(err.message));
});

test('readJsonl: valid records with their lines, invalid lines counted with why; a torn last line is invalid, not fatal', (t) => {
  const d = dir(t);
  const file = path.join(d, 'e.jsonl');
  assert.deepEqual(readJsonl(file, Rec), { records: [], lines: [], invalid: [] });
  fs.writeFileSync(file, '{"id":"a","n":1}\n\n{"id":"b"}\nnot json\n{"id":"c","n":3}\n{"id":"d","n"');
  const r = readJsonl(file, Rec);
  assert.deepEqual(r.records.map((x) => x.id), ['a', 'c']);
  assert.deepEqual(r.lines, [1, 5]);
  assert.deepEqual(r.invalid.map((x) => x.line), [3, 4, 6]);
  assert.match(r.invalid[0]?.error ?? '', /^n: /);
  assert.match(r.invalid[1]?.error ?? '', /^not JSON/);
});

test('readJsonl: a record an older writer glued onto a torn line is still read (the torn part counted invalid)', (t) => {
  const d = dir(t);
  const file = path.join(d, 'e.jsonl');
  fs.writeFileSync(file, '{"id":"a","n":1}\n{"id":"torn","n":{"id":"b","n":2}\n{"id":"c","n":3}\n');
  const r = readJsonl(file, Rec);
  assert.deepEqual(r.records.map((x) => x.id), ['a', 'b', 'c']);
  assert.deepEqual(r.invalid.map((x) => x.line), [2]);
  fs.appendFileSync(file, '[1]\n"x"\n');
  const o = readJsonlObjects(file);
  assert.deepEqual(o.records.map((x) => x.id), ['a', 'b', 'c'], 'the same loop, unvalidated');
  assert.deepEqual(o.invalid.map((x) => x.line), [2, 4, 5]);
});

test('readJsonlTailObjects: the newest records from the file\'s end; the first line kept when the whole file fits, dropped when cut', (t) => {
  const d = dir(t);
  const file = path.join(d, 'e.jsonl');
  assert.deepEqual(readJsonlTailObjects(file, 64), { records: [], lines: [], invalid: [] });
  fs.writeFileSync(file, '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"c","n":3}\n');
  assert.deepEqual(readJsonlTailObjects(file, 4096).records.map((x) => x.id), ['a', 'b', 'c'], 'the whole file: the first line is a whole line');
  const cut = readJsonlTailObjects(file, 40);
  assert.deepEqual(cut.records.map((x) => x.id), ['b', 'c'], 'the cut first line is dropped, not counted');
  assert.deepEqual(cut.invalid, []);
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.throws(() => readJsonlTailObjects(file, 64), (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE');
});

test('appendJsonl: after a torn last line the new records stay whole and readable', (t) => {
  const d = dir(t);
  const file = path.join(d, 'dx/e.jsonl');
  appendJsonl(d, file, [{ id: 'a', n: 1 }]);
  fs.appendFileSync(file, '{"id":"torn","n"');
  appendJsonl(d, file, [{ id: 'b', n: 2 }, { id: 'c', n: 3 }]);
  appendJsonl(d, file, []);
  const r = readJsonl(file, Rec);
  assert.deepEqual(r.records.map((x) => x.id), ['a', 'b', 'c']);
  assert.deepEqual(r.invalid.map((x) => x.line), [2]);
  assert.ok(fs.readFileSync(file, 'utf8').endsWith('\n'));
});

test('writeJson: atomic replace that reads back; refused through a link at any component, the outside untouched', (t) => {
  const d = dir(t);
  const root = path.join(d, 'repo');
  const outside = path.join(d, 'outside');
  fs.mkdirSync(outside);
  fs.mkdirSync(root);
  const file = path.join(root, 'dx/a.json');
  writeJson(root, file, { v: 1, wip: { push: false } });
  writeJson(root, file, { v: 1, wip: { push: true } }, { indent: 0, fsync: false });
  assert.equal(fs.readFileSync(file, 'utf8'), '{"v":1,"wip":{"push":true}}\n');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['a.json'], 'no temp file left');
  assert.deepEqual(readJson(file, Conf, 'test config'), { kind: 'ok', value: { v: 1, wip: { push: true } } });
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
  fs.symlinkSync(path.join(outside, 'target.json'), path.join(root, 'dx/last.json'));
  for (const p of ['linkdir/a.json', 'dx/last.json']) {
    assert.throws(() => writeJson(root, path.join(root, p), { x: 1 }), (err: unknown) => err instanceof SymlinkRefused && err.code === 'PATH_THROUGH_SYMLINK');
    assert.throws(() => appendJsonl(root, path.join(root, p), [{ x: 1 }]), (err: unknown) => err instanceof SymlinkRefused);
  }
  assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside');
});

test('the machine config: missing is {}, but one that exists and cannot be read is loud (never read as empty)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-machine-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { loadMachineConfig } = await import('../../src/core/machine.ts');
  assert.deepEqual(await loadMachineConfig(path.join(dir, 'none.json')), {});
  const asDir = path.join(dir, 'config.json');
  fs.mkdirSync(asDir);
  await assert.rejects(loadMachineConfig(asDir), (e: Error & { code?: string }) => e.code === 'STORE_UNREADABLE' && e.message.includes(asDir));
});

test('an alert episode file is validated when it closes: a foreign or hostile one closes with the defaults', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-episode-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { openEpisode, closeEpisode } = await import('../../src/core/alert/episode.ts');
  const ctx = { top: dir, gitDir: dir, commonDir: dir, dxDir: path.join(dir, 'dx') };
  const ep = openEpisode(ctx, 'backup', 'push failed');
  assert.ok(ep);
  assert.equal(openEpisode(ctx, 'backup', 'again'), null, 'a second open sent twice');
  assert.deepEqual(closeEpisode(ctx, 'backup'), ep);
  fs.writeFileSync(path.join(dir, 'dx', 'alert-hooks.json'), JSON.stringify({ id: 'x'.repeat(1000), since: -5, text: 7, kind: 'backup' }));
  assert.deepEqual(closeEpisode(ctx, 'hooks'), { id: 'unknown', kind: 'hooks', since: 0, text: '' });
  assert.equal(fs.readdirSync(path.join(dir, 'dx')).length, 0, 'the closing file was left behind');
});
