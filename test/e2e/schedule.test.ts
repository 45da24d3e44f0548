// `dx-hooks schedule install|uninstall|status` through the built CLI, against FAKE systemctl,
// launchctl and crontab scripts first on PATH (they record their argv and keep their state in
// files: `crontab -l` / `crontab -` round-trip a table). No real scheduler is ever touched, and
// HOME/XDG point into the sandbox — under a directory named with a space, a quote, `&` and `%`,
// so every file and the crontab line must quote them right (the cron line is even run with sh).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dx, dxBin, run, withSandbox, type RunResult } from '../helpers/index.ts';

const ODD = "Ann O'Neil & co (50%)";

// A fake records one line per call: the program name and each argument, tab-separated.
const RECORD = `{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "$DX_FAKE_DIR/calls.log"`;

const FAKES: Record<string, string> = {
  systemctl: `#!/bin/sh
${RECORD}
state="$DX_FAKE_DIR/systemd"
case "$2" in
  show-environment) [ -n "$DX_FAKE_NO_SYSTEMD" ] && { echo "Failed to connect to bus: No medium found" >&2; exit 1; }; echo "HOME=$HOME";;
  enable) [ "$DX_FAKE_FAIL" = enable ] && { echo "Failed to enable unit: Access denied" >&2; exit 1; }; touch "$state.enabled";;
  restart) touch "$state.active";;
  disable) rm -f "$state.enabled" "$state.active";;
  is-active) [ -f "$state.active" ] && { echo active; exit 0; }; echo inactive; exit 3;;
esac
exit 0
`,
  launchctl: `#!/bin/sh
${RECORD}
loaded="$DX_FAKE_DIR/launchd.loaded"
case "$1" in
  bootstrap) [ -f "$loaded" ] && { echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; }; touch "$loaded";;
  bootout) [ -f "$loaded" ] || { echo "Boot-out failed: 3: No such process" >&2; exit 3; }; rm -f "$loaded";;
  print) [ -f "$loaded" ] || { echo "Could not find service in domain for port" >&2; exit 113; }; echo "state = not running";;
esac
exit 0
`,
  crontab: `#!/bin/sh
${RECORD}
table="$DX_FAKE_DIR/crontab"
case "$1" in
  -l) [ -f "$table" ] || { echo "no crontab for tester" >&2; exit 1; }; cat "$table";;
  -) cat > "$table";;
  -r) [ -f "$table" ] || { echo "no crontab for tester" >&2; exit 1; }; rm -f "$table";;
  *) echo "usage: crontab [-l | -r | -]" >&2; exit 1;;
esac
`,
};

interface World {
  env: NodeJS.ProcessEnv;
  home: string;
  config: string;
  state: string;
  fake: string;
  /** Runs the built CLI with the world's env (plus `env`). */
  dx(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** The recorded calls of `tool` (each an argv without the program name), and forgets them all. */
  calls(tool?: string): string[][];
  crontab(): string | null;
}

async function world(t: Parameters<typeof withSandbox>[0]): Promise<World> {
  const sb = await withSandbox(t);
  const base = path.join(sb.root, ODD);
  const [home, config, state, fake, bin] = ['home', 'config', 'state', 'fake', 'bin'].map((d) => path.join(base, d)) as [string, string, string, string, string];
  for (const d of [home, config, state, fake, bin]) fs.mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(FAKES)) fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  const env = { ...sb.env, HOME: home, XDG_CONFIG_HOME: config, XDG_STATE_HOME: state, DX_FAKE_DIR: fake, PATH: `${bin}${path.delimiter}${sb.env.PATH ?? ''}` };
  const log = path.join(fake, 'calls.log');
  return {
    env, home, config, state, fake,
    dx: (args, extra = {}) => dx({ dir: sb.root, env }, args, { env: extra }),
    calls(tool) {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
      fs.rmSync(log, { force: true });
      return lines.map((l) => l.split('\t')).filter((c) => !tool || c[0] === tool).map((c) => c.slice(1));
    },
    crontab: () => (fs.existsSync(path.join(fake, 'crontab')) ? fs.readFileSync(path.join(fake, 'crontab'), 'utf8') : null),
  };
}

function ok(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** What cron does to a command before sh sees it: `\%` → `%`, and a bare `%` ends the command (the rest is stdin). */
function cronCommand(line: string): string {
  const cmd = line.trim().replace(/^(\S+\s+){5}/, '');
  let outText = '';
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] as string;
    if (c === '\\' && i + 1 < cmd.length) {
      const next = cmd[++i] as string;
      outText += next === '%' ? '%' : c + next;
    } else if (c === '%') break;
    else outText += c;
  }
  return outText;
}

