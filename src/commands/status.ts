/** `dx-hooks status [--json] [--offline] [--all | --repos <paths|globs…>]`: where is my work — this host, and every other host's WIP; or the triage of many repositories. */
import fs from 'node:fs';
import pc from 'picocolors';
import { dxPaths } from '../core/context.js';
import { openSession } from '../core/session.js';
import { getStatus, type StatusReport } from '../core/status.js';
import { age, clock } from '../core/time.js';
import { triageRepo, worst } from '../core/triage/row.js';
import { batchTarget } from '../core/batch/target.js';
import type { BatchFlags } from './batch-ui.js';
import { out, printJson, retryPending, safe, warn } from './common.js';

/**
 * Print the status report of this repository, or with `--all`/`--repos` the triage of many. Returns 1 while
 * work exists only on this host and its backup failed (a pending push, or commits older than
 * divergence.staleHours that no WIP push covers), or while git does not run dx-hooks' hooks
 * (HOOKS_NOT_RUN: renamed, shadowed, deleted, stale), else 0. @throws DxError on bad config
 */
export async function run(opts: BatchFlags & { json?: boolean; offline?: boolean; cwd: string }): Promise<number> {
  const target = batchTarget(opts);
  if (target.kind !== 'here') {
    const { runTriage } = await import('./triage.js');
    return runTriage({ ...opts, target });
  }
  const s = await openSession(opts.cwd);
  // The hook state (push mode, protected paths, divergence settings) follows the .dxrc just read.
  if (fs.existsSync(dxPaths(s.ctx).install)) {
    const { refreshHookState } = await import('../core/hookstate/write.js');
    const failed = await refreshHookState(s);
    if (failed) warn(`dx-hooks: could not rewrite the hook state (the hooks send every check to node meanwhile) — ${failed}`);
  }
  if (!opts.offline) {
    // dx refs deleted from the remote behind pre-push's back come back first (before the index is read).
    const { guardRemoteRefs, noticeFile, vanishedMessage } = await import('../core/wip/vanished.js');
    const said = vanishedMessage((await guardRemoteRefs(s, { lock: true })) ?? { remote: '', restored: [], unknown: [], failed: [] });
    if (said) {
      warn(said);
      fs.rmSync(noticeFile(s), { force: true });
    }
    await retryPending(s, true);
  }
  const r = await getStatus(s, { offline: opts.offline });
  const triage = await triageRepo(s.ctx, s.machine, s.host);
  const onlyHere = r.pending.length > 0 || r.refPushes.length > 0 || r.collisions.length > 0 || worst(triage) === 'error';
  if (opts.json) {
    printJson({ ...r, role: triage.role, roleSource: triage.roleSource, localOnly: triage.localOnly, problems: triage.problems });
    return onlyHere ? 1 : 0;
  }
  if (r.banner) warn(r.banner);
  out(pc.bold(`host ${r.host}`) + `  remote ${r.remote ?? pc.red(r.remoteError ?? 'none')}  role ${triage.role}${triage.roleSource === 'default' ? '' : ` (${triage.roleSource})`}`);
  out(`  branch    ${r.branch ?? pc.yellow('(detached HEAD)')} ${r.head ? r.head.slice(0, 12) : '(no commits yet)'}`);
  out(`  upstream  ${r.upstream ? `${r.upstream.ref} — ${r.upstream.ahead} ahead, ${r.upstream.behind} behind` : 'none'}`);
  out(`  dirty     ${r.dirty.count ? `${r.dirty.count} file${r.dirty.count === 1 ? '' : 's'}: ${r.dirty.files.slice(0, 5).map(safe).join(', ')}${r.dirty.count > 5 ? ' …' : ''}` : 'clean'}`);
  const w = r.wip;
  const last = w.lastPushedAt ? `${w.lastPushed?.slice(0, 12)} at ${clock(w.lastPushedAt)} (${age(w.lastPushedAt)})` : 'never';
  out(`  WIP       ${w.ref}: last push ${last}${w.lastResult === 'error' ? pc.red(` — last attempt failed: ${w.lastError}`) : ''}`);
  if (r.pending.length) {
    out(pc.red(`  pending   ${r.pending.length} WIP push${r.pending.length === 1 ? '' : 'es'} not on the remote yet:`));
    for (const p of r.pending) out(pc.red(`    ${p.ref} ${p.sha.slice(0, 12)} since ${clock(p.since)}, ${p.attempts} attempt(s): ${p.error}`));
  }
  for (const p of r.refPushes) out(pc.red(`  pending   push of ${p.refs.join(', ')} to ${p.remote || 'the remote (none set up yet)'} since ${clock(p.since)}, ${p.attempts} attempt(s): ${p.error}`));
  if (r.unmirrored) out(pc.red(`  unmirrored ${r.unmirrored.branch} ${r.unmirrored.sha.slice(0, 12)} was never queued for backup (the hook could not write .git/dx?) — the next dx-hooks command or hook pushes it to ${r.unmirrored.ref}`));
  if (r.collisions.length) {
    const { collisionFix, collisionMessage } = await import('../core/wip/collision.js');
    for (const c of r.collisions) out(pc.red(`  collision ${collisionMessage(c)}`));
    out(pc.red(`            fix: ${collisionFix()}`));
  }
  if (r.indexPending) out(pc.red(`  index     update pending since ${clock(r.indexPending.since)}: ${r.indexPending.error}`));
  if (triage.localOnly.count) out(`  only here ${triage.localOnly.count} commit(s) on no remote-tracking ref and in no landed WIP push, oldest ${age(triage.localOnly.oldest ?? 0)}`);
  for (const p of triage.problems.filter((x) => ['LOCAL_ONLY', 'DIVERGED', 'NOT_INSTALLED', 'NO_REMOTE', 'CONFIG_INVALID', 'HOOKS_NOT_RUN'].includes(x.code) && x.level !== 'info')) {
    out((p.level === 'error' ? pc.red : pc.yellow)(`  ${p.code.toLowerCase().padEnd(9)} ${p.message}`));
  }
  if (r.stateCorrupt) warn(`  state     ${r.stateCorrupt} (the next push re-checks the remote)`);
  out('');
  out(pc.bold(`other hosts`) + ` (index: ${r.index.source}${r.index.error ? pc.yellow(` — ${r.index.error}`) : ''})`);
  for (const line of r.index.warnings) warn(`dx-hooks: ${line}`);
  if (!r.others.length) out('  none');
  // ts 0: a time the index gave that was in the future, not believed.
  const SHOWN = 50;
  if (r.others.length > SHOWN) out(`  (the ${SHOWN} newest of ${r.others.length}; all of them: dx-hooks status --json, or dx-hooks restore --list --limit 0)`);
  for (const e of r.others.slice(0, SHOWN)) out(`  ${safe(e.host).padEnd(12)} ${safe(e.branch).padEnd(24)} ${safe(e.sha.slice(0, 12))} ${(e.ts ? age(e.ts) : 'time?').padEnd(8)} ${e.verified ? '' : pc.yellow('unverified ')}${e.dirty ? pc.yellow('dirty ') : ''}${safe(e.message)}`);
  agentsPart(r);
  return onlyHere ? 1 : 0;
}

