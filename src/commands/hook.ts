/** `dx-hooks hook <name> [args…]` (internal): the foreground checks the hook runtime hands to node — only when sh found something to check. */
import { describeError, DxError } from '../core/errors.js';
import { recordFailure } from '../core/loud.js';
import { openSession } from '../core/session.js';
import { errLine } from './print.js';
import { safeLine } from '../core/text/safe.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A config that cannot be loaded (the work tree's .dxrc, or the machine config): what the hook state's `config invalid` stands for. */
export function configError(err: unknown): boolean {
  return err instanceof DxError && (err.code.startsWith('CONFIG_') || err.code === 'MACHINE_CONFIG_INVALID');
}

/** Mark this worktree's hook state `config invalid`; a failure to do so is loud (stderr, ledger) but never blocks git. */
export async function markInvalid(cwd: string): Promise<void> {
  try {
    const [{ openRepo }, { markHookStateInvalid }] = await Promise.all([import('../core/context.js'), import('../core/hookstate/write.js')]);
    markHookStateInvalid(await openRepo(cwd));
  } catch (err) {
    errLine(`dx-hooks: could not mark the hook state "config invalid" — ${describeError(err)}`);
    await recordFailure(cwd, 'hook.state', 'marking the hook state "config invalid" failed', err);
  }
}

/**
 * `hook cache`: the runtime found this worktree's hook state missing, of another format, or older than
 * `.dxrc`, and asks for it to be rewritten. Any failure (a .dxrc node cannot load, a tree git cannot
 * list) marks it careful (`config invalid`), so the runtime does not start node again on every hook
 * until `.dxrc` changes; and is loud: stderr, the ledger and the banner. Returns 0, or 1 on failure.
 */
async function cacheHookState(cwd: string): Promise<number> {
  try {
    const s = await openSession(cwd);
    const { writeHookState } = await import('../core/hookstate/write.js');
    await writeHookState(s);
    return 0;
  } catch (err) {
    await markInvalid(cwd);
    errLine(`dx-hooks: could not rewrite the hook state — ${describeError(err)}`);
    await recordFailure(cwd, 'hook.cache', 'rewriting the hook state failed', err);
    return 1;
  }
}

/** Exit code meaning "deliberately refused" (the runtime turns it into git's exit 1); anything else non-zero is a crash the runtime reports without blocking git. */
export const REFUSED = 10;

/**
 * Run one hook's check. Returns 0 (allow) or REFUSED. A check that fails is loud (stderr, ledger,
 * banner) and lets git go on — except a branch deletion whose old tip could not be kept, which is
 * refused so nothing becomes unreachable, and a branch move whose protected-path check failed
 * (fail closed; bypass for both: DX_HOOKS=0).
 */