const node = process.execPath;

test('systemd: install writes the service and timer and enables the timer; re-install replaces; status; uninstall removes', async (t) => {
  const w = await world(t);
  const dir = path.join(w.config, 'systemd', 'user');
  const r = await w.dx(['schedule', 'install', '--scheduler', 'systemd']);
  ok(r, 'install');
  assert.match(r.stdout, /✔ checkpoint scheduled every 15m with a systemd user timer/);
  assert.match(r.stdout, /output: journalctl --user -u dx-hooks-checkpoint\.service/);
  assert.match(r.stdout, /loginctl enable-linger/);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['dx-hooks-checkpoint.service', 'dx-hooks-checkpoint.timer']);
  const service = fs.readFileSync(path.join(dir, 'dx-hooks-checkpoint.service'), 'utf8');
  const pct = (s: string) => s.replace(/%/g, '%%');
  assert.ok(service.includes(`\nExecStart=${node} ${dxBin} checkpoint --all\n`), service);
  assert.ok(service.includes(`\nEnvironment="XDG_CONFIG_HOME=${pct(w.config)}"\n`), service);
  assert.ok(service.includes(`\nEnvironment="XDG_STATE_HOME=${pct(w.state)}"\n`), service);
  assert.ok(service.includes(`\nEnvironment="PATH=${pct(w.env.PATH as string)}"\n`), service);
  assert.match(service, /^# Written by dx-hooks \d+\.\d+\.\d+\S* \(dx-hooks schedule install\)/);
  const timer = () => fs.readFileSync(path.join(dir, 'dx-hooks-checkpoint.timer'), 'utf8');
  assert.match(timer(), /\nOnUnitActiveSec=900s\n/);
  assert.deepEqual(w.calls('systemctl'), [['--user', 'daemon-reload'], ['--user', 'enable', 'dx-hooks-checkpoint.timer'], ['--user', 'restart', 'dx-hooks-checkpoint.timer']]);

  ok(await w.dx(['schedule', 'install', '--scheduler', 'systemd', '--every', '30m']), 're-install');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['dx-hooks-checkpoint.service', 'dx-hooks-checkpoint.timer']);
  assert.match(timer(), /\nOnActiveSec=1800s\nOnUnitActiveSec=1800s\n/);
  assert.deepEqual(w.calls('systemctl').map((c) => c[1]), ['daemon-reload', 'enable', 'restart']);

  const st = await w.dx(['schedule', 'status', '--scheduler', 'systemd', '--json']);
  ok(st, 'status --json');
  const json = JSON.parse(st.stdout) as { scheduled: boolean; scheduler: string; entries: Array<Record<string, unknown>> };
  assert.equal(json.scheduled, true);
  assert.equal(json.scheduler, 'systemd');
  assert.deepEqual(json.entries.map((e) => [e.kind, e.installed, e.everySeconds, e.every, e.loaded, e.current, e.problems]), [['systemd', true, 1800, '30m', true, true, []]]);
  assert.deepEqual(json.entries[0]?.files, [path.join(dir, 'dx-hooks-checkpoint.service'), path.join(dir, 'dx-hooks-checkpoint.timer')]);
  const text = await w.dx(['schedule', 'status']);
  ok(text, 'status');
  assert.match(text.stdout, /^checkpoint: scheduled every 30m with a systemd user timer \(active\)$/m);
  assert.ok(text.stdout.includes(`  ${path.join(dir, 'dx-hooks-checkpoint.timer')}\n`), text.stdout);

  // The timer stopped behind our back: status says so and exits 1.
  fs.rmSync(path.join(w.fake, 'systemd.active'));
  const broken = await w.dx(['schedule', 'status', '--scheduler', 'systemd']);
  assert.equal(broken.code, 1, broken.stdout);
  assert.match(broken.stdout, /not active/);
  w.calls();

  const un = await w.dx(['schedule', 'uninstall']);
  ok(un, 'uninstall');
  assert.match(un.stdout, /✔ checkpoint unscheduled: removed a systemd user timer/);
  assert.deepEqual(fs.readdirSync(dir), []);
  assert.deepEqual(w.calls('systemctl'), [['--user', 'disable', '--now', 'dx-hooks-checkpoint.timer'], ['--user', 'daemon-reload']]);
  const after = await w.dx(['schedule', 'status', '--scheduler', 'systemd']);
  ok(after, 'status after uninstall');
  assert.match(after.stdout, /^checkpoint: not scheduled — dx-hooks schedule install \(would use a systemd user timer\)$/m);
  const again = await w.dx(['schedule', 'uninstall', '--scheduler', 'systemd']);
  ok(again, 'uninstall again');
  assert.match(again.stdout, /checkpoint is not scheduled .*nothing to remove/);
});

