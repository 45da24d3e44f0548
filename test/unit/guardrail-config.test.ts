// The guardrail's pure parts: what `.dxrc` `guard` accepts (and how each wrong value is named),
// how entries are normalised (globs told from paths, duplicates dropped, minCount defaults), which
// directories `--watch` watches, and which ledger lines name a path.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { defaultConfig, DxConfigSchema, type DxConfig } from '../../src/core/config/schema.ts';
import type { LedgerEvent } from '../../src/core/ledger.ts';
import type { Session } from '../../src/core/session.ts';
import { formatZodIssues } from '../../src/core/config/issues.ts';
import { eventNames } from '../../src/core/guardrail/cause.ts';
import { criticalEntries } from '../../src/core/guardrail/entries.ts';
import { watchedDirs } from '../../src/core/guardrail/watch.ts';

const withGuard = (guard: DxConfig['guard']): DxConfig => ({ ...defaultConfig(), guard });

/** The first issue of parsing `{ guard }` as the user sees it (formatZodIssues): its key path and message (throws when the value is accepted). */
function firstIssue(guard: unknown): { key: string; message: string } {
  const r = DxConfigSchema.safeParse({ guard });
  assert.equal(r.success, false, `accepted ${JSON.stringify(guard)}`);
  const line = formatZodIssues(r.error!, { guard }).split('\n')[0]!;
  const m = /^ {2}- ([^:]+): (.*)$/.exec(line);
  assert.ok(m, line);
  return { key: m[1]!, message: m[2]! };
}

test('guard defaults: no critical entries, telemetry in <git-common-dir>/dx', () => {
  assert.deepEqual(defaultConfig().guard, { critical: [], telemetry: null });
  const ok = DxConfigSchema.parse({ guard: { critical: ['a.txt', { path: 'tools/deploy.sh', executable: true }, { path: 'scripts/*.sh', minCount: 2 }], telemetry: '.dx/telemetry.jsonl' } });
  assert.equal(ok.guard.critical.length, 3);
  assert.equal(ok.guard.telemetry, '.dx/telemetry.jsonl');
});

test('each wrong value under guard is refused, at its key', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ critical: 'tools/x' }, 'guard.critical', /expected array/],
    [{ critical: [{ path: 'a', bogus: 1 }] }, 'guard.critical.0', /bogus/],
    [{ critical: [{ path: 'a/*', minCount: 0 }] }, 'guard.critical.0.minCount', /Too small/],
    [{ critical: [{ path: 'a/*', minCount: -1 }] }, 'guard.critical.0.minCount', /Too small/],
    // A wrong TYPE inside an entry object fails both arms of the string|object union: the object arm's issue names the key.
    [{ critical: [{ path: 'a/*', minCount: 1.5 }] }, 'guard.critical.0.minCount', /expected int/],
    [{ critical: [{ path: 'a/*', minCount: '3' }] }, 'guard.critical.0.minCount', /expected number, received string/],
    [{ critical: [{ path: 'a', executable: 'yes' }] }, 'guard.critical.0.executable', /expected boolean, received string/],
    [{ critical: ['/etc/passwd'] }, 'guard.critical.0', /not an absolute path/],
    [{ critical: ['../../etc/passwd'] }, 'guard.critical.0', /"\.\." is not allowed/],
    [{ critical: [{ path: 'tools/../../x' }] }, 'guard.critical.0.path', /"\.\." is not allowed/],
    [{ critical: ['.git/hooks/pre-commit'] }, 'guard.critical.0', /inside \.git/],
    [{ critical: ['a\nb'] }, 'guard.critical.0', /newline/],
    [{ critical: [''] }, 'guard.critical.0', /./],
    [{ telemetry: '/tmp/t.jsonl' }, 'guard.telemetry', /not an absolute path/],
    [{ telemetry: '../t.jsonl' }, 'guard.telemetry', /"\.\." is not allowed/],
    [{ telemetry: 'logs/../../t.jsonl' }, 'guard.telemetry', /"\.\." is not allowed/],
    [{ telemetry: 'C:\\temp\\t.jsonl' }, 'guard.telemetry', /not an absolute path/],
    [{ telemetry: 7 }, 'guard.telemetry', /expected string/],
    [{ critical: [], bogus: true }, 'guard', /bogus/],
  ];
  for (const [guard, key, message] of cases) {
    const got = firstIssue(guard);
    assert.equal(got.key, key, JSON.stringify(guard));
    assert.match(got.message, message, JSON.stringify(guard));
  }
});

test('entries: "./" and trailing slashes dropped, duplicates kept once (first spelling), globs told apart, minCount defaults to 1', () => {
  const entries = criticalEntries(withGuard({
    critical: ['./tools/deploy.sh', { path: 'tools/deploy.sh', executable: true }, 'config/', { path: 'scripts/*.sh', minCount: 3, executable: true }, 'bin/{a,b}', 'docs/[ab].md', 'name with space.txt'],
    telemetry: null,
  }));
  assert.deepEqual(entries, [
    { entry: 'tools/deploy.sh', glob: false, executable: false, minCount: 1 },
    { entry: 'config', glob: false, executable: false, minCount: 1 },
    { entry: 'scripts/*.sh', glob: true, executable: true, minCount: 3 },
    { entry: 'bin/{a,b}', glob: true, executable: false, minCount: 1 },
    { entry: 'docs/[ab].md', glob: true, executable: false, minCount: 1 },
    { entry: 'name with space.txt', glob: false, executable: false, minCount: 1 },
  ]);
  assert.deepEqual(criticalEntries(defaultConfig()), []);
});

test('--watch watches every directory from the top down to each entry (one level deep) and a glob\'s fixed base at any depth', () => {
  const top = path.join(path.sep, 'repo');
  const s = { ctx: { top, gitDir: path.join(top, '.git'), commonDir: path.join(top, '.git'), dxDir: path.join(top, '.git', 'dx') }, config: withGuard({ critical: ['README.md', { path: 'tools/bin/deploy.sh', executable: true }, { path: 'scripts/ci/**/*.sh', minCount: 2 }, '*.lock'], telemetry: null }) } as unknown as Session;
  const { shallow, deep } = watchedDirs(s);
  const j = (...p: string[]) => path.join(top, ...p);
  assert.deepEqual([...shallow].sort(), [top, j('scripts'), j('scripts', 'ci'), j('tools'), j('tools', 'bin')].sort());
  assert.deepEqual([...deep].sort(), [top, j('scripts', 'ci')].sort());
});

test('a ledger line names a path in `paths` or in `detail.removed` (what a work-tree operation removed)', () => {
  const base: LedgerEvent = { id: '1-a', ts: 1, host: 'h', op: 'checkpoint.restore', ok: true };
  assert.equal(eventNames({ ...base, paths: ['a', 'tools/deploy.sh'] }, 'tools/deploy.sh'), true);
  assert.equal(eventNames({ ...base, detail: { removed: ['tools/deploy.sh'] } }, 'tools/deploy.sh'), true);
  assert.equal(eventNames({ ...base, detail: { removed: 'tools/deploy.sh' } }, 'tools/deploy.sh'), false, 'a malformed removed is ignored');
  assert.equal(eventNames({ ...base, paths: ['tools/deploy.sh.bak'], detail: { removed: ['tools'] } }, 'tools/deploy.sh'), false);
  assert.equal(eventNames(base, 'tools/deploy.sh'), false);
});
