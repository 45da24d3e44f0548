// The scheduler planner as literal text: for fixed inputs (a home directory with a space, a quote
// and an `&`; a PATH with `%` and `$`) the systemd units, the launchd plist and the crontab block
// are exactly these, every value escaped for its format; intervals a scheduler cannot take are
// usage errors that say which values work; the crontab block is replaced and removed exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronExpression, cronSeconds, findBlock, spliceBlock } from '../../src/core/schedule/cron.ts';
import { detectScheduler, parseScheduler } from '../../src/core/schedule/detect.ts';
import type { ExecResult, Runner } from '../../src/core/schedule/exec.ts';
import { planInstall, planUninstall, type PlanInput, type ScheduleAction } from '../../src/core/schedule/plan.ts';
import { cronWord, fill, systemdEnv, systemdWord, xmlEscape } from '../../src/core/schedule/render.ts';
import { DxError } from '../../src/core/errors.ts';

const HOME = "/home/Ann O'Neil & co";
const CLI = `${HOME}/.npm-global/lib/node_modules/dx-hooks/dist/cli.js`;
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  kind: 'systemd',
  job: 'checkpoint',
  everySeconds: 900,
  node: '/opt/node 20/bin/node',
  cli: CLI,
  home: HOME,
  uid: 501,
  version: '9.9.9',
  stateDir: `${HOME}/.local/state/dx-hooks`,
  env: { PATH: `${HOME}/bin:/opt/50%$off/bin:/usr/bin:/bin`, XDG_CONFIG_HOME: `${HOME}/.config`, XDG_STATE_HOME: `${HOME}/.local/state` },
  ...over,
});

const writes = (actions: ScheduleAction[]) => actions.flatMap((a) => (a.do === 'write' ? [a] : []));
const runs = (actions: ScheduleAction[]) => actions.flatMap((a) => (a.do === 'run' ? [a.argv] : []));

/** Asserts `fn` throws a DxError with `code` and exit code 2 whose message and hint match. */
function usageError(fn: () => unknown, code: string, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DxError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  });
}

test('systemd: a oneshot service and a timer in $XDG_CONFIG_HOME/systemd/user, then daemon-reload, enable, restart', () => {
  const plan = planInstall(input());
  const [service, timer] = writes(plan.actions);
  assert.equal(service?.path, `${HOME}/.config/systemd/user/dx-hooks-checkpoint.service`);
  assert.equal(service?.mode, 0o644);
  assert.equal(
    service?.content,
    `# Written by dx-hooks 9.9.9 (dx-hooks schedule install): checkpoint the active repositories.
# Remove it with: dx-hooks schedule uninstall
[Unit]
Description=dx-hooks: checkpoint the active repositories
Documentation=https://www.npmjs.com/package/dx-hooks

[Service]
Type=oneshot
Environment="PATH=/home/Ann O'Neil & co/bin:/opt/50%%$off/bin:/usr/bin:/bin"
Environment="XDG_CONFIG_HOME=/home/Ann O'Neil & co/.config"
Environment="XDG_STATE_HOME=/home/Ann O'Neil & co/.local/state"
ExecStart="/opt/node 20/bin/node" "/home/Ann O'Neil & co/.npm-global/lib/node_modules/dx-hooks/dist/cli.js" checkpoint --all
Nice=10
`,
  );
  assert.equal(timer?.path, `${HOME}/.config/systemd/user/dx-hooks-checkpoint.timer`);
  assert.equal(
    timer?.content,
    `# Written by dx-hooks 9.9.9 (dx-hooks schedule install): checkpoint the active repositories every 15m.
# Remove it with: dx-hooks schedule uninstall
[Unit]
Description=dx-hooks: checkpoint the active repositories every 15m

[Timer]
OnActiveSec=900s
OnUnitActiveSec=900s
Unit=dx-hooks-checkpoint.service

[Install]
WantedBy=timers.target
`,
  );
  assert.deepEqual(runs(plan.actions), [
    ['systemctl', '--user', 'daemon-reload'],
    ['systemctl', '--user', 'enable', 'dx-hooks-checkpoint.timer'],
    ['systemctl', '--user', 'restart', 'dx-hooks-checkpoint.timer'],
  ]);
  assert.deepEqual(plan.runs, ['/opt/node 20/bin/node', CLI, 'checkpoint', '--all']);
  assert.equal(plan.log, null);
  assert.deepEqual(plan.warnings, []);
});

