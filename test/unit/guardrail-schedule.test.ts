// `schedule install --guard` is the JOBS table's `guard` entry: `guard --all` every 5 minutes by
// default, in its own systemd units, launchd agent and crontab block — so it lives next to the
// checkpoint job without touching it, and `uninstall --guard` removes only its own entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findBlock, spliceBlock } from '../../src/core/schedule/cron.ts';
import { JOBS } from '../../src/core/schedule/jobs.ts';
import { planInstall, planUninstall, type PlanInput, type ScheduleAction } from '../../src/core/schedule/plan.ts';

const HOME = '/home/ann';
const CLI = '/usr/lib/node_modules/dx-hooks/dist/cli.js';
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  kind: 'cron', job: 'guard', everySeconds: 300, node: '/usr/bin/node', cli: CLI, home: HOME, uid: 501, version: '9.9.9',
  stateDir: `${HOME}/.local/state/dx-hooks`, env: { PATH: '/usr/bin:/bin' }, ...over,
});
const writes = (actions: ScheduleAction[]) => actions.flatMap((a) => (a.do === 'write' ? [a] : []));

test('the guard job: `guard --all`, every 5m by default, removed with `schedule uninstall --guard`', () => {
  assert.deepEqual([...JOBS.guard.args], ['guard', '--all']);
  assert.equal(JOBS.guard.defaultEvery, '5m');
  assert.equal(JOBS.guard.uninstall, 'dx-hooks schedule uninstall --guard');
  assert.equal(JOBS.checkpoint.defaultEvery, '15m');
});

test('cron: a "dx-hooks guard" block running guard --all every 5 (or 10) minutes, next to the checkpoint block without touching it', () => {
  const plan = planInstall(input());
  assert.deepEqual(plan.runs, ['/usr/bin/node', CLI, 'guard', '--all']);
  const set = plan.actions.find((a) => a.do === 'crontab-set');
  assert.ok(set?.do === 'crontab-set');
  assert.deepEqual([set.begin, set.end], ['# BEGIN dx-hooks guard', '# END dx-hooks guard']);
  assert.equal(set.block, `# BEGIN dx-hooks guard
# Written by dx-hooks 9.9.9 (dx-hooks schedule install): check the critical files of every repository every 5m. Remove it with: dx-hooks schedule uninstall --guard
*/5 * * * * PATH=/usr/bin:/bin /usr/bin/node ${CLI} guard --all >> ${HOME}/.local/state/dx-hooks/schedule-guard.log 2>&1
# END dx-hooks guard
`);
  const ten = planInstall(input({ everySeconds: 600 })).actions.find((a) => a.do === 'crontab-set');
  assert.ok(ten?.do === 'crontab-set');
  assert.match(ten.block, /\n\*\/10 \* \* \* \* .* guard --all >> /);

  const checkpoint = planInstall(input({ job: 'checkpoint', everySeconds: 900 })).actions.find((a) => a.do === 'crontab-set');
  assert.ok(checkpoint?.do === 'crontab-set');
  let table = '0 3 * * * backup\n';
  table = spliceBlock(table, checkpoint.begin, checkpoint.end, checkpoint.block);
  table = spliceBlock(table, set.begin, set.end, set.block);
  assert.equal(findBlock(table, checkpoint.begin, checkpoint.end), checkpoint.block);
  assert.equal(findBlock(table, set.begin, set.end), set.block);
  const [remove] = planUninstall('cron', 'guard', { home: HOME, uid: 501, env: {} }).actions;
  assert.deepEqual(remove, { do: 'crontab-remove', begin: '# BEGIN dx-hooks guard', end: '# END dx-hooks guard' });
  assert.equal(spliceBlock(table, set.begin, set.end, null), `0 3 * * * backup\n${checkpoint.block}`, 'uninstall --guard leaves the checkpoint block');
});

test('systemd and launchd: their own dx-hooks-guard units and dev.dx-hooks.guard agent, every 300 s', () => {
  const systemd = planInstall(input({ kind: 'systemd' }));
  const [service, timer] = writes(systemd.actions);
  assert.equal(service?.path, `${HOME}/.config/systemd/user/dx-hooks-guard.service`);
  assert.match(service?.content ?? '', new RegExp(`\\nExecStart=/usr/bin/node ${CLI.replace(/\//g, '\\/')} guard --all\\n`));
  assert.match(service?.content ?? '', /# Remove it with: dx-hooks schedule uninstall --guard\n/);
  assert.equal(timer?.path, `${HOME}/.config/systemd/user/dx-hooks-guard.timer`);
  assert.match(timer?.content ?? '', /\nOnUnitActiveSec=300s\nUnit=dx-hooks-guard\.service\n/);
  const launchd = planInstall(input({ kind: 'launchd' }));
  const [plist] = writes(launchd.actions);
  assert.equal(plist?.path, `${HOME}/Library/LaunchAgents/dev.dx-hooks.guard.plist`);
  assert.match(plist?.content ?? '', /<string>guard<\/string>\n {4}<string>--all<\/string>/);
  assert.match(plist?.content ?? '', /<key>StartInterval<\/key>\n {2}<integer>300<\/integer>/);
  // "--" may not appear inside an XML comment: the hint's `--guard` is written `- -guard` there.
  assert.match(plist?.content ?? '', /Remove it with: dx-hooks schedule uninstall - -guard -->/);
});