/** The last commits (an attributed one names its agent and task), the checkpoints and this host's sessions, a few lines each. Every text from git is made safe (it can be another host's). */
function agentsPart(r: StatusReport): void {
  const FEW = 5;
  out('');
  out(pc.bold('recent commits'));
  if (!r.commits.length) out('  none');
  for (const c of r.commits) out(`  ${c.sha.slice(0, 12)} ${age(c.ts).padEnd(8)} ${c.agent ? pc.cyan(`[${safe(c.agent)}${c.task ? ` ${safe(c.task)}` : ''}] `) : ''}${safe(c.subject)}`);
  out(pc.bold('checkpoints') + (r.checkpoints.length > FEW ? ` (the ${FEW} newest of ${r.checkpoints.length}: dx-hooks checkpoint list)` : ''));
  if (!r.checkpoints.length) out('  none');
  for (const c of r.checkpoints.slice(0, FEW)) out(`  ${safe(c.name).padEnd(24)} ${age(c.time).padEnd(8)} ${safe(c.host)} ${safe(c.branch ?? '(detached)')}${c.description ? ` — ${safe(c.description.split('\n')[0] ?? '')}` : ''}`);
  out(pc.bold('sessions') + ` of this host` + (r.sessions.length > FEW ? ` (the ${FEW} newest of ${r.sessions.length}: dx-hooks session list)` : ''));
  if (!r.sessions.length) out('  none');
  for (const x of r.sessions.slice(0, FEW)) out(`  ${safe(x.agent)}/${safe(x.id)}  ${age(x.updated).padEnd(8)} ${safe(x.branch ?? '(detached)')}  ${x.turns} turn(s)`);
}