test('systemd: without XDG_CONFIG_HOME the units go to ~/.config; no carried variables, no Environment= lines', () => {
  const plan = planInstall(input({ env: {}, everySeconds: 90, node: '/usr/bin/node', cli: '/usr/lib/node_modules/dx-hooks/dist/cli.js' }));
  const [service, timer] = writes(plan.actions);
  assert.equal(service?.path, `${HOME}/.config/systemd/user/dx-hooks-checkpoint.service`);
  assert.match(service?.content ?? '', /Type=oneshot\nExecStart=\/usr\/bin\/node \/usr\/lib\/node_modules\/dx-hooks\/dist\/cli\.js checkpoint --all\n/);
  assert.match(timer?.content ?? '', /OnUnitActiveSec=90s\n/);
  assert.equal(plan.every, '90s');
});

test('launchd: a plist in ~/Library/LaunchAgents with XML-escaped values, StartInterval, logs in the state dir; bootout then bootstrap', () => {
  const plan = planInstall(input({ kind: 'launchd' }));
  const [plist] = writes(plan.actions);
  const esc = 'Ann O&apos;Neil &amp; co';
  assert.equal(plist?.path, `${HOME}/Library/LaunchAgents/dev.dx-hooks.checkpoint.plist`);
  assert.equal(
    plist?.content,
    `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by dx-hooks 9.9.9 (dx-hooks schedule install): checkpoint the active repositories every 15m.
     Remove it with: dx-hooks schedule uninstall -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>dev.dx-hooks.checkpoint</string>
  <key>ProgramArguments</key>
  <array>
    <string>/opt/node 20/bin/node</string>
    <string>/home/${esc}/.npm-global/lib/node_modules/dx-hooks/dist/cli.js</string>
    <string>checkpoint</string>
    <string>--all</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    <string>/home/${esc}/bin:/opt/50%$off/bin:/usr/bin:/bin</string>
    <key>XDG_CONFIG_HOME</key>
    <string>/home/${esc}/.config</string>
    <key>XDG_STATE_HOME</key>
    <string>/home/${esc}/.local/state</string>
  </dict>
  <key>StartInterval</key>
  <integer>900</integer>
  <key>RunAtLoad</key>
  <false/>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardOutPath</key>
  <string>/home/${esc}/.local/state/dx-hooks/schedule-checkpoint.log</string>
  <key>StandardErrorPath</key>
  <string>/home/${esc}/.local/state/dx-hooks/schedule-checkpoint.log</string>
</dict>
</plist>
`,
  );
  const file = `${HOME}/Library/LaunchAgents/dev.dx-hooks.checkpoint.plist`;
  assert.deepEqual(plan.actions.filter((a) => a.do !== 'write'), [
    { do: 'mkdir', path: `${HOME}/.local/state/dx-hooks` },
    { do: 'run', argv: ['launchctl', 'bootout', 'gui/501', file], onFail: 'ignore' },
    { do: 'run', argv: ['launchctl', 'bootstrap', 'gui/501', file], onFail: 'error' },
  ]);
  assert.equal(plan.log, `${HOME}/.local/state/dx-hooks/schedule-checkpoint.log`);
});

test('cron: one marked block, the command sh-quoted (a % outside the quotes, escaped for cron), output appended to the log', () => {
  const plan = planInstall(input({ kind: 'cron' }));
  assert.deepEqual(plan.actions[0], { do: 'mkdir', path: `${HOME}/.local/state/dx-hooks` });
  const set = plan.actions[1];
  assert.ok(set?.do === 'crontab-set');
  assert.equal(set.begin, '# BEGIN dx-hooks checkpoint');
  assert.equal(set.end, '# END dx-hooks checkpoint');
  const q = String.raw`'/home/Ann O'\''Neil & co`;
  assert.equal(
    set.block,
    `# BEGIN dx-hooks checkpoint
# Written by dx-hooks 9.9.9 (dx-hooks schedule install): checkpoint the active repositories every 15m. Remove it with: dx-hooks schedule uninstall
*/15 * * * * PATH=${q}/bin:/opt/50'\\%'$off/bin:/usr/bin:/bin' XDG_CONFIG_HOME=${q}/.config' XDG_STATE_HOME=${q}/.local/state' '/opt/node 20/bin/node' ${q}/.npm-global/lib/node_modules/dx-hooks/dist/cli.js' checkpoint --all >> ${q}/.local/state/dx-hooks/schedule-checkpoint.log' 2>&1
# END dx-hooks checkpoint
`,
  );
  assert.deepEqual(plan.actions.length, 2);
});

