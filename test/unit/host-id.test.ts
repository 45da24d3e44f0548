// The default host id (issue 11 point 4): hostname plus a short stable id, made once; a machine that
// used dx-hooks before keeps its plain hostname; a damaged file is an error, never a silent new id.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultHost, ledgerHost } from '../../src/core/host.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-host-id-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a fresh machine gets <hostname>-<6 chars>, kept in the file and the same on every later run', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'dx-hooks', 'host-id');
  const id = defaultHost({ file, hostname: 'LocalHost', usedBefore: false });
  assert.match(id, /^localhost-[a-z2-7]{6}$/);
  assert.equal(fs.readFileSync(file, 'utf8'), `${id}\n`);
  assert.equal(defaultHost({ file, hostname: 'renamed', usedBefore: false }), id, 'stable even when the hostname changes');
  // Another process (no cache) reads the same id: two machines with one hostname differ, one machine never changes.
  const other = path.join(dir, 'other', 'host-id');
  assert.notEqual(defaultHost({ file: other, hostname: 'LocalHost', usedBefore: false }), id);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['host-id'], 'no temporary file left');
});

test('upgrade: a machine whose machine config exists (an earlier version ran here) keeps its plain hostname', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'config.json'), '{"repos":[]}\n');
  const file = path.join(dir, 'host-id');
  assert.equal(defaultHost({ file, hostname: 'laptop' }), 'laptop');
  assert.equal(fs.readFileSync(file, 'utf8'), 'laptop\n');
});

test('an id another process wrote first wins (the file is created "must not exist")', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'host-id');
  fs.writeFileSync(file, 'box-abcdef\n');
  assert.equal(defaultHost({ file, hostname: 'box', usedBefore: false }), 'box-abcdef');
});

test('a damaged host-id file is an error naming the file, not a silent new identity', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'host-id');
  fs.writeFileSync(file, '../../etc\n');
  assert.throws(() => defaultHost({ file, hostname: 'box' }), (err: Error & { code?: string }) => err.code === 'HOST_ID_INVALID' && err.message.includes(file));
  fs.writeFileSync(file, '\n');
  assert.throws(() => defaultHost({ file, hostname: 'box' }), /does not hold a host id/);
});

test('an unwritable config directory: the plain hostname, and nothing kept', (t) => {
  if (process.getuid?.() === 0) return t.skip('root writes anywhere');
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o500);
  t.after(() => fs.chmodSync(dir, 0o700));
  const file = path.join(dir, 'host-id');
  assert.equal(defaultHost({ file, hostname: 'box', usedBefore: false }), 'box');
  assert.equal(fs.existsSync(file), false);
});

test('the ledger\'s host where no session is open: DX_HOST, then the machine config\'s host, then the default; never a throw', async (t) => {
  const dir = tempDir(t);
  const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, DX_HOST: process.env.DX_HOST };
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  process.env.XDG_CONFIG_HOME = dir;
  delete process.env.DX_HOST;
  const conf = path.join(dir, 'dx-hooks');
  fs.mkdirSync(conf, { recursive: true });
  fs.writeFileSync(path.join(conf, 'config.json'), '{"host":"from-machine"}\n');
  assert.equal(await ledgerHost(), 'from-machine');
  assert.equal(await ledgerHost(undefined, { DX_HOST: 'from-env' }), 'from-env');
  assert.equal(await ledgerHost({ host: 'given' }), 'given', 'a machine config already loaded is used as it is');
  // A broken machine config and a damaged host-id file: the line is still written, under unknown-host.
  fs.writeFileSync(path.join(conf, 'config.json'), '{ not json');
  fs.writeFileSync(path.join(conf, 'host-id'), 'bad id with spaces\n');
  assert.equal(await ledgerHost(undefined, {}), 'unknown-host');
});
