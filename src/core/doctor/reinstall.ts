/**
 * The fix of every hook problem (HOOKS_MISSING, HOOKS_OUTDATED, HOOKS_SHADOWED): install again
 * through the install core (plan, then apply), so chained hooks and husky's files are handled
 * exactly as `dx-hooks install` handles them. Run once per doctor run, however many problems share it.
 */
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { describeError, DxError } from '../errors.js';
import { applyInstall } from '../install/apply.js';
import { readManifest, type Manifest } from '../install/manifest.js';
import { describeAction, planInstall, type InstallPlan } from '../install/plan.js';
import { appendLedger } from '../ledger.js';
import { registerRepo } from '../machine.js';
import type { Session } from '../session.js';
import { once } from './shared.js';

/**
 * Plan the re-install. core.hooksPath outside the repository is refused as `install` refuses it,
 * unless dx-hooks was installed right there before (with `install --force`).
 */
async function plan(ctx: RepoContext, manifest: Manifest | null): Promise<InstallPlan> {
  try {
    return await planInstall(ctx);
  } catch (err) {
    if (!(err instanceof DxError) || err.code !== 'HOOKS_PATH_SHARED' || !manifest) throw err;
    const forced = await planInstall(ctx, { force: true });
    if (path.resolve(ctx.top, manifest.hooksDir) !== forced.hooksDir) throw err;
    return forced;
  }
}

/**
 * A re-install fix for `ctx`. With a `session` (the config is valid) the shims' caches (push mode,
 * protected and critical paths) are rewritten too. An existing install is repaired without writing
 * `.dxrc.json` (a config the user deleted stays deleted: the defaults apply); a repository without
 * any install gets the full install. The ledger line (`doctor.fix`) is written before any file changes.
 * @returns a function running the re-install once (the first call's `code` goes to the ledger) and describing what it did
 * @throws (from the returned function) DxError INSTALL_CONFLICT, HOOKS_PATH_SHARED, fs errors
 */
export function reinstaller(ctx: RepoContext, host: string, session: Session | null): (code: string) => Promise<string> {
  let firstCode = '';
  const run = once(async () => {
    const m = readManifest(ctx);
    const p = await plan(ctx, m && !('error' in m) ? m : null);
    if (m !== null) p.actions = p.actions.filter((a) => a.kind !== 'create-config');
    const lines = p.actions.map((a) => describeAction(a, ctx.top));
    appendLedger(ctx, { host, op: 'doctor.fix', ok: true, detail: { code: firstCode, fix: 'reinstall', hooksDir: p.hooksDir, husky: p.huskyDir, actions: lines } });
    try {
      applyInstall(ctx, p);
    } catch (err) {
      appendLedger(ctx, { host, op: 'doctor.fix', ok: false, error: (err as Error).message, detail: { code: firstCode, fix: 'reinstall' } });
      throw err;
    }
    // As install does: the repository joins the machine config's list (batch commands, the scheduled guard).
    let registered = '';
    try {
      if (await registerRepo(ctx.top)) registered = '; added the repository to the machine config';
    } catch (err) {
      registered = `; could NOT add the repository to the machine config (${describeError(err)})`;
    }
    if (session) {
      try {
        const { writeHookState } = await import('../hookstate/write.js');
        await writeHookState(session);
      } catch (err) {
        // The hooks send every check to node while their state is missing or older than .dxrc: only slower.
        registered += `; could NOT write the hook state (${describeError(err)})`;
      }
    }
    return `re-installed the hooks in ${p.hooksDir}${p.huskyDir ? ` (husky: ${p.huskyDir})` : ''}${registered}`;
  });
  return (code: string) => {
    firstCode ||= code;
    return run();
  };
}