test('the interval: at least one minute; cron only takes minutes dividing 60, hours dividing 24, or a day', () => {
  for (const kind of ['systemd', 'launchd', 'cron'] as const) {
    usageError(() => planInstall(input({ kind, everySeconds: 30 })), 'BAD_INTERVAL', /--every 30s is shorter than the minimum, 1 minute/, /1m or more/);
  }
  for (const seconds of [45 * 60, 7 * 60, 90, 5 * 3600, 2 * 86_400, 25 * 3600]) {
    usageError(() => planInstall(input({ kind: 'cron', everySeconds: seconds })), 'BAD_INTERVAL', /^cron cannot run a job every /,
      /every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, every 1, 2, 3, 4, 6, 8 or 12 hours, or once a day \(1d\); systemd and launchd take any interval/);
    // systemd and launchd take them all.
    assert.ok(planInstall(input({ kind: 'systemd', everySeconds: seconds })));
    assert.ok(planInstall(input({ kind: 'launchd', everySeconds: seconds })));
  }
  const table: Array<[number, string]> = [
    [60, '* * * * *'], [300, '*/5 * * * *'], [900, '*/15 * * * *'], [1800, '*/30 * * * *'], [3600, '0 * * * *'],
    [7200, '0 */2 * * *'], [8 * 3600, '0 */8 * * *'], [12 * 3600, '0 */12 * * *'], [86_400, '0 0 * * *'],
  ];
  for (const [seconds, expr] of table) {
    assert.equal(cronExpression(seconds), expr, String(seconds));
    assert.equal(cronSeconds(`${expr} /usr/bin/node cli.js`), seconds, expr);
  }
  assert.equal(cronSeconds('5 4 * * sun echo hi'), null);
});

