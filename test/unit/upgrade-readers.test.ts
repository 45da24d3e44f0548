// Upgrades (issue 11 point 6): the readers of dx-hooks' own files take what another version wrote —
// the config cache is rebuilt when another schema validated it, state.json is reread entry by entry.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { configSchemaId, loadConfig } from '../../src/core/config/load.ts';
import { salvageManifest } from '../../src/core/install/manifest.ts';
import { salvageState } from '../../src/core/state.ts';

const SHA = 'a'.repeat(40);

function topWith(dxrc: string): { top: string; cache: string; stamp: string } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-upgrade-'));
  fs.writeFileSync(path.join(top, '.dxrc.json'), dxrc);
  const st = fs.statSync(path.join(top, '.dxrc.json'));
  return { top, cache: path.join(top, 'config-cache.json'), stamp: `.dxrc.json:${st.mtimeMs}:${st.size}` };
}

test('a v1 config cache (the previous release: no schema id) is never trusted: the config is re-read and the cache rewritten', async () => {
  const { top, cache, stamp } = topWith('{ "guard": { "critical": ["x.sh"] } }\n');
  try {
    // Same stamp, so the old reader took it; its config lacks keys this version reads.
    fs.writeFileSync(cache, JSON.stringify({ v: 1, stamp, file: path.join(top, '.dxrc.json'), config: { wip: { enabled: true, push: 'background', refPrefix: 'refs/heads/wip', maxFileSize: '10MiB', exclude: [] }, protect: { paths: [] }, role: null } }));
    const { config } = await loadConfig(top, cache);
    assert.deepEqual(config.guard.critical, ['x.sh']);
    assert.equal(config.divergence.staleHours, 24);
    const written = JSON.parse(fs.readFileSync(cache, 'utf8')) as { v: number; schema: string };
    assert.equal(written.v, 2);
    assert.equal(written.schema, configSchemaId());
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
});

test('a config cache from another schema (same v, other id), or one that is not JSON, is rebuilt and said under DX_DEBUG', async () => {
  const { top, cache, stamp } = topWith('{ "wip": { "push": "sync" } }\n');
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
  process.env.DX_DEBUG = '1';
  try {
    fs.writeFileSync(cache, JSON.stringify({ v: 2, schema: '0.0.1+000000000000', stamp, file: null, config: { wip: { push: 'off' } } }));
    assert.equal((await loadConfig(top, cache)).config.wip.push, 'sync');
    fs.writeFileSync(cache, '{"v":2,"sch');
    assert.equal((await loadConfig(top, cache)).config.wip.push, 'sync');
    assert.equal((await loadConfig(top, cache)).config.wip.push, 'sync'); // a hit now: nothing said
  } finally {
    delete process.env.DX_DEBUG;
    process.stderr.write = orig;
    fs.rmSync(top, { recursive: true, force: true });
  }
  assert.equal(writes.length, 2, writes.join(''));
  assert.match(writes[0] as string, /written by another dx-hooks version .*schema 0\.0\.1\+000000000000/);
  assert.match(writes[1] as string, /is not JSON/);
});

test('state.json of another schema_version with extra keys is reread whole: nothing dropped', () => {
  const { state, dropped } = salvageState({
    schema_version: 2,
    hostId: 'later-key',
    wip: { 'refs/heads/wip/h/main': { lastPushed: SHA, lastResult: 'ok', later: true, pending: { sha: SHA, branch: 'main', since: 1, attempts: 1, error: 'e' } } },
    index: { lastOkAt: 5 },
    refPushes: [{ remote: 'origin', refs: ['refs/tags/x'], force: false, since: 1, attempts: 1, error: 'e' }],
  });
  assert.deepEqual(dropped, []);
  assert.equal(state.schema_version, 1);
  assert.equal(state.wip['refs/heads/wip/h/main']?.pending?.sha, SHA);
  assert.equal(state.wip['refs/heads/wip/h/main']?.pending?.keep.length, 0, 'defaults filled');
  assert.equal(state.index.lastOkAt, 5);
  assert.equal(state.refPushes.length, 1);
});

test('state.json with one bad entry keeps the others and names what it dropped', () => {
  const { state, dropped } = salvageState({
    schema_version: 1,
    wip: {
      'refs/heads/wip/h/good': { lastPushed: SHA, pending: { sha: SHA, branch: 'good', since: 1, attempts: 0, error: '' } },
      'refs/heads/wip/h/bad': { lastPushed: 'not-a-sha', pending: { sha: 'zzz' } },
    },
    index: { lastOkAt: 'yesterday' },
    refPushes: [{ remote: 'origin' }, { remote: 'o', refs: [], force: true, since: 2, attempts: 0, error: '' }],
  });
  assert.equal(state.wip['refs/heads/wip/h/good']?.pending?.branch, 'good');
  assert.deepEqual(state.wip['refs/heads/wip/h/bad'], {});
  assert.deepEqual(dropped.sort(), ['index.lastOkAt', 'refPushes.0', 'wip.refs/heads/wip/h/bad.lastPushed', 'wip.refs/heads/wip/h/bad.pending']);
  assert.equal(state.refPushes.length, 1);
  assert.deepEqual(salvageState('garbage').dropped, ['(the whole file: not an object)']);
});

test('install.json of another version is reread when every hook record validates, and never guessed otherwise', () => {
  const hooks = { 'post-commit': { path: '/r/.git/hooks/post-commit', kind: 'chained', chained: '/r/.git/hooks/post-commit.pre-dx-hooks' } };
  const m = salvageManifest({ schema_version: 2, version: '0.2.0', installedAt: 'today', hooksDir: '/r/.git/hooks', hooks, config: { path: '/r/.dxrc.json', sha256: 'x' }, hostId: 'later' });
  assert.ok(m);
  assert.equal(m.schema_version, 1);
  assert.equal(m.version, '0.2.0');
  assert.equal(m.installedAt, 0);
  assert.deepEqual(m.hooks['post-commit'], hooks['post-commit']);
  assert.deepEqual(m.config, { path: '/r/.dxrc.json', sha256: 'x' });
  assert.equal(salvageManifest({ schema_version: 2, hooksDir: '/r/.git/hooks', hooks: { 'post-commit': { path: '/p', kind: 'new-kind' } } }), null);
  assert.equal(salvageManifest({ hooks }), null);
});
