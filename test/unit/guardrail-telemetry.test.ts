// The telemetry file is JSONL appended by hooks, --watch and the scheduler, and read back by diagnose:
// a torn last line (a writer killed mid-write) or foreign text must never glue onto or hide a new line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { appendTelemetry, readTelemetry, type TelemetryEvent } from '../../src/core/guardrail/telemetry.ts';

const ev = (over: Partial<TelemetryEvent> = {}): TelemetryEvent => ({
  ts: 1_800_000_000, host: 'h1', event: 'critical_missing', path: 'tools/deploy.sh', entry: 'tools/deploy.sh',
  commit: 'a'.repeat(40), operation: null, detail: { reason: 'missing from the work tree' }, ...over,
});

function tmpFile(t: TestContext, name = 'telemetry.jsonl'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-telemetry-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'nested', name);
}

test('a missing file reads as empty; appending creates the directory and writes one line per event', (t) => {
  const file = tmpFile(t);
  assert.deepEqual(readTelemetry(file), { events: [], invalid: 0 });
  appendTelemetry(file, []);
  assert.equal(fs.existsSync(file), false, 'nothing to append: no file');
  appendTelemetry(file, [ev(), ev({ event: 'critical_restored', operation: 'guard.repair 1-abc', commit: null })]);
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text.split('\n').length, 3);
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(readTelemetry(file), { events: [ev(), ev({ event: 'critical_restored', operation: 'guard.repair 1-abc', commit: null })], invalid: 0 });
});

test('a torn last line: the next append starts on a new line, the earlier lines still read, the torn one counts as invalid', (t) => {
  const file = tmpFile(t);
  appendTelemetry(file, [ev({ path: 'one' })]);
  fs.appendFileSync(file, JSON.stringify(ev({ path: 'torn' })).slice(0, 40));
  appendTelemetry(file, [ev({ path: 'two' })]);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.length, 4, 'one, torn, two, and the final newline');
  assert.deepEqual(JSON.parse(lines[2]!), ev({ path: 'two' }), 'the new line is whole');
  const r = readTelemetry(file);
  assert.deepEqual(r.events.map((e) => e.path), ['one', 'two']);
  assert.equal(r.invalid, 1);
});

test('foreign text, blank lines and lines that are JSON but not events are counted, never fatal', (t) => {
  const file = tmpFile(t);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const bad = [
    'not json at all',
    '{"ts":1}',
    JSON.stringify(ev({ event: 'critical_vanished' as never })),
    JSON.stringify(ev({ commit: 'HEAD' })),
    JSON.stringify(ev({ ts: -1 })),
    JSON.stringify(ev({ path: '' })),
    '[]',
    'null',
  ];
  fs.writeFileSync(file, [JSON.stringify(ev()), '', '   ', ...bad, JSON.stringify(ev({ path: 'last' }))].join('\n') + '\n');
  const r = readTelemetry(file);
  assert.deepEqual(r.events.map((e) => e.path), ['tools/deploy.sh', 'last']);
  assert.equal(r.invalid, bad.length);
});

test('an unreadable telemetry path is an error, not an empty read', (t) => {
  const file = tmpFile(t);
  fs.mkdirSync(file, { recursive: true });
  assert.throws(() => readTelemetry(file), /EISDIR/);
  assert.throws(() => appendTelemetry(file, [ev()]), /EISDIR/);
});