test('launchd: install writes the agent plist (XML-escaped) and bootstraps it; re-install boots the old one out first; uninstall', async (t) => {
  const w = await world(t);
  const plist = path.join(w.home, 'Library', 'LaunchAgents', 'dev.dx-hooks.checkpoint.plist');
  const uid = String(process.getuid?.() ?? 0);
  const r = await w.dx(['schedule', 'install', '--scheduler', 'launchd', '--every', '5m']);
  ok(r, 'install');
  assert.match(r.stdout, /✔ checkpoint scheduled every 5m with a launchd agent/);
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;');
  const log = path.join(w.state, 'dx-hooks', 'schedule-checkpoint.log');
  const text = fs.readFileSync(plist, 'utf8');
  assert.ok(text.includes(`  <array>\n    <string>${node}</string>\n    <string>${dxBin}</string>\n    <string>checkpoint</string>\n    <string>--all</string>\n  </array>\n`), text);
  assert.ok(text.includes(`    <key>XDG_CONFIG_HOME</key>\n    <string>${xml(w.config)}</string>\n`), text);
  assert.ok(text.includes(`  <key>StartInterval</key>\n  <integer>300</integer>\n  <key>RunAtLoad</key>\n  <false/>\n`), text);
  assert.ok(text.includes(`  <key>StandardOutPath</key>\n  <string>${xml(log)}</string>\n`), text);
  assert.ok(!text.includes(ODD), 'the raw quote and & never reach the XML');
  assert.ok(fs.statSync(path.dirname(log)).isDirectory(), 'launchd does not create the log directory: install does');
  // Not loaded yet: the bootout fails (ignored), the bootstrap loads it.
  assert.deepEqual(w.calls('launchctl'), [['bootout', `gui/${uid}`, plist], ['bootstrap', `gui/${uid}`, plist]]);

  ok(await w.dx(['schedule', 'install', '--scheduler', 'launchd', '--every', '2h']), 're-install');
  assert.match(fs.readFileSync(plist, 'utf8'), /<integer>7200<\/integer>/);
  assert.deepEqual(w.calls('launchctl'), [['bootout', `gui/${uid}`, plist], ['bootstrap', `gui/${uid}`, plist]]);
  assert.deepEqual(fs.readdirSync(path.dirname(plist)), ['dev.dx-hooks.checkpoint.plist']);

  const st = JSON.parse((await w.dx(['schedule', 'status', '--scheduler', 'launchd', '--json'])).stdout) as { entries: Array<Record<string, unknown>> };
  assert.deepEqual(st.entries.map((e) => [e.installed, e.every, e.loaded, e.current, e.log, e.files]), [[true, '2h', true, true, log, [plist]]]);
  assert.deepEqual(w.calls('launchctl'), [['print', `gui/${uid}/dev.dx-hooks.checkpoint`]]);

  const un = await w.dx(['schedule', 'uninstall', '--scheduler', 'launchd']);
  ok(un, 'uninstall');
  assert.match(un.stdout, /removed a launchd agent/);
  assert.equal(fs.existsSync(plist), false);
  assert.deepEqual(w.calls('launchctl'), [['bootout', `gui/${uid}`, plist]]);
});

