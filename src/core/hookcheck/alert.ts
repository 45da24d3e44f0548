/**
 * The hooks alert: `<git-common-dir>/dx/hooks-alert`, one line per problem `checkHookHealth` found,
 * which every hook prints with the banner (runtime.sh) and `status` shows, until the hooks are
 * right again — then it is removed. Written by node only, as safe text.
 */
import { appendLedger } from '../ledger.js';
import { describeError } from '../errors.js';
import fs from 'node:fs';
import path from 'node:path';
import { alertEpisode } from '../alert/send.js';
import type { RepoContext } from '../context.js';
import { ledgerHost } from '../host.js';
import { loadMachineConfig, type MachineConfig } from '../machine.js';
import { readStoreText } from '../store/read.js';
import { rmInside, writeInside } from '../nofollow.js';
import { safeText } from '../text/safe.js';
import { HOOKS_ALERT, STAMP } from './files.js';
import { checkHookHealth, effectiveHooksDir, type HookHealth, type HookProblem } from './health.js';

/** When install last wrote the stamp (ms since the epoch; 0 when absent). */
function stampMs(ctx: RepoContext): number {
  try {
    return fs.statSync(path.join(ctx.dxDir, 'hooks', STAMP)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The alert's text for `problems` (null: none). Pure. */
export function hookAlertText(problems: readonly HookProblem[]): string | null {
  if (!problems.length) return null;
  return problems.map((p) => safeText(`dx-hooks: ${p.message} — work is NOT protected there; fix: dx-hooks doctor --fix`)).join('\n') + '\n';
}

/**
 * Write (or remove) the alert file of `ctx` to match `problems`; unchanged text is not rewritten.
 * `partial`: the check did not ask git where hooks run, so a line saying core.hooksPath moved stays.
 * Returns the alert's text now (null: none).
 */
export function writeHookAlert(ctx: RepoContext, problems: readonly HookProblem[], partial = false): string | null {
  const file = path.join(ctx.dxDir, HOOKS_ALERT);
  let now: string | null = null;
  try {
    now = readStoreText(file);
  } catch {
    now = null;
  }
  const kept = partial ? (now ?? '').split('\n').filter((l) => l.includes('(core.hooksPath')) : [];
  const fresh = hookAlertText(problems);
  const text = kept.length ? kept.join('\n') + '\n' + (fresh ?? '') : fresh;
  if (text !== now) {
    if (text) writeInside(ctx.commonDir, file, text);
    else rmInside(ctx.commonDir, file);
  }
  return text;
}

/**
 * Check `ctx`'s hooks and bring the alert file up to date. `askGit` (commands: status, sync, the
 * scheduled jobs) also asks git where it runs hooks from now (one `git rev-parse`); the hook worker passes false.
 * Not installed: nothing is written. @throws only when the alert file cannot be written (a link in the way)
 */
export async function refreshHookAlert(ctx: RepoContext, opts: { askGit: boolean; machine?: MachineConfig }): Promise<HookHealth> {
  const started = Date.now();
  const health = checkHookHealth(ctx, { hooksDir: opts.askGit ? await effectiveHooksDir(ctx) : null });
  if (!health.installed) return health;
  // An install or `doctor --fix` finished while this check ran (it writes the stamp last): its answer is out of date.
  if (stampMs(ctx) > started) return health;
  const text = writeHookAlert(ctx, health.problems, !opts.askGit);
  // Protection stopping (and coming back) is an episode too: one alert each way (core/alert/).
  const host = await ledgerHost(opts.machine);
  const machine = opts.machine ?? (await loadMachineConfig().catch((err: unknown) => {
    // A broken machine config sends no alert: said in the ledger, never silent.
    appendLedger(ctx, { host, op: 'alert', ok: false, error: `the machine config cannot be read, so no alert was sent: ${describeError(err)}` });
    return {} as MachineConfig;
  }));
  alertEpisode(ctx, machine, host, 'hooks', text);
  return health;
}
