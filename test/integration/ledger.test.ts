// The ledger is appended by many processes at once (hooks, workers, commands): no line may be torn or lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRepo } from '../../src/core/context.ts';
import { DxError } from '../../src/core/errors.ts';
import { readLedger } from '../../src/core/ledger.ts';
import { initRepo, packageRoot, withSandbox } from '../helpers/index.ts';

const WRITER = `
import { openRepo } from ${JSON.stringify(path.join(packageRoot, 'dist/core/context.js'))};
import { appendLedger } from ${JSON.stringify(path.join(packageRoot, 'dist/core/ledger.js'))};
const ctx = await openRepo(process.cwd());
for (let i = 0; i < 150; i++) appendLedger(ctx, { host: 'w' + process.argv[2], op: 'test', ok: true, detail: { i, pad: 'x'.repeat(300) } });
`;

test('eight processes appending 150 lines each: 1200 valid lines, none torn', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  await h.commit('base', { 'a.txt': 'a\n' });
  const script = sb.tmp('writer.mjs');
  fs.writeFileSync(script, WRITER);
  await Promise.all(
    Array.from({ length: 8 }, (_, n) =>
      new Promise<void>((resolve, reject) => {
        const c = spawn(process.execPath, [script, String(n)], { cwd: h.dir, env: h.env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (b: Buffer) => (err += b));
        c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err))));
      }),
    ),
  );
  const { events, invalid } = await readLedger(await openRepo(h.dir));
  assert.equal(invalid, 0);
  assert.equal(events.length, 1200);
  for (let n = 0; n < 8; n++) assert.equal(events.filter((e) => e.host === `w${n}`).length, 150);
});

test('a torn last line (a killed writer) is counted as invalid, and the rest is read', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const ctx = await openRepo(h.dir);
  fs.mkdirSync(ctx.dxDir, { recursive: true });
  fs.writeFileSync(path.join(ctx.dxDir, 'events.jsonl'), '{"id":"1-a","ts":1,"host":"h","op":"x","ok":true}\n{"id":"2-b","ts":2,"ho');
  const r = await readLedger(ctx);
  assert.equal(r.events.length, 1);
  assert.equal(r.invalid, 1);
});

test('a record an older writer glued onto a torn line is still read, and a ledger that is not a file is loud', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo');
  const ctx = await openRepo(h.dir);
  fs.mkdirSync(ctx.dxDir, { recursive: true });
  const file = path.join(ctx.dxDir, 'events.jsonl');
  fs.writeFileSync(file, '{"id":"1-a","ts":1,"host":"h","op":"x","ok":true}\n{"id":"2-b","ts":2,"ho{"id":"3-c","ts":3,"host":"h","op":"y","ok":true}\n');
  const r = await readLedger(ctx);
  assert.deepEqual(r.events.map((e) => e.id), ['1-a', '3-c']);
  assert.deepEqual(r.lines, [1, 2]);
  assert.deepEqual(r.invalidLines, [2]);
  fs.rmSync(file);
  fs.mkdirSync(file);
  await assert.rejects(readLedger(ctx), (err: unknown) => err instanceof DxError && err.code === 'STORE_UNREADABLE' && err.message.includes('events.jsonl'));
});
