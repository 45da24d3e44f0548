// One way to name many repositories (issue 11, point 7), as tables: the flags → target planner
// (--all, --repos, positional paths), when a command line asks for JSON errors, and the mark of a
// batch progress line (never a ✔ beside a failure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchTarget } from '../../src/core/batch/target.ts';
import { DxError } from '../../src/core/errors.ts';
import { itemLine } from '../../src/commands/batch-ui.ts';
import { reportError, wantsJson } from '../../src/commands/report-error.ts';

test('the flags name the repositories one way: --all, --repos (bare: as --all), positional paths as an alias of --repos', () => {
  const rows: [Parameters<typeof batchTarget>[0], ReturnType<typeof batchTarget>][] = [
    [{}, { kind: 'here' }],
    [{ paths: [] }, { kind: 'here' }],
    [{ all: true }, { kind: 'all' }],
    [{ repos: true }, { kind: 'all' }],
    [{ all: true, repos: true }, { kind: 'all' }],
    [{ repos: ['~/src/*', 'a'] }, { kind: 'repos', patterns: ['~/src/*', 'a'] }],
    [{ paths: ['a', 'b'] }, { kind: 'repos', patterns: ['a', 'b'] }],
    [{ repos: ['a'], paths: ['b'] }, { kind: 'repos', patterns: ['a', 'b'] }],
  ];
  for (const [flags, want] of rows) assert.deepEqual(batchTarget(flags), want, JSON.stringify(flags));
});

test('--all together with paths or globs is a usage error (exit 2) naming what was given', () => {
  for (const flags of [{ all: true, repos: ['x*'] }, { all: true, paths: ['a'] }]) {
    assert.throws(() => batchTarget(flags), (e: unknown) => e instanceof DxError && e.code === 'BATCH_TARGET_CONFLICT' && e.exitCode === 2 && /--all and "(x\*|a)"/.test(e.message));
  }
  assert.throws(() => batchTarget({ all: true, repos: ['a'], paths: ['b'] }), /--all and 2 paths or globs/);
});

test('a command line asks for JSON errors with --json before any --, never on the internal pass-through commands', () => {
  const rows: [string[], boolean][] = [
    [['status', '--json'], true],
    [['status', '--repos', 'x*', '--json'], true],
    [['checkpoint', 'list', '--json'], true],
    [['status'], false],
    [['diagnose', '--', '--json'], false],
    [['guard-git', 'log', '--json'], false],
    [['hook', 'pre-push', '--json'], false],
    [[], false],
  ];
  for (const [argv, want] of rows) assert.equal(wantsJson(argv), want, argv.join(' '));
});

test('a progress line never shows a ✔ beside a failure: failed → ✖, ran but at risk → ✖, warning → !, ok → ✔', () => {
  // eslint-disable-next-line no-control-regex
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  const describe = (r: { level: string }) => `level ${r.level}`;
  const levelOf = (r: { level: string }) => r.level as 'ok' | 'warning' | 'error';
  const line = (status: 'ok' | 'failed' | 'skipped' | 'not-run', level: string) => plain(itemLine({ repo: '/r/a', carried: false, status, result: { level }, error: 'boom', reason: 'off' }, describe, levelOf));
  assert.equal(line('failed', 'ok'), '✖ /r/a — boom');
  assert.equal(line('ok', 'error'), '✖ /r/a — level error');
  assert.equal(line('ok', 'warning'), '! /r/a — level warning');
  assert.equal(line('ok', 'ok'), '✔ /r/a — level ok');
  assert.equal(line('skipped', 'ok'), '- /r/a — skipped: off');
});

test('attack: an error carrying a remote\'s terminal escapes is JSON on stdout with them written as \\u escapes, and parses back exactly', () => {
  const hostile = 'push rejected: \x1b]0;pwned\x07\x1b[2J\r\u202Eevil';
  const written: string[] = [];
  const [out, err] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let code: number;
  try {
    code = reportError(new DxError('PUSH_REJECTED', hostile, 'retry: dx-hooks status', 1), true);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  assert.equal(code, 1);
  const text = written.join('');
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u202e]/, 'no raw control or direction character reaches stdout');
  assert.deepEqual(JSON.parse(text), { error: { code: 'PUSH_REJECTED', message: hostile, hint: 'retry: dx-hooks status' } });
});
