// The .dxrc schema: defaults, and errors that name the key, the bad value and what is allowed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/core/config/load.ts';
import { defaultConfig, DxConfigSchema, parseSize } from '../../src/core/config/schema.ts';
import { DxError } from '../../src/core/errors.ts';

test('an empty config means the documented defaults, and .dxrc.example.json lists exactly them', () => {
  const d = defaultConfig();
  assert.deepEqual(d.wip, { enabled: true, push: 'background', refPrefix: 'refs/heads/wip', maxFileSize: '10MiB', exclude: [] });
  assert.equal(d.role, null);
  assert.deepEqual(d.divergence, { warn: true, staleHours: 24 });
  const example = JSON.parse(fs.readFileSync(new URL('../../.dxrc.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const parsed = DxConfigSchema.parse(example);
  assert.deepEqual({ ...parsed, $schema: undefined, remote: undefined }, { ...d, $schema: undefined, remote: undefined, protect: parsed.protect });
});

test('sizes: bytes, decimal and binary units', () => {
  assert.equal(parseSize(10), 10);
  assert.equal(parseSize('10MiB'), 10 * 1024 * 1024);
  assert.equal(parseSize('1.5 KB'), 1500);
  assert.throws(() => parseSize('ten'));
});

function tmpTop(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-cfg-'));
  for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
  return dir;
}

test('each kind of wrong value is named with its key, the value and what is allowed', async () => {
  const cases: [unknown, RegExp][] = [
    [{ wip: { push: 'later' } }, /wip\.push: .*"background"\|"sync"\|"off".*\(got "later"\)/],
    [{ wip: { enabled: 'yes' } }, /wip\.enabled: .*boolean.*\(got "yes"\)/],
    [{ wip: { maxFileSize: -3 } }, /wip\.maxFileSize/],
    [{ wip: { refPrefix: 'wip' } }, /wip\.refPrefix: expected a ref prefix .*\(got "wip"\)/],
    [{ wip: { exclude: '.env' } }, /wip\.exclude: .*array.*\(got ".env"\)/],
    [{ divergence: { staleHours: 0 } }, /divergence\.staleHours: .*\(got 0\)/],
    [{ role: 'boss' }, /role: .*"active"\|"reference".*\(got "boss"\)/],
    [{ guard: { critical: [{ path: 'x', executable: 'yes' }] } }, /guard\.critical\.0/],
    [{ guard: { critical: ['../../etc/passwd'] } }, /guard\.critical\.0: expected a path inside the repository: "\.\." is not allowed \(got "\.\.\/\.\.\/etc\/passwd"\)/],
    [{ guard: { critical: [{ path: '/etc/passwd' }] } }, /guard\.critical\.0\.path: expected a path relative to the repository top, not an absolute path/],
    [{ guard: { critical: ['.git/hooks/pre-commit'] } }, /guard\.critical\.0: paths inside \.git are not work-tree files/],
    [{ guard: { critical: [{ path: 'x/*.sh', minCount: 0 }] } }, /guard\.critical\.0/],
    [{ guard: { critical: 'tools/deploy.sh' } }, /guard\.critical: .*array/],
    [{ guard: { telemetry: '../outside.jsonl' } }, /guard\.telemetry: expected a path inside the repository/],
    [{ guard: { telemetry: '/tmp/t.jsonl' } }, /guard\.telemetry: expected a path relative to the repository top/],
    [{ wipp: {} }, /Unrecognized key: "wipp"/],
  ];
  for (const [cfg, re] of cases) {
    const top = tmpTop({ '.dxrc.json': JSON.stringify(cfg) });
    try {
      await assert.rejects(loadConfig(top, null), (err: unknown) => {
        assert.ok(err instanceof DxError);
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.equal(err.exitCode, 2);
        assert.match(err.message, re);
        assert.ok(err.message.includes('.dxrc.json'));
        return true;
      });
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  }
});

test('config is found in .dxrc, YAML, package.json "dx"; JS configs run code and need the machine\'s allowJsConfig', async () => {
  const dirs = [
    tmpTop({ '.dxrc': '{"wip":{"push":"sync"}}' }),
    tmpTop({ '.dxrc.yaml': 'wip:\n  push: sync\n' }),
    tmpTop({ 'package.json': '{"name":"x","dx":{"wip":{"push":"sync"}}}' }),
  ];
  for (const d of dirs) assert.equal((await loadConfig(d, null)).config.wip.push, 'sync');
  const js = tmpTop({ 'dx.config.mjs': 'export default { wip: { push: "sync" } };' });
  await assert.rejects(loadConfig(js, null), /CONFIG_UNTRUSTED|JavaScript/);
  assert.equal((await loadConfig(js, null, true)).config.wip.push, 'sync');
  const bad = tmpTop({ '.dxrc.json': '{ not json' });
  await assert.rejects(loadConfig(bad, null), (e: unknown) => e instanceof DxError && e.exitCode === 2);
  for (const d of [...dirs, js, bad]) fs.rmSync(d, { recursive: true, force: true });
});

test('the validated config is cached by mtime and size, and a changed file is re-validated', async () => {
  const top = tmpTop({ '.dxrc.json': '{"wip":{"push":"sync"}}' });
  const cache = path.join(top, 'cache.json');
  assert.equal((await loadConfig(top, cache)).config.wip.push, 'sync');
  assert.ok(fs.existsSync(cache));
  fs.writeFileSync(path.join(top, '.dxrc.json'), '{"wip":{"push":"nope!"}}');
  await assert.rejects(loadConfig(top, cache), /wip\.push/);
  fs.rmSync(top, { recursive: true, force: true });
});

test('the machine config fast path accepts exactly what the zod schema accepts as it is', async () => {
  const { plainlyValid } = await import('../../src/core/machine.ts');
  const { MachineConfigSchema } = await import('../../src/core/machine-schema.ts');
  const samples: unknown[] = [
    {}, { host: 'vm1' }, { host: '' }, { host: 3 }, { role: 'active' }, { role: 'reference' }, { role: 'boss' },
    { repos: ['/a', '/b/*'] }, { repos: [1] }, { repos: '/a' }, { allowJsConfig: true }, { allowJsConfig: 'yes' },
    { other: 1 }, [], null, 'x', { host: 'a', role: 'active', repos: [], allowJsConfig: false },
  ];
  for (const raw of samples) {
    if (plainlyValid(raw)) assert.ok(MachineConfigSchema.safeParse(raw).success, `fast path accepted what zod refuses: ${JSON.stringify(raw)}`);
    else if (raw && typeof raw === 'object' && !('webhook' in raw)) assert.equal(MachineConfigSchema.safeParse(raw).success, false, `fast path refused what zod accepts: ${JSON.stringify(raw)}`);
  }
});