test('cron: the marked block joins an existing crontab, re-install replaces it in place, uninstall gives the table back byte for byte', async (t) => {
  const w = await world(t);
  const mine = 'MAILTO=me@example.invalid\n# nightly backup\n0 3 * * * /usr/local/bin/backup --quiet\n';
  fs.writeFileSync(path.join(w.fake, 'crontab'), mine);
  const r = await w.dx(['schedule', 'install', '--scheduler', 'cron']);
  ok(r, 'install');
  assert.match(r.stdout, /✔ checkpoint scheduled every 15m with a crontab entry/);
  const table = w.crontab() as string;
  assert.ok(table.startsWith(mine), table);
  const block = table.slice(mine.length).split('\n');
  assert.equal(block[0], '# BEGIN dx-hooks checkpoint');
  assert.match(block[1] as string, /^# Written by dx-hooks \S+ \(dx-hooks schedule install\)/);
  assert.match(block[2] as string, /^\*\/15 \* \* \* \* PATH='.*' XDG_CONFIG_HOME='.*' XDG_STATE_HOME='.*' \S+ \S+ checkpoint --all >> '.*schedule-checkpoint\.log' 2>&1$/);
  assert.deepEqual(block.slice(3), ['# END dx-hooks checkpoint', '']);
  assert.deepEqual(w.calls('crontab'), [['-l'], ['-']]);

  // The line works: after cron's own % handling, sh runs the real CLI with the carried variables,
  // appending to the log under the odd directory name (checkpoint --all names the machine config it read).
  const cmd = cronCommand(block[2] as string);
  const sh = await run('/bin/sh', ['-c', cmd], { cwd: w.home, env: { HOME: w.home, PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  assert.equal(sh.stderr, '', 'the redirection took all output'); // (checkpoint --all itself exits 2: no repositories yet)
  const log = fs.readFileSync(path.join(w.state, 'dx-hooks', 'schedule-checkpoint.log'), 'utf8');
  assert.ok(log.includes(path.join(w.config, 'dx-hooks', 'config.json')), log);

  // Same again: nothing to write. Another interval: replaced where it was, never duplicated.
  ok(await w.dx(['schedule', 'install', '--scheduler', 'cron']), 're-install');
  assert.equal(w.crontab(), table);
  assert.deepEqual(w.calls('crontab'), [['-l']]);
  fs.appendFileSync(path.join(w.fake, 'crontab'), '@reboot /usr/local/bin/later\n');
  ok(await w.dx(['schedule', 'install', '--scheduler', 'cron', '--every', '2h']), 're-install every 2h');
  const two = w.crontab() as string;
  assert.equal(two.split('# BEGIN dx-hooks checkpoint').length, 2);
  assert.ok(two.startsWith(mine + '# BEGIN dx-hooks checkpoint\n'), two);
  assert.match(two, /\n0 \*\/2 \* \* \* PATH=.*\n# END dx-hooks checkpoint\n@reboot \/usr\/local\/bin\/later\n$/);
  const st = JSON.parse((await w.dx(['schedule', 'status', '--scheduler', 'cron', '--json'])).stdout) as { entries: Array<Record<string, unknown>> };
  assert.deepEqual(st.entries.map((e) => [e.installed, e.everySeconds, e.loaded, e.current, e.files]), [[true, 7200, null, true, []]]);
  const text = await w.dx(['schedule', 'status', '--scheduler', 'cron']);
  assert.match(text.stdout, /^checkpoint: scheduled every 2h with a crontab entry$/m);

  // An interval cron cannot hold: exit 2, the crontab untouched.
  const bad = await w.dx(['schedule', 'install', '--scheduler', 'cron', '--every', '45m']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /✖ cron cannot run a job every 45m/);
  assert.match(bad.stderr, /every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, every 1, 2, 3, 4, 6, 8 or 12 hours, or once a day \(1d\)/);
  assert.equal(w.crontab(), two);

  w.calls();
  const un = await w.dx(['schedule', 'uninstall', '--scheduler', 'cron']);
  ok(un, 'uninstall');
  assert.equal(w.crontab(), mine + '@reboot /usr/local/bin/later\n');
  assert.deepEqual(w.calls('crontab'), [['-l'], ['-l'], ['-']]);
});

test('cron without a crontab before: uninstall removes the table install created', async (t) => {
  const w = await world(t);
  ok(await w.dx(['schedule', 'install', '--scheduler', 'cron', '--every', '1d']), 'install');
  assert.match(w.crontab() as string, /^# BEGIN dx-hooks checkpoint\n.*\n0 0 \* \* \* /);
  ok(await w.dx(['schedule', 'uninstall']), 'uninstall');
  assert.equal(w.crontab(), null);
  // install: read, write; uninstall: look (status), read, remove the now empty table.
  assert.deepEqual(w.calls('crontab').map((c) => c[0]), ['-l', '-', '-l', '-l', '-r']);
});

test('--dry-run shows the files and commands and changes nothing; --json prints the plan', async (t) => {
  const w = await world(t);
  fs.writeFileSync(path.join(w.fake, 'crontab'), '0 3 * * * backup\n');
  for (const kind of ['systemd', 'launchd', 'cron']) {
    const r = await w.dx(['schedule', 'install', '--scheduler', kind, '--dry-run']);
    ok(r, `${kind} --dry-run`);
    assert.match(r.stdout, /^dx-hooks schedule install would schedule checkpoint every 15m with /);
    assert.ok(r.stdout.includes(`  runs: ${node} ${dxBin} checkpoint --all`), r.stdout);
  }
  const json = JSON.parse((await w.dx(['schedule', 'install', '--scheduler', 'systemd', '--every', '1h', '--dry-run', '--json'])).stdout) as { dryRun: boolean; everySeconds: number; actions: Array<{ do: string; content?: string }> };
  assert.equal(json.dryRun, true);
  assert.equal(json.everySeconds, 3600);
  assert.deepEqual(json.actions.map((a) => a.do), ['write', 'write', 'run', 'run', 'run']);
  assert.match(json.actions[1]?.content ?? '', /OnUnitActiveSec=3600s/);
  assert.equal(fs.existsSync(path.join(w.config, 'systemd')), false);
  assert.equal(fs.existsSync(path.join(w.home, 'Library')), false);
  assert.equal(w.crontab(), '0 3 * * * backup\n');
  const calls = w.calls();
  assert.ok(calls.every((c) => c.join(' ') === '-l'), `only crontab -l was run: ${JSON.stringify(calls)}`);
});

test('bad --scheduler and --every values are usage errors (exit 2) that say what works; a failing scheduler command is exit 1', async (t) => {
  const w = await world(t);
  const upstart = await w.dx(['schedule', 'install', '--scheduler', 'upstart']);
  assert.equal(upstart.code, 2);
  assert.match(upstart.stderr, /✖ "upstart" is not a scheduler\n {2}Use --scheduler systemd, --scheduler launchd, --scheduler cron/);
  for (const cmd of ['status', 'uninstall']) assert.equal((await w.dx(['schedule', cmd, '--scheduler', 'at'])).code, 2, cmd);
  const short = await w.dx(['schedule', 'install', '--scheduler', 'systemd', '--every', '30s']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /--every 30s is shorter than the minimum, 1 minute/);
  const nonsense = await w.dx(['schedule', 'install', '--scheduler', 'launchd', '--every', 'often']);
  assert.equal(nonsense.code, 2);
  assert.match(nonsense.stderr, /"often" is not a duration/);
  assert.deepEqual(w.calls().filter((c) => c[0] !== '-l'), [], 'nothing was run');

  const failed = await w.dx(['schedule', 'install', '--scheduler', 'systemd'], { DX_FAKE_FAIL: 'enable' });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /✖ systemctl --user enable dx-hooks-checkpoint\.timer failed \(exit 1\): Failed to enable unit: Access denied/);
  assert.match(failed.stderr, /--scheduler systemd\|launchd\|cron/);
  // The files it wrote are no schedule: status says so (exit 1) until uninstall (or an install that finishes).
  const st = await w.dx(['schedule', 'status', '--scheduler', 'systemd']);
  assert.equal(st.code, 1);
  assert.match(st.stdout, /checkpoint: NOT scheduled with a systemd user timer — its install did not finish/);
  assert.match(st.stdout, /the last schedule install \(.*\) failed: .*Access denied/);
  assert.doesNotMatch(st.stdout, /scheduled every/);
  ok(await w.dx(['schedule', 'uninstall', '--scheduler', 'systemd']), 'uninstall');
  ok(await w.dx(['schedule', 'status', '--scheduler', 'systemd']), 'status after uninstall');
});

test('without --scheduler: systemd when `systemctl --user` answers, else cron; another scheduler holding the job is named', { skip: process.platform !== 'linux' && 'detection differs off Linux' }, async (t) => {
  const w = await world(t);
  const sd = await w.dx(['schedule', 'install', '--dry-run', '--json']);
  ok(sd, 'detect systemd');
  assert.equal((JSON.parse(sd.stdout) as { kind: string }).kind, 'systemd');
  assert.deepEqual(w.calls('systemctl'), [['--user', 'show-environment']]);
  const cron = await w.dx(['schedule', 'install'], { DX_FAKE_NO_SYSTEMD: '1' });
  ok(cron, 'detect cron');
  assert.match(cron.stdout, /with a crontab entry/);
  // Now systemd too: the job would run twice, so install warns about the crontab entry.
  const both = await w.dx(['schedule', 'install', '--scheduler', 'systemd']);
  ok(both, 'install systemd as well');
  assert.match(both.stderr, /checkpoint is also scheduled with a crontab entry: remove that one with dx-hooks schedule uninstall --scheduler cron/);
  const st = JSON.parse((await w.dx(['schedule', 'status', '--json'])).stdout) as { entries: Array<{ kind: string; installed: boolean }> };
  assert.deepEqual(st.entries.map((e) => [e.kind, e.installed]), [['systemd', true], ['launchd', false], ['cron', true]]);
  const un = await w.dx(['schedule', 'uninstall']);
  ok(un, 'uninstall everything');
  assert.match(un.stdout, /removed a systemd user timer[\s\S]*removed a crontab entry/);
  assert.equal(w.crontab(), null);
});