export async function run(opts: { name: string; args?: string[]; cwd: string }): Promise<number> {
  if (opts.name === 'health') {
    // Started in the background by the runtime when a hooks folder changed (issue 11): the alert file is the output.
    const [{ openRepo }, { refreshHookAlert }] = await Promise.all([import('../core/context.js'), import('../core/hookcheck/alert.js')]);
    try {
      await refreshHookAlert(await openRepo(opts.cwd), { askGit: true });
    } catch (err) {
      // The runtime already refreshed its stamp: a check that failed must say so (ledger, banner), or nothing would.
      await recordFailure(opts.cwd, 'hook.health', 'checking that git still runs dx-hooks\' hooks failed', err);
      return 1;
    }
    return 0;
  }
  if (opts.name === 'cache') return cacheHookState(opts.cwd);
  try {
    return await check(opts);
  } catch (err) {
    errLine(`dx-hooks: the ${opts.name} check failed — ${describeError(err)}`);
    await recordFailure(opts.cwd, `hook.${opts.name}`, `the ${opts.name} check failed`, err);
    if (opts.name === 'reference-transaction' && opts.args?.[0] === 'prepared') {
      errLine('dx-hooks: refusing this ref deletion so its commits stay reachable; to go ahead without dx-hooks: DX_HOOKS=0 git …');
      return REFUSED;
    }
    if (err instanceof DxError && err.code === 'PROTECT_CHECK_FAILED' && ['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'pre-push'].includes(opts.name)) {
      // Fail closed: a protected-path check that cannot decide refuses (the documented override lets it through, logged).
      if (process.env.DX_ALLOW_PROTECTED === '1') {
        errLine('dx-hooks: DX_ALLOW_PROTECTED=1 — going ahead without the protected-path check (logged)');
        return 0;
      }
      errLine(`dx-hooks: refusing: ${err.hint ?? ''}`);
      return REFUSED;
    }
    if (opts.name === 'routes' && opts.args?.[0] === 'prepared') {
      errLine(`dx-hooks: refusing this branch update: it removes files and the protected-path check could not decide (fail closed); to go ahead without dx-hooks: DX_HOOKS=0 git …`);
      return REFUSED;
    }
    return 0;
  }
}

async function check(opts: { name: string; args?: string[]; cwd: string }): Promise<number> {
  // Git runs hooks with its own exec-path first on PATH: our git calls use that git, never a
  // binary an inherited DX_REAL_GIT names (an internal variable is never an override; issue 10).
  delete process.env.DX_REAL_GIT;
  let s;
  try {
    if (['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'pre-push', 'reference-transaction', 'routes'].includes(opts.name)) {
      // A broken or untrusted work-tree .dxrc does not switch protection off: the committed one still applies.
      const { openCheckSession } = await import('../core/protect/inforce.js');
      const opened = await openCheckSession(opts.cwd);
      if (opened.problem) errLine(`dx-hooks: ${describeError(opened.problem)} — checking with the committed .dxrc and the defaults`);
      s = opened.session;
    } else s = await openSession(opts.cwd);
  } catch (err) {
    // .dxrc cannot be loaded: the hook state says so, so the hooks stop asking node to re-read it on
    // every hook (until it changes) and send every check to node, which applies the committed config.
    if (configError(err)) await markInvalid(opts.cwd);
    // A broken config must not block git: warn (loudly) and let the operation through.
    errLine(`dx-hooks: ${opts.name} check skipped — ${describeError(err)}`);
    await recordFailure(opts.cwd, `hook.${opts.name}`, `${opts.name} checks skipped`, err);
    return 0;
  }
  switch (opts.name) {
    case 'prepare-commit-msg': {
      // Attribution never blocks a commit: what went wrong is said, and git goes on (exit 0).
      const { prepareCommitMessage } = await import('../core/agents/prepare-msg.js');
      const r = await prepareCommitMessage(s, opts.args?.[0] ?? '', process.env);
      if (r.kind === 'skipped') errLine(`dx-hooks: the agent attribution trailers were NOT added: ${safeLine(r.why)}`);
      return 0;
    }
    case 'pre-commit':
    case 'pre-merge-commit':
    case 'pre-applypatch': {
      const { checkPreCommit } = await import('../core/protect/precommit.js');
      const v = await checkPreCommit(s, process.env.GIT_INDEX_FILE, process.env, opts.name);
      if (v.message) errLine(v.message);
      return v.refused ? REFUSED : 0;
    }
    case 'reference-transaction': {
      const { handleRefTransaction, parseRefUpdates } = await import('../core/protect/reftx.js');
      const r = await handleRefTransaction(s, opts.args?.[0] ?? '', parseRefUpdates(await readStdin()));
      if (r.message) errLine(r.message);
      if (r.recorded.length) errLine(`dx-hooks: recorded ${r.recorded.length === 1 ? 'a branch rewind/deletion' : `${r.recorded.length} branch rewinds/deletions`} — bring it back with: dx-hooks undo (list: dx-hooks undo --list)`);
      return r.refused ? REFUSED : 0;
    }
    case 'routes': {
      // Issue 10 class 4: a branch move that loses protected paths (prepared: refuse), a stash pop that removed them (committed: say and record).
      const { parseRefUpdates } = await import('../core/protect/reftx.js');
      const { checkBranchMoves, checkStashPop } = await import('../core/protect/routes.js');
      const updates = parseRefUpdates(await readStdin());
      const state = opts.args?.[0] ?? '';
      const r = state === 'prepared' ? await checkBranchMoves(s, updates) : state === 'committed' ? await checkStashPop(s, updates) : null;
      if (r?.message) errLine(r.message);
      return r?.refused ? REFUSED : 0;
    }
    case 'pre-push': {
      const { checkPrePush, parsePushUpdates } = await import('../core/protect/prepush.js');
      // No remote argument (lefthook's job passes none: see install/lefthook.ts): where WIP would go.
      let remote = opts.args?.[0];
      if (!remote) {
        const [{ resolveRemote }, { headState }] = await Promise.all([import('../core/wip/remote.js'), import('../core/head.js')]);
        remote = await resolveRemote(s.ctx, s.config.remote, (await headState(s.ctx)).branch).catch(() => 'origin');
      }
      const v = await checkPrePush(s, remote, parsePushUpdates(await readStdin()));
      if (v.message) errLine(v.message);
      if (v.refused) return REFUSED;
      // Then push this host's pending WIP (never blocking the user's push beyond the deadline).
      const worker = await import('./hook-worker.js');
      return worker.run({ foreground: true, refresh: false, waitLock: '15000', deadline: '25000', cwd: opts.cwd });
    }
    default:
      errLine(`dx-hooks: unknown hook ${opts.name}`);
      return 0;
  }
}
