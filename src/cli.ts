/**
 * The CLI boundary: parse argv (commander), import the one command module that runs (lazy, so a
 * hook's node start loads only what it needs), and turn every thrown error into `✖ message` +
 * hint and an exit code (DESIGN §6: 0 ok, 1 failed or refused, 2 usage or config error) — and,
 * with `--json`, into JSON on stdout (commands/report-error.ts); a closed stdout is not an error.
 */
import { Command, Option } from 'commander';
import { quietOnClosedPipe } from './commands/closed-pipe.js';
import { reportError, wantsJson } from './commands/report-error.js';

// Each command types its own options; commander hands over a plain record (plus cwd and the positional arguments).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (opts: any) => Promise<number>;

/** Whether the command that runs was given `--json` (its errors are then JSON too); undefined until commander has parsed it. */
let json: boolean | undefined;

function action(load: () => Promise<Handler>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = { ...cmd.optsWithGlobals(), cwd: process.cwd() } as Record<string, unknown>;
    cmd.registeredArguments.forEach((a, i) => (opts[a.name()] = args[i]));
    json = opts.json === true;
    process.exitCode = await (await load())(opts);
  };
}

/** The options naming many repositories and running them as a batch, the same on every batch command (core/batch/target.ts, DESIGN §7). */
function manyRepos(cmd: Command, all = 'every repository in the machine config\'s list'): Command {
  return cmd.option('--all', all)
    .option('--repos [paths...]', 'these repositories: paths or globs (a glob matching no repository is an error; --repos alone: as --all)')
    .option('--parallel <n>', 'repositories at once (with --all or --repos)', '1')
    .option('--no-resume', 'start the batch fresh instead of resuming an interrupted one').option('--retry-failed', 'also redo the repositories that failed last time');
}

