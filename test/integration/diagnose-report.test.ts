// The forensics report (buildReport) in-process against a real repository: the ledger holds lines whose
// paths are not repository-relative (install records the absolute hook paths, doctor a lock folder), and
// `protect.paths` is set — the report must still be built, covering only the repository's own paths.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { buildReport } from '../../src/core/diagnose/report.ts';
import { appendLedger } from '../../src/core/ledger.ts';
import { openSession } from '../../src/core/session.ts';
import { initRepo, withSandbox, type Sandbox } from '../helpers/index.ts';

/** In-process git and the machine config must see the sandbox, exactly like a spawned CLI. */
function pin(sb: Sandbox, host: string): void {
  for (const k of Object.keys(process.env)) if (/^(GIT_|DX_)/i.test(k)) delete process.env[k];
  Object.assign(process.env, sb.env, { DX_HOST: host });
}

test('diagnose --report with protect.paths set reads ledger lines that name absolute or odd paths (install\'s hook files) without crashing', async (t) => {
  const sb = await withSandbox(t);
  pin(sb, 'alpha');
  const h = await initRepo(sb, 'repo', 'alpha');
  await h.write('.dxrc.json', JSON.stringify({ protect: { paths: ['deploy/**'] } }));
  await h.commit('base', { 'deploy/run.sh': 'run\n', 'other.txt': 'x\n' });
  const s = await openSession(h.dir);
  // What `dx-hooks install` and `doctor --fix` write: absolute paths, outside the work tree's namespace.
  const hooks = path.join(h.dir, '.git', 'hooks');
  appendLedger(s.ctx, { host: 'alpha', op: 'install', ok: true, paths: [path.join(hooks, 'pre-commit'), path.join(hooks, 'post-commit')], detail: { hooksDir: hooks } });
  appendLedger(s.ctx, { host: 'alpha', op: 'doctor.fix', ok: true, paths: ['/tmp/x.lock', '../outside', './deploy/run.sh', ''], detail: { path: 'deploy/run.sh' } });

  const rep = await buildReport(s, { since: null, until: null }, [], Math.floor(Date.now() / 1000));
  assert.deepEqual(rep.paths.map((p) => [p.path, p.protected]), [['deploy/run.sh', true]]);
  // The commit, and the one ledger line that names the path the repository's way (in `detail.path`).
  assert.deepEqual(rep.paths[0]!.changes.map((c) => c.kind).sort(), ['commit', 'dx']);
});
