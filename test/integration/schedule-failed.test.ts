// `schedule install` whose last step fails (systemctl enable refused) leaves the unit files behind; on a
// machine where `systemctl --user is-active` gives no answer, status would read them as a schedule.
// installSchedule records the attempt, and inspectSchedule reports it: NOT scheduled, until an install
// finishes or uninstall runs. Scheduler programs are a Runner stand-in: no real scheduler is touched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { attemptFile, clearAttempt, installSchedule } from '../../src/core/schedule/attempt.ts';
import type { ExecResult, Runner } from '../../src/core/schedule/exec.ts';
import { planInstall } from '../../src/core/schedule/plan.ts';
import { inspectSchedule } from '../../src/core/schedule/status.ts';
import { withSandbox } from '../helpers/index.ts';

const ok: ExecResult = { code: 0, stdout: '', stderr: '', missing: false, timedOut: false };

/** systemctl with no user instance to answer is-active; `enable` refused while `refuse` is set. */
function systemctl(state: { refuse: boolean }): Runner {
  return async (argv) => {
    if (argv[2] === 'enable' && state.refuse) return { ...ok, code: 1, stderr: 'Failed to enable unit: Access denied' };
    if (argv[2] === 'is-active') return { ...ok, code: 1, stderr: 'Failed to connect to bus: No medium found' };
    return ok;
  };
}

test('a schedule whose install failed is not claimed: status names the failure until an install finishes', async (t) => {
  const sb = await withSandbox(t);
  const where = { home: sb.tmp('home'), env: { XDG_CONFIG_HOME: sb.tmp('config') }, uid: 1000 };
  const stateDir = sb.tmp('state');
  const plan = planInstall({ ...where, kind: 'systemd', job: 'checkpoint', everySeconds: 900, node: process.execPath, cli: path.join(sb.root, 'cli.js'), stateDir, version: '0.1.0' });
  const state = { refuse: true };
  const run = systemctl(state);
  const inspect = () => inspectSchedule('systemd', 'checkpoint', where, { probe: true, run, stateDir });

  await assert.rejects(installSchedule(plan, stateDir, run), /systemctl --user enable dx-hooks-checkpoint\.timer failed \(exit 1\): Failed to enable unit: Access denied/);
  const failed = await inspect();
  assert.equal(failed.installed, true, 'the unit files were written before enable failed');
  assert.equal(failed.loaded, null, 'and the scheduler gives no answer');
  assert.match(failed.failedInstall?.error ?? '', /Access denied/);
  assert.equal(failed.problems.length, 1);
  assert.match(failed.problems[0]!, /the last schedule install \(\d{4}-\d\d-\d\dT[\d:]+Z\) failed: .*Access denied — it is NOT scheduled: run dx-hooks schedule install again, or uninstall/);

  // An install killed half-way (the record written, never finished) is no schedule either.
  fs.writeFileSync(attemptFile(stateDir, 'systemd', 'checkpoint'), JSON.stringify({ v: 1, started: 1, every: '15m', error: null }));
  assert.match((await inspect()).problems[0]!, /did not finish/);
  fs.writeFileSync(attemptFile(stateDir, 'systemd', 'checkpoint'), '{ torn');
  assert.match((await inspect()).problems[0]!, /is corrupt — it is NOT scheduled/);

  state.refuse = false;
  await installSchedule(plan, stateDir, run);
  const fine = await inspect();
  assert.deepEqual([fine.installed, fine.failedInstall, fine.problems], [true, null, []]);
  assert.equal(fs.existsSync(attemptFile(stateDir, 'systemd', 'checkpoint')), false);
  clearAttempt(stateDir, 'systemd', 'checkpoint'); // nothing there: no error
});
