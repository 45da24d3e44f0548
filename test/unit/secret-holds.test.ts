// The secret holds record (<git-common-dir>/dx/secret-holds.json) read through the store: missing or
// corrupt reads as empty (fail closed: scanned and held again), one bad entry never drops the others,
// an unreadable file is loud, and the record is written atomically and never through a link.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { RepoContext } from '../../src/core/context.ts';
import { DxError } from '../../src/core/errors.ts';
import { SymlinkRefused } from '../../src/core/nofollow.ts';
import { holdsFile, readHolds, writeHolds } from '../../src/core/secrets/holds.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function repo(t: TestContext): RepoContext {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-holds-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  const commonDir = path.join(d, '.git');
  fs.mkdirSync(commonDir);
  return { top: d, gitDir: commonDir, commonDir, dxDir: path.join(commonDir, 'dx') } as unknown as RepoContext;
}

test('readHolds: missing and corrupt read as empty; bad entries are dropped, good ones kept', (t) => {
  const ctx = repo(t);
  const empty = { v: 1, held: {}, released: {}, clean: [] };
  assert.deepEqual(readHolds(ctx), empty);
  fs.mkdirSync(ctx.dxDir);
  fs.writeFileSync(holdsFile(ctx), '{"held": {');
  assert.deepEqual(readHolds(ctx), empty);
  fs.writeFileSync(holdsFile(ctx), '[1]');
  assert.deepEqual(readHolds(ctx), empty);
  fs.writeFileSync(holdsFile(ctx), JSON.stringify({ v: 1, held: { [A]: { at: 5, findings: [{ path: '.env', rule: 'name' }, { path: 3 }] }, nope: { at: 1, findings: [] } }, released: { [B]: { at: 7 }, bad: {} }, clean: [A, 'x', 4] }));
  assert.deepEqual(readHolds(ctx), { v: 1, held: { [A]: { at: 5, findings: [{ path: '.env', rule: 'name' }] } }, released: { [B]: { at: 7 } }, clean: [A] });
});

test('readHolds: a record that cannot be read is loud (STORE_UNREADABLE), never an empty record', (t) => {
  const ctx = repo(t);
  fs.mkdirSync(holdsFile(ctx), { recursive: true });
  assert.throws(() => readHolds(ctx), (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE' && err.message.includes('secret-holds.json'));
});

test('writeHolds: round-trips, and refuses a link in place of the record', (t) => {
  const ctx = repo(t);
  const holds = { v: 1 as const, held: { [A]: { at: 1, findings: [{ path: 'k.pem', rule: 'name' }] } }, released: {}, clean: [B] };
  writeHolds(ctx, holds);
  assert.deepEqual(readHolds(ctx), holds);
  const outside = path.join(ctx.top, 'outside.json');
  fs.rmSync(holdsFile(ctx));
  fs.symlinkSync(outside, holdsFile(ctx));
  assert.throws(() => writeHolds(ctx, holds), (err: unknown) => err instanceof SymlinkRefused);
  assert.equal(fs.existsSync(outside), false);
});
