/**
 * Named checkpoints: `dx-hooks checkpoint create <name> [-m description] [--force]`, `checkpoint list`,
 * `checkpoint restore <name> [--force]`, `checkpoint rm <name>` (all with --json).
 */
import pc from 'picocolors';
import { createCheckpoint } from '../core/checkpoints/create.js';
import { listCheckpoints } from '../core/checkpoints/list.js';
import { removeCheckpoint } from '../core/checkpoints/remove.js';
import { restoreCheckpoint } from '../core/checkpoints/restore.js';
import { openSession } from '../core/session.js';
import { age } from '../core/time.js';
import { out, printJson, safe, shellCommand, warn } from './common.js';

type Opts = { name: string; message?: string; force?: boolean; json?: boolean; offline?: boolean; session?: string; sessionAgent?: string; cwd: string };

/** Create. Returns 1 when the tag could not be pushed (it is kept locally), else 0. */
export async function create(opts: Opts): Promise<number> {
  const s = await openSession(opts.cwd);
  const r = await createCheckpoint(s, opts.name, { description: opts.message, force: opts.force, session: opts.session, sessionAgent: opts.sessionAgent });
  if (opts.json) printJson(r);
  else {
    for (const x of r.snapshot.excluded) warn(`left out of the checkpoint: ${safe(x.path)} (${x.reason === 'size' ? `${x.bytes} bytes, over wip.maxFileSize` : x.reason === 'secret' ? `its content holds a secret: ${safe(x.rules?.join(', ') ?? '')}` : 'a secret file name: the built-in exclusions or wip.exclude'})`);
    out(pc.green(`✔ checkpoint ${pc.bold(opts.name)} = ${r.snapshot.sha.slice(0, 12)} on ${r.checkpoint.branch ?? 'a detached HEAD'}${r.snapshot.dirty ? ' (with uncommitted work)' : ''}${r.replaced ? ' — replaced the old one' : ''}`));
    if (r.checkpoint.session) out(`  with the session state of ${safe(r.checkpoint.session.ref)} at ${r.checkpoint.session.commit.slice(0, 12)}`);
  }
  if (!r.push.ok) {
    warn(`✖ checkpoint "${opts.name}" is kept ONLY on this machine: pushing ${r.checkpoint.ref} to ${r.push.remote || 'the remote'} failed: ${r.push.error}`);
    warn(`  push it yourself once the remote is back: ${r.push.remote ? shellCommand(['git', 'push', '--no-verify', r.push.remote, r.checkpoint.ref]) : `git push --no-verify <remote> ${shellCommand([r.checkpoint.ref])}`}`);
    return 1;
  }
  if (!opts.json) out(`  pushed to ${safe(r.push.remote)}; restore it with: ${shellCommand(['dx-hooks', 'checkpoint', 'restore', opts.name])}`);
  return 0;
}

/** List. Returns 0. */
export async function list(opts: Omit<Opts, 'name'>): Promise<number> {
  const s = await openSession(opts.cwd);
  const r = await listCheckpoints(s, { offline: opts.offline });
  if (r.note) warn(r.note);
  if (opts.json) {
    printJson(r);
    return 0;
  }
  if (!r.entries.length) out('No checkpoints yet. Make one: dx-hooks checkpoint create <name> -m "what it is"');
  for (const c of r.entries) {
    const where = c.remote === null ? '' : c.remote ? '' : pc.yellow(' (only local)');
    out(`  ${pc.bold(safe(c.name).padEnd(20))} ${age(c.time).padEnd(8)} ${safe(c.host || '?').padEnd(10)} ${(c.branch === null ? '(detached)' : safe(c.branch)).padEnd(16)} ${c.dirty ? 'dirty' : 'clean'}  ${safe(c.description)}${where}`);
  }
  return 0;
}

/** Restore. Returns 0; refusals are DxErrors (exit 1). */
export async function restore(opts: Opts): Promise<number> {
  const s = await openSession(opts.cwd);
  const r = await restoreCheckpoint(s, opts.name, { force: opts.force });
  if (opts.json) {
    printJson(r);
    return 0;
  }
  if (r.forced.length) warn(`--force: ${r.forced.join(', ')} overridden (logged)`);
  const linked = new Map(r.throughLinks.map((l) => [l.path, l.link]));
  for (const p of r.kept) warn(linked.has(p) ? `✖ not restored: ${safe(p)} — ${safe(linked.get(p) ?? '')} is a symbolic link, and dx-hooks never writes through one (it stays as it is; the checkpoint still holds the file)` : `left as it is (not in the snapshot: secret, big or ignored file): ${safe(p)}`);
  out(pc.green(`✔ restored checkpoint ${pc.bold(opts.name)}: ${r.branch ?? 'HEAD (detached)'} at ${r.checkpoint.base?.slice(0, 12) ?? '(no commit)'}${r.checkpoint.dirty ? ', its uncommitted work back as uncommitted' : ''}`));
  out(`  the state before is snapshot ${r.snapshot.slice(0, 12)}; go back to it: dx-hooks undo ${r.id}`);
  const ss = r.checkpoint.session;
  if (ss) {
    const id = ss.ref.split('/').pop() ?? '';
    out(`  the agent session state saved with it: ${safe(ss.ref)} at ${ss.commit.slice(0, 12)} — bring it back: ${shellCommand(['dx-hooks', 'session', 'restore', id, '--checkpoint', opts.name, '--out', 'session-state.json'])}`);
  }
  return 0;
}

/** Remove. Returns 1 when the remote tag could not be deleted, else 0. */
export async function rm(opts: Opts): Promise<number> {
  const s = await openSession(opts.cwd);
  const r = await removeCheckpoint(s, opts.name);
  if (opts.json) printJson(r);
  else out(pc.green(`✔ removed checkpoint ${pc.bold(opts.name)} (${r.checkpoint.tag.slice(0, 12)})${r.push?.ok ? ` here and on ${r.push.remote}` : ''}; bring it back: dx-hooks undo ${r.id}`));
  if (r.push && !r.push.ok) {
    warn(`✖ removed locally, but NOT on ${r.push.remote}: ${r.push.error}`);
    return 1;
  }
  return 0;
}
