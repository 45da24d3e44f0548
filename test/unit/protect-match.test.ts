// protect.paths matching on any string a caller hands over: ledger lines name absolute paths (install's
// hook files), which are no repository path and must neither throw (ignore's RangeError) nor match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../src/core/config/schema.ts';
import { protectedMatcher } from '../../src/core/protect/match.ts';

test('protectedMatcher: repository paths by gitignore rules; absolute, ./, ../ and empty paths are never protected and never throw', () => {
  const base = defaultConfig();
  const m = protectedMatcher({ ...base, protect: { ...base.protect, paths: ['*', '!keep.txt'] } });
  for (const p of ['deploy/x', 'dir/', '...', '..../a']) assert.equal(m(p), true, p);
  for (const p of ['keep.txt', '/repo/.git/hooks/pre-commit', './a', '../a', '', 'a//b', 'a/./b']) assert.equal(m(p), false, p);
});
