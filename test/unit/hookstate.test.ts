// Unit: the hook state format (src/core/hookstate/format.ts) — what node writes parses back whole,
// and every malformed or foreign file is an error naming its line, never a half-read state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHookState, HOOK_STATE_FORMAT, parseHookState, type HookState } from '../../src/core/hookstate/format.ts';

const st: HookState = {
  format: HOOK_STATE_FORMAT,
  version: '0.1.0',
  fingerprint: '0123456789abcdef',
  configOk: true,
  mode: 'sync',
  divergence: { warn: false, staleSeconds: 5400, remote: 'upstream' },
  protect: { pathsSet: true, committed: false, head: 'a'.repeat(40) },
  critical: [{ kind: 'x', path: 'tools/deploy.sh' }, { kind: 'g', path: 'migrations/*.sql' }, { kind: '-', path: 'with space.txt' }],
  protectList: [['100755', 'deploy/run.sh'], ['120000', 'a link'], ['160000', 'vendor/sub']],
  packageJsonDx: false,
};

test('a state round-trips through its text; the header comes first, c lines before p lines', () => {
  const text = formatHookState(st);
  assert.deepEqual(parseHookState(text), st);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], `dx-hook-state ${HOOK_STATE_FORMAT} 0.1.0 0123456789abcdef`);
  assert.equal(lines[6], 'pkgdx 0');
  assert.deepEqual(lines.slice(7), ['c x tools/deploy.sh', 'c g migrations/*.sql', 'c - with space.txt', 'p 100755 deploy/run.sh', 'p 120000 a link', 'p 160000 vendor/sub']);
  const none: HookState = { ...st, divergence: { ...st.divergence, remote: null }, protect: { ...st.protect, head: null }, critical: [], protectList: [] };
  assert.deepEqual(parseHookState(formatHookState(none)), none);
});

test('paths holding a newline or a carriage return are left out (they would forge lines); the counts say what is there', () => {
  const text = formatHookState({ ...st, critical: [{ kind: '-', path: 'x\np 100644 forged' }], protectList: [['100644', 'ok.txt'], ['100644', 'bad\r.txt']] });
  const back = parseHookState(text);
  assert.ok(!('error' in back));
  assert.deepEqual(back.critical, []);
  assert.deepEqual(back.protectList, [['100644', 'ok.txt']]);
  // A remote or version with spaces cannot add fields to its line.
  const spaced = parseHookState(formatHookState({ ...st, version: '1 2', divergence: { ...st.divergence, remote: 'my remote' } }));
  assert.ok(!('error' in spaced));
  assert.equal(spaced.version, '1_2');
  assert.equal(spaced.divergence.remote, 'my_remote');
});

test('malformed, torn or foreign files are errors naming what is wrong', () => {
  const text = formatHookState(st);
  const cases: Array<[string, RegExp]> = [
    ['', /line 1: not a dx-hooks hook state/],
    ['mode off\n', /line 1: not a dx-hooks hook state/],
    [text.replace(/^dx-hook-state 1 /, 'dx-hook-state 2 '), /line 1: format 2 was written by another dx-hooks version/],
    [text.replace(/^mode sync$/m, 'mode always'), /mode "always"/],
    [text.replace(/^config ok$/m, ''), /"config" line is missing/],
    [text.replace(/^divergence .*$/m, 'divergence on 1h origin'), /divergence "on 1h origin"/],
    [text.replace(/^protect .*$/m, 'protect 1 0 HEAD'), /protect "1 0 HEAD"/],
    [text.replace('c x tools', 'c y tools'), /line 8: critical kind "y"/],
    [text.replace('p 100755 deploy', 'p 755 deploy'), /line 11: "755" is not a git file mode/],
    [text + 'c - late.txt\n', /critical entry after the protected paths/],
    [text.split('\n').slice(0, -2).join('\n') + '\n', /the lists hold 3 critical and 2 protected lines, the header says 3 and 3 \(a torn write\?\)/],
    [text + 'garbage\n', /line 14: expected "c <kind> <path>"/],
  ];
  for (const [input, want] of cases) {
    const r = parseHookState(input);
    assert.ok('error' in r, `parsed: ${JSON.stringify(input.slice(0, 60))}`);
    assert.match(r.error, want);
  }
});

test('pkgdx is optional (a state from before it reads as "package.json may hold a dx key"), and a bad value is an error', () => {
  const text = formatHookState(st);
  const without = text.replace('pkgdx 0\n', '');
  assert.equal((parseHookState(without) as HookState).packageJsonDx, true);
  assert.match((parseHookState(text.replace('pkgdx 0', 'pkgdx yes')) as { error: string }).error, /pkgdx "yes" is not 0 or 1/);
});

test('rcfile names the config file and its POSIX cksum (the same number `cksum` prints), "-" for none; anything else is an error', async () => {
  const { posixCksum } = await import('../../src/core/hookstate/format.ts');
  const { execFileSync } = await import('node:child_process');
  for (const text of ['', 'hello', '{"protect":{"paths":["deploy/**"]}}\n', 'x'.repeat(70_000)]) {
    assert.equal(`${posixCksum(Buffer.from(text))} ${Buffer.byteLength(text)}`, execFileSync('cksum', { input: text, encoding: 'utf8' }).trim(), `cksum of ${text.length} bytes`);
  }
  const withFile = { ...st, configFile: { name: '.dxrc.json', crc: 123, bytes: 45 } };
  assert.deepEqual(parseHookState(formatHookState(withFile)), withFile);
  const none = { ...st, configFile: null };
  assert.deepEqual(parseHookState(formatHookState(none)), none);
  assert.match(formatHookState(none), /^rcfile -$/m);
  for (const bad of ['rcfile ../x 1 2', 'rcfile .dxrc.json x 2', 'rcfile .dxrc.json 1', 'rcfile evil.sh 1 2']) {
    assert.match((parseHookState(formatHookState(withFile).replace(/^rcfile .*$/m, bad)) as { error: string }).error, /rcfile ".*" is not/, bad);
  }
});
