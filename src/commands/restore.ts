/** `dx-hooks restore [--host H --branch B] [--list] [--limit N] [--json]`: bring another host's WIP back as `rescue/<host>/<branch>`. */
import pc from 'picocolors';
import { DxError, EXIT } from '../core/errors.js';
import { listWip, restoreWip } from '../core/restore.js';
import { openSession } from '../core/session.js';
import { age } from '../core/time.js';
import { out, printJson, safe, shellQuote, warn } from './common.js';

/**
 * `--limit`: a count of entries, 0 for all (default 50): what the list prints and the picker offers is
 * bounded whatever the index holds (issue 12); --json always carries every entry.
 * @throws DxError USAGE (exit 2) for anything but a whole number ≥ 0
 */
function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  if (!/^\d{1,6}$/.test(raw)) throw new DxError('USAGE', `--limit ${JSON.stringify(raw)} is not a whole number`, 'Give how many to list, e.g. --limit 20, or --limit 0 for all.', EXIT.USAGE);
  return Number(raw);
}

/** Restore one WIP (flags or TTY picker) or list them. Returns 0; throws DxError USAGE (exit 2), WIP_NOT_FOUND (exit 1). */
export async function run(opts: { host?: string; branch?: string; list?: boolean; limit?: string; json?: boolean; remote?: string; cwd: string }): Promise<number> {
  const limit = parseLimit(opts.limit);
  const s = await openSession(opts.cwd);
  if (opts.host && opts.branch && !opts.list) {
    const r = await restoreWip(s, opts.host, opts.branch, opts.remote);
    if (opts.json) printJson(r);
    else out(pc.green(`✔ restored ${safe(r.ref)} (${r.sha.slice(0, 12)}) as branch ${pc.bold(safe(r.branch))}`) + `\n  look: git log ${shellQuote(r.branch)} --   take it: git switch ${shellQuote(r.branch)}`);
    return 0;
  }
  if (opts.host || opts.branch) {
    if (!opts.list) throw new DxError('USAGE', 'restore needs both --host and --branch', 'Example: dx-hooks restore --host laptop --branch main (list them: dx-hooks restore --list)', EXIT.USAGE);
  }
  const { entries, remote, note } = await listWip(s, opts.remote);
  const shown = entries.filter((e) => (!opts.host || e.host === opts.host) && (!opts.branch || e.branch === opts.branch));
  if (note) warn(note);
  if (opts.list || !process.stdin.isTTY || !process.stdout.isTTY || opts.json) {
    if (opts.json) printJson({ remote, entries: shown });
    else {
      out(`WIP on ${remote}, newest first:`);
      if (!shown.length) out('  none');
      if (limit && shown.length > limit) out(`  (the ${limit} newest of ${shown.length}; narrow with --host or --branch, all of them: --limit 0 or --json)`);
      for (const e of limit ? shown.slice(0, limit) : shown) out(`  ${safe(e.host).padEnd(12)} ${safe(e.branch).padEnd(24)} ${safe(e.sha.slice(0, 12))} ${age(e.ts).padEnd(8)} ${e.dirty ? 'dirty ' : ''}${safe(e.message)}`);
      if (!opts.list) out(`Restore one: dx-hooks restore --host <host> --branch <branch>`);
    }
    if (opts.list || opts.json) return 0;
    throw new DxError('USAGE', 'no terminal to ask which WIP to restore', 'Pick one with --host <host> --branch <branch> (listed above).', EXIT.USAGE);
  }
  if (!shown.length) {
    out(`No WIP on ${remote} yet.`);
    return 0;
  }
  const { select } = await import('@inquirer/prompts');
  if (limit && shown.length > limit) out(`The ${limit} newest of ${shown.length} WIP refs (narrow with --host or --branch, or --limit 0):`);
  const pick = await select({
    message: 'Which WIP do you want back (as a new rescue/ branch)?',
    choices: (limit ? shown.slice(0, limit) : shown).map((e) => ({ name: `${safe(e.host)} / ${safe(e.branch)}  ${safe(e.sha.slice(0, 12))}  ${age(e.ts)}  ${e.dirty ? '(dirty) ' : ''}${safe(e.message)}`, value: e })),
  });
  const r = await restoreWip(s, pick.host, pick.branch, remote);
  out(pc.green(`✔ restored ${safe(r.ref)} (${r.sha.slice(0, 12)}) as branch ${pc.bold(safe(r.branch))}`) + `\n  take it: git switch ${shellQuote(r.branch)}`);
  return 0;
}