test('values no scheduler file can hold on one line, and executables systemd refuses, are usage errors', () => {
  usageError(() => planInstall(input({ kind: 'cron', cli: '/tmp/a\nb/cli.js' })), 'UNSCHEDULABLE_VALUE', /the dx-hooks CLI path contains a line break/);
  usageError(() => planInstall(input({ env: { PATH: '/bin\r' } })), 'UNSCHEDULABLE_VALUE', /PATH contains a line break/);
  usageError(() => planInstall(input({ node: '/opt/it\'s/node' })), 'UNSCHEDULABLE_VALUE', /systemd cannot run \/opt\/it's\/node/, /--scheduler cron/);
  // The same node is fine where quoting can hold it.
  assert.ok(planInstall(input({ kind: 'cron', node: '/opt/it\'s/node' })));
});

test('--scheduler is checked; the scheduler is detected from the platform and a live systemd user instance', async () => {
  assert.equal(parseScheduler(undefined), undefined);
  assert.equal(parseScheduler('cron'), 'cron');
  usageError(() => parseScheduler('upstart'), 'BAD_SCHEDULER', /"upstart" is not a scheduler/, /--scheduler systemd, --scheduler launchd, --scheduler cron/);
  const calls: string[][] = [];
  const answer = (code: number): Runner => async (argv) => {
    calls.push([...argv]);
    return { code, stdout: '', stderr: '', missing: false, timedOut: false } satisfies ExecResult;
  };
  assert.equal(await detectScheduler('darwin', answer(0)), 'launchd');
  assert.equal(await detectScheduler('linux', answer(0)), 'systemd');
  assert.equal(await detectScheduler('linux', answer(1)), 'cron');
  assert.equal(await detectScheduler('freebsd', answer(0)), 'cron');
  assert.deepEqual(calls, [['systemctl', '--user', 'show-environment'], ['systemctl', '--user', 'show-environment']]);
  await assert.rejects(detectScheduler('win32', answer(0)), (err: unknown) => err instanceof DxError && err.code === 'NO_SCHEDULER');
});

test('uninstall plans: systemd disables, removes both units and reloads; launchd boots out and removes; cron removes the block', () => {
  const where = { home: HOME, env: {}, uid: 501 };
  const unit = `${HOME}/.config/systemd/user/dx-hooks-checkpoint`;
  assert.deepEqual(planUninstall('systemd', 'checkpoint', where).actions, [
    { do: 'run', argv: ['systemctl', '--user', 'disable', '--now', 'dx-hooks-checkpoint.timer'], onFail: 'warn' },
    { do: 'remove', path: `${unit}.timer` },
    { do: 'remove', path: `${unit}.service` },
    { do: 'run', argv: ['systemctl', '--user', 'daemon-reload'], onFail: 'warn' },
  ]);
  const plist = `${HOME}/Library/LaunchAgents/dev.dx-hooks.checkpoint.plist`;
  assert.deepEqual(planUninstall('launchd', 'checkpoint', where).actions, [
    { do: 'run', argv: ['launchctl', 'bootout', 'gui/501', plist], onFail: 'ignore' },
    { do: 'remove', path: plist },
  ]);
  assert.deepEqual(planUninstall('cron', 'checkpoint', where).actions, [{ do: 'crontab-remove', begin: '# BEGIN dx-hooks checkpoint', end: '# END dx-hooks checkpoint' }]);
});

test('a dx-hooks run from npx\'s cache is scheduled with a warning to install it for good', () => {
  const plan = planInstall(input({ cli: '/home/a/.npm/_npx/1a2b/node_modules/dx-hooks/dist/cli.js' }));
  assert.match(plan.warnings.join('\n'), /npx's cache .*npm install -g dx-hooks/);
});

test('the crontab block is appended, replaced in place, collapsed to one, and removed leaving every other line as it was', () => {
  const B = '# BEGIN dx-hooks checkpoint';
  const E = '# END dx-hooks checkpoint';
  const block = (n: number) => `${B}\n*/${n} * * * * run\n${E}\n`;
  const user = 'MAILTO=me@example.invalid\n0 3 * * * backup.sh\n';
  const once = spliceBlock(user, B, E, block(15));
  assert.equal(once, user + block(15));
  assert.equal(findBlock(once, B, E), block(15));
  assert.equal(spliceBlock(once, B, E, block(15)), once, 're-installing the same block changes nothing');
  const around = `# mine\n${block(15)}@reboot start.sh\n`;
  assert.equal(spliceBlock(around, B, E, block(5)), `# mine\n${block(5)}@reboot start.sh\n`, 'replaced where it was');
  assert.equal(spliceBlock(`${block(5)}x\n${block(10)}`, B, E, block(15)), `${block(15)}x\n`, 'two copies become one');
  assert.equal(spliceBlock(once, B, E, null), user, 'removal gives back the table byte for byte');
  assert.equal(spliceBlock(around, B, E, null), '# mine\n@reboot start.sh\n');
  assert.equal(spliceBlock('', B, E, block(15)), block(15));
  assert.equal(spliceBlock(block(15), B, E, null), '');
  assert.equal(spliceBlock(user, B, E, null), user, 'nothing to remove: unchanged');
  assert.equal(spliceBlock('0 3 * * * backup.sh', B, E, block(15)), `0 3 * * * backup.sh\n${block(15)}`, 'a last line without newline gets one');
  assert.throws(() => spliceBlock(`${B}\n* * * * * run\n`, B, E, block(15)), (err: unknown) => err instanceof DxError && err.code === 'CRONTAB_BLOCK_BROKEN' && /without its "# END dx-hooks checkpoint" line/.test(err.message));
});

test('escapers: sh words for cron, systemd words and assignments, XML text; fill refuses an unknown placeholder', () => {
  assert.equal(cronWord('/usr/bin/node'), '/usr/bin/node');
  assert.equal(cronWord("it's"), String.raw`'it'\''s'`);
  assert.equal(cronWord('50%'), String.raw`'50'\%''`);
  assert.equal(cronWord('a\\%b'), String.raw`'a\'\%'b'`, 'a backslash of the value never precedes the \\% cron reads');
  assert.equal(cronWord('$HOME `x` "y"'), `'$HOME \`x\` "y"'`);
  assert.equal(systemdWord('--all'), '--all');
  assert.equal(systemdWord('a "b" \\c $d %e'), String.raw`"a \"b\" \\c $$d %%e"`);
  assert.equal(systemdWord('/opt/$x/node', true), '"/opt/$x/node"', 'the executable gets no $ expansion');
  assert.equal(systemdWord(';'), '";"');
  assert.equal(systemdEnv('PATH', 'a "b" \\c $d %e'), String.raw`"PATH=a \"b\" \\c $d %%e"`);
  assert.equal(xmlEscape(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  assert.equal(fill('a={{A}}\n{{B}}\nc\n', { A: '{{B}}', B: '' }), 'a={{B}}\nc\n', 'values are not re-read; a line of only an empty value goes');
  assert.throws(() => fill('{{NOPE}}', {}), /placeholder\(s\) without a value: NOPE/);
});
