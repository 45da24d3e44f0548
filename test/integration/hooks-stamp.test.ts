// Integration (issue 11): the runtime's check that dx-hooks' hooks are still the ones git runs costs
// nothing when all is well — reference-transaction, post-checkout and post-commit start no node for it
// and run no git for it — and starts the background check (`dx-hooks hook health`) once when the hooks
// folder changed. Observed with a `node` on PATH that logs its arguments before running the real one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, initRepo, waitFor, withSandbox } from '../helpers/index.ts';

test('all well: no node for the hooks check; a changed hooks folder: one background check, which writes the alert', async (t) => {
  const sb = await withSandbox(t);
  const h = await initRepo(sb, 'repo', 'stamped');
  await h.commit('base', { 'a.txt': 'a\n' });
  assert.equal((await dx(h, ['install'])).code, 0);
  await h.commit('config');
  const bin = sb.tmp('bin');
  const log = sb.tmp('node.log');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  h.env.PATH = `${bin}${path.delimiter}${h.env.PATH ?? ''}`;
  h.env.DX_WIP_PUSH = 'off';
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

  // All well: branch creations (reference-transaction) and a file checkout (post-checkout) start no node at all.
  await h.git(['branch', 'b1']);
  await h.git(['checkout', '--', 'a.txt']);
  assert.deepEqual(calls(), []);

  // Another tool deletes a hook: the next hook run starts the check once, in the background; it writes the alert.
  fs.rmSync(path.join(h.dir, '.git', 'hooks', 'pre-push'));
  await h.git(['branch', 'b2']);
  const alert = path.join(h.dir, '.git', 'dx', 'hooks-alert');
  await waitFor(async () => fs.existsSync(alert), { what: 'the hooks alert' });
  assert.match(fs.readFileSync(alert, 'utf8'), /pre-push hook \.git\/hooks\/pre-push was deleted/);
  assert.equal(calls().filter((c) => c.endsWith('hook health')).length, 1, calls().join('\n'));
  await h.git(['branch', 'b3']);
  assert.equal(calls().filter((c) => c.endsWith('hook health')).length, 1, 'the check ran again with nothing changed');
});