/** The command table: every command, its options, and the module its action imports (lazily). */
function buildProgram(): Command {
  const program = new Command('dx-hooks')
    .description('No work lost: every commit mirrored to this host\'s WIP ref on the remote, and every host\'s WIP one restore away.')
    .option('-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError();

  program.command('install').description('install the git hooks in this repository (chains existing hooks, works with husky)')
    .option('--dry-run', 'show what would be written, write nothing').option('--json', 'print the plan as JSON')
    .option('--force', 'install even when core.hooksPath points outside this repository (shared by other repositories)')
    .action(action(async () => (await import('./commands/install.js')).run as Handler));

  program.command('uninstall').description('remove the hooks and put back exactly what was there')
    .option('--dry-run', 'show what would be removed').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/uninstall.js')).run as Handler));

  manyRepos(program.command('status').description('this host\'s branch, upstream, dirty files, WIP pushes; other hosts\' WIP — or triage of many repositories (--all, --repos)')
    .option('--json', 'print JSON').option('--offline', 'do not fetch the index; use the last fetched copy'))
    .action(action(async () => (await import('./commands/status.js')).run as Handler));

  const checkpoint = manyRepos(program.command('checkpoint').description('snapshot the work tree now (uncommitted work included) and push it as this host\'s WIP; or manage named checkpoints')
    .enablePositionalOptions()
    .option('-m, --message <text>', 'message of the snapshot commit').option('--wait', 'update the WIP index before returning (default: the background worker does)').option('--json', 'print JSON'), 'every repository in the machine config\'s list whose role is active (what the scheduler runs)')
    .action(action(async () => (await import('./commands/checkpoint.js')).run as Handler));
  checkpoint.command('create <name>').description('tag a snapshot of the work tree (uncommitted work included) as checkpoint/<name> and push the tag')
    .option('-m, --message <text>', 'description of the checkpoint').option('--force', 'replace a checkpoint of that name')
    .option('--session <id>', 'record this host\'s agent session (its last save) with the checkpoint').option('--session-agent <name>', 'the session\'s agent, when several have that id')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/checkpoints.js')).create as Handler));
  checkpoint.command('list').description('named checkpoints, here and on the remote, newest first')
    .option('--offline', 'do not read the remote').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/checkpoints.js')).list as Handler));
  checkpoint.command('restore <name>').description('put branch, index and work tree back as they were at the checkpoint (snapshot first; dx-hooks undo reverses it)')
    .option('--force', 'restore even over protected paths or work another branch would leave behind').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/checkpoints.js')).restore as Handler));
  checkpoint.command('rm <name>').description('delete a checkpoint here and on the remote (dx-hooks undo brings it back)')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/checkpoints.js')).rm as Handler));

  program.command('rollback [n]').description('take the last N commits (default 1) off the branch, keeping their changes staged (snapshot first; dx-hooks undo reverses it)')
    .option('--force', 'roll back even commits that touched protected paths, or merges').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/rollback.js')).run as Handler));

  program.command('undo [id]').description('reverse an operation from the ledger (newest by default); the undo itself can be undone')
    .option('--list', 'list what can be undone, newest first').option('--force', 'undo even what was already undone, or move the branch over conflicting local changes')
    .option('--dry-run', 'name the operation undo would reverse and what it would change, and change nothing')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/undo.js')).run as Handler));

  program.command('commit').description('an attributed commit for a coding agent: [<agent>] <task>: <description>, with Agent/Task/Assisted-by trailers; secrets and oversized files are left out')
    .option('--agent <name>', 'the agent (a slug: claude-code, codex, gemini-cli, …)').option('--task <id>', 'the task this commit is for')
    .option('-m, --message <description>', 'what the change does').option('--model <model>', 'the model (Assisted-by: <agent>:<model>)')
    .option('--session <id>', 'the agent session (Agent-Session trailer)').option('--files <paths...>', 'stage and commit only these paths (default: every change)')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/commit.js')).run as Handler));

  const session = program.command('session').description('agent sessions (state, transcript) saved in git refs: refs/dx/sessions/<host>/<agent>/<id>');
  session.command('save <id>').description('save a session\'s state (and the agent\'s transcript) as a new commit on its ref; secrets are redacted first')
    .option('--agent <name>', 'the agent (a slug: claude-code, codex, …)').option('--file <path>', 'the state JSON (- or none: stdin)')
    .option('--transcript <file>', 'the agent\'s own transcript file (JSON lines)').option('--snapshot <sha>', 'the code snapshot of this turn (the save\'s second parent)')
    .option('--wait', 'push the session before returning (default: the background worker does)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).save as Handler));
  session.command('list').description('sessions saved here, newest first').option('--all-hosts', 'every host\'s sessions: here and on the remote').option('--offline', 'do not read the remote').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).list as Handler));
  session.command('show <id>').description('what a session holds: turns, messages, transcript, current task')
    .option('--agent <name>', 'the agent, when several have a session of that id').option('--host <host>', 'another host\'s session (fetched from the remote)').option('--offline', 'do not fetch').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).show as Handler));
  session.command('restore <id>').description('write a session\'s state back (stdout, or --out), and its transcript (--transcript-out)')
    .option('--agent <name>', 'the agent, when several have a session of that id').option('--host <host>', 'another host\'s session (fetched from the remote)').option('--offline', 'do not fetch')
    .option('--checkpoint <name>', 'the state saved with that checkpoint (checkpoint create --session), not the newest')
    .option('--out <file>', 'write the state JSON here').option('--transcript-out <file>', 'write the transcript here')
    .option('--force', 'replace files that exist').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).restore as Handler));
  session.command('rewind <id>').description('take the work tree (default) and/or the conversation back to the end of a turn (snapshot first; dx-hooks undo reverses it)')
    .option('--turn <n>', 'the turn (dx-hooks session show lists them)').option('--code', 'the work tree (the default)').option('--conversation', 'the conversation: a fork of the transcript up to that turn')
    .option('--both', 'code and conversation').option('--dry-run', 'say what would change, change nothing').option('--force', 'change protected paths too')
    .option('--agent <name>', 'the agent, when several have a session of that id').option('--host <host>', 'a fetched session of another host')
    .option('--transcript-out <file>', 'write the forked transcript here (default: where the agent reads it, for Claude Code)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).rewind as Handler));
  session.command('rm <id>').description('remove this host\'s session here and on the remote (dx-hooks undo brings it back)')
    .option('--agent <name>', 'the agent, when several have a session of that id').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/session.js')).rm as Handler));

  const agent = program.command('agent').description('an agent\'s lifecycle hooks (Claude Code, Codex, Gemini CLI): a snapshot every turn, destructive shell commands judged first, sessions saved');
  agent.command('install <agent>').description('add dx-hooks\' entries to the agent\'s settings (the user\'s own settings and hooks are kept byte for byte)')
    .option('--shared', 'Claude Code: the committed .claude/settings.json instead of .claude/settings.local.json')
    .option('--mcp', 'also register dx-hooks\' MCP server (Claude Code: .mcp.json; Gemini CLI: its settings\' mcpServers)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/agent.js')).install as Handler));
  agent.command('uninstall <agent>').description('take dx-hooks\' entries out again (the file exactly as it was, when unchanged since)')
    .option('--shared', 'Claude Code: .claude/settings.json').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/agent.js')).uninstall as Handler));
  agent.command('status').description('each agent\'s hooks here: installed, outdated or missing').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/agent.js')).status as Handler));
  agent.command('event <agent>', { hidden: true }).description('(internal) one hook event: the agent\'s JSON on stdin')
    .action(action(async () => (await import('./commands/agent-event.js')).event as Handler));
  agent.command('drain', { hidden: true }).description('(internal) save the agent turns waiting in the inbox').option('--dx-dir <dir>', 'the repository\'s dx dir (the hook script\'s own)')
    .action(action(async () => (await import('./commands/agent-event.js')).drain as Handler));

  program.command('mcp').description('an MCP server on stdio for agents: status, checkpoints, rollback, undo, WIP restore, attributed commits, sessions, rewind, diagnose')
    .action(action(async () => (await import('./commands/mcp.js')).run as Handler));

  program.command('log').description('the ledger, newest first: what dx-hooks and the hooks changed, when, on which host')
    .option('--since <duration>', 'only events newer than this (30m, 24h, 7d)').option('--path <path>', 'only events touching this path')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/log.js')).run as Handler));

  program.command('restore').description('bring another host\'s WIP back as a new branch rescue/<host>/<branch>')
    .option('--host <host>', 'host whose WIP to restore').option('--branch <branch>', 'branch of that host')
    .option('--remote <name>', 'remote to read (default: .dxrc remote, the upstream remote, or origin)')
    .option('--list', 'only list every host\'s WIP, newest first').option('--limit <n>', 'list or offer at most n (0: all; --json: always all)', '50').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/restore.js')).run as Handler));

  const index = program.command('index').description('the index branch dx/index: which host has which WIP');
  index.command('show').description('print the index').option('--json', 'print the raw JSON')
    .action(action(async () => (await import('./commands/index-cmd.js')).show as Handler));
  index.command('rebuild').description('rebuild the index from the WIP refs on the remote').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/index-cmd.js')).rebuild as Handler));

  program.command('role [role]').description('this machine\'s role: active (sync only fetches; auto-checkpoint on) or reference (sync backs up, then resets hard to the remote); no argument or "status" shows it')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/role.js')).run as Handler));

  manyRepos(program.command('sync [paths...]').description('role-aware sync of this repository or many (--all: the machine config\'s list; --repos or paths: paths or globs); resumable'))
    .option('--force', 'reset a reference repository even when that rewinds protected paths (everything is backed up first)')
    .option('--dry-run', 'show what each repository would do, change nothing').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/sync.js')).run as Handler));

  const schedule = program.command('schedule').description('periodic checkpoints of every active repository, or (--guard) guard runs over every repository (systemd user timer, launchd agent, or a crontab line)');
  schedule.command('install').description('write and enable the scheduler entry that runs `dx-hooks checkpoint --all` (with --guard: `dx-hooks guard --all`)')
    .option('--guard', 'schedule the guard (critical files) instead of checkpoints')
    .option('--every <duration>', 'interval (5m, 15m, 1h; default 15m, with --guard 5m)').option('--scheduler <kind>', 'systemd, launchd or cron (default: what this machine has)')
    .option('--dry-run', 'show the files and commands, change nothing').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/schedule.js')).install as Handler));
  schedule.command('uninstall').description('disable and remove the scheduler entry')
    .option('--guard', 'the guard\'s entry instead of the checkpoints\'').option('--scheduler <kind>', 'systemd, launchd or cron (default: what this machine has)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/schedule.js')).uninstall as Handler));
  schedule.command('status').description('whether the scheduler entry is installed, and its interval')
    .option('--guard', 'the guard\'s entry instead of the checkpoints\'').option('--scheduler <kind>', 'systemd, launchd or cron (default: what this machine has)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/schedule.js')).status as Handler));

  program.command('prune').description('WIP retention: list WIP refs on the remote older than the limit; delete the merged ones with --yes')
    .option('--older-than <duration>', 'age by committer date (30m, 24h, 30d)', '30d').option('--yes', 'delete (without it: a dry run)')
    .option('--include-unmerged', 'also delete refs whose commits exist nowhere else on the remote')
    .option('--remote <name>', 'remote to prune (default: .dxrc remote, the upstream remote, or origin)').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/prune.js')).run as Handler));

  program.command('guard').description('are the critical files (.dxrc guard.critical) there, and executable where asked? Exit 1 on drift; each new drift is logged to telemetry once')
    .option('--repair', 'bring missing files back (from HEAD, else the last commit or WIP snapshot that had them) and set lost exec bits; snapshot first, dx-hooks undo reverses it')
    .option('--watch', 'keep running: check on file-system events near the critical paths and every --interval')
    .option('--interval <duration>', 'with --watch: check at least this often (default 60s)')
    .option('--all', 'every repository in the machine config\'s list (what the scheduler runs)')
    .option('--repos <paths...>', 'these repositories (paths or globs) instead of the current one')
    .addOption(new Option('--from-hook', 'internal: the hooks\' detached run (a drift exits 0)').hideHelp())
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/guard.js')).run as Handler));

  program.command('diagnose [paths...]').description('history-aware verdict on vanished or broken files: current state, every commit and dx-hooks operation that touched each path, one verdict and the command that brings it back')
    .option('--since <when>', 'list only history newer than this (24h, 7d, or a date); the verdict always reads all of it')
    .option('--until <when>', 'with --report: the end of the window (default: no end)')
    .option('--report <file>', 'write a forensics report (JSON) over every protected and critical path to <file>')
    .option('--force', 'with --report: overwrite <file>')
    .option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/diagnose.js')).run as Handler));

  program.command('doctor').description('find what is wrong with dx-hooks here (and with interrupted batches); --fix repairs what it can')
    .option('--fix', 'repair what can be repaired').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/doctor.js')).run as Handler));

  const secrets = program.command('secrets').description('commits whose WIP mirror is held because they add what looks like a secret (exit 1 while any is held)')
    .enablePositionalOptions().option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/secrets.js')).run as Handler));
  secrets.command('release [shas...]').description('let held commits be mirrored once you have decided (a later commit that removes the secret does not release it)')
    .option('--all', 'every held commit').option('--json', 'print JSON')
    .action(action(async () => (await import('./commands/secrets.js')).release as Handler));

  program.command('shell-init <shell>').description('print a bash/zsh git function that snapshots before destructive git commands (eval it in your shell rc)')
    .action(action(async () => (await import('./commands/shell-init.js')).shellInit as Handler));

  program.command('shim <action>').description('install|uninstall a git wrapper for PATH (agents and scripts that run git directly)')
    .action(action(async () => (await import('./commands/shell-init.js')).shim as Handler));

  program.command('guard-git [gitArgs...]', { hidden: true }).description('internal: the git guard\'s check before a destructive command')
    .allowUnknownOption().helpOption(false)
    .action(action(async () => (await import('./commands/guard-git.js')).run as Handler));

  program.command('hook <name> [args...]', { hidden: true }).description('internal: a hook\'s foreground check (pre-commit, pre-push, reference-transaction)')
    .action(action(async () => (await import('./commands/hook.js')).run as Handler));

  program.command('hook-worker', { hidden: true }).description('internal: the work the hook shims hand over')
    .option('--foreground', 'report failures on stderr and wait for the lock').option('--no-refresh', 'skip refreshing other hosts\' WIP warnings')
    .option('--wait-lock <ms>', 'how long to wait for another worker (ms)')
    .option('--deadline <ms>', 'give up (leaving the rest pending) after this many ms: the user is waiting (pre-push)')
    .action(action(async () => (await import('./commands/hook-worker.js')).run as Handler));
  return program;
}

/**
 * Run the CLI on `argv` (node's shape: [node, script, ...args]); sets process.exitCode, never throws.
 * The launcher (launch/cli.ts) calls it once the bundle is loaded.
 */
export async function main(argv: string[] = process.argv): Promise<void> {
  quietOnClosedPipe();
  try {
    if (argv[2] === '-V' || argv[2] === '--version') {
      const { packageVersion } = await import('./core/install/assets.js');
      process.stdout.write(packageVersion() + '\n');
      return;
    }
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // With --json the error is JSON on stdout too, for every command (report-error.ts).
    process.exitCode = reportError(err, json ?? wantsJson(argv.slice(2)));
  }
}

/**
 * Every command's path, as words (`['session', 'save']`, `['status']`), hidden ones included: the launcher
 * names a command's code cache after the path its arguments start with (launch/code-cache.ts), and the
 * build writes this list into it (scripts/post-build.mjs).
 */
export function commandPaths(): string[][] {
  const out: string[][] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...prefix, sub.name()];
      out.push(p);
      walk(sub, p);
    }
  };
  walk(buildProgram(), []);
  return out;
}
