/** `dx-hooks status --all | --repos <paths|globs…>`: triage of many repositories, one row each, problems first; a resumable batch. */
import pc from 'picocolors';
import { resolveHost } from '../core/host.js';
import { loadMachineConfig } from '../core/machine.js';
import { sortRows, worst, type TriageRow } from '../core/triage/row.js';
import { triageRepo } from '../core/triage/row.js';
import { age, span } from '../core/time.js';
import type { BatchTarget } from '../core/batch/target.js';
import { batchExit, runBatchCommand, showRepo, targetRepos, type BatchFlags } from './batch-ui.js';
import { out, printJson, safe } from './common.js';

function abCell(r: TriageRow): string {
  if (!r.upstream) return 'no upstream';
  return `${r.upstream.ahead}↑ ${r.upstream.behind}↓`;
}

function wipCell(r: TriageRow): string {
  if (r.wip.pending) return pc.red(`FAILED (${r.wip.pending} pending)`);
  if (!r.wip.lastPushedAt) return r.installed ? 'never' : 'not installed';
  return `${r.wip.lastResult === 'error' ? pc.red('failed') : 'ok'} ${age(r.wip.lastPushedAt)}`;
}

/** The one-line summary of a row (plain progress lines). */
export function rowSummary(r: TriageRow): string {
  const w = worst(r);
  const first = r.problems.find((p) => p.level !== 'info') ?? r.problems[0];
  return `${r.branch ?? '(detached)'} ${abCell(r)}, ${r.dirty} dirty${w === 'ok' ? '' : ` — ${first?.code}`}`;
}

/** Print rows as a table, then each row's problems. */
function printTable(rows: TriageRow[]): void {
  const head = ['', 'REPOSITORY', 'BRANCH', 'AHEAD/BEHIND', 'DIRTY', 'ONLY HERE', 'LAST WIP BACKUP', 'NEWER ELSEWHERE', 'ROLE'];
  const cells = rows.map((r) => {
    const w = worst(r);
    return [
      w === 'error' ? pc.red('✖') : w === 'warning' ? pc.yellow('!') : pc.green('✔'),
      showRepo(r.repo),
      r.branch ?? '(detached)',
      abCell(r),
      String(r.dirty),
      r.localOnly.count ? `${r.localOnly.count} (oldest ${span(r.localOnly.oldest ?? 0)})` : '0',
      wipCell(r),
      r.others.length ? r.others.map((o) => safe(o.host)).join(',') : '-',
      r.role,
    ];
  });
  // eslint-disable-next-line no-control-regex
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => visible(c[i] as string))));
  const line = (c: string[]) => c.map((x, i) => x + ' '.repeat((widths[i] as number) - visible(x))).join('  ').trimEnd();
  out(pc.bold(line(head)));
  cells.forEach((c) => out(line(c)));
  for (const r of rows) {
    const shown = r.problems.filter((p) => p.level !== 'info');
    if (!shown.length) continue;
    out('');
    out(pc.bold(showRepo(r.repo)));
    for (const p of shown) out(`  ${p.level === 'error' ? pc.red('✖') : pc.yellow('!')} ${p.code}: ${p.message}`);
  }
}

/** Run the triage batch. Exit 1 when a repository has work only here whose backup failed, or could not be read. */
export async function runTriage(opts: BatchFlags & { target: Exclude<BatchTarget, { kind: 'here' }>; cwd: string }): Promise<number> {
  const machine = await loadMachineConfig();
  const repos = await targetRepos(opts.target, machine, opts.cwd);
  const host = resolveHost(machine.host);
  const result = await runBatchCommand<TriageRow>('status', repos, opts, rowSummary, async (repo) => ({ status: 'ok', result: await triageRepo(repo, machine, host) }), worst);
  const rows = sortRows(result.items.filter((i) => i.status === 'ok' && i.result).map((i) => i.result as TriageRow));
  const failed = result.items.filter((i) => i.status === 'failed').map((i) => ({ repo: i.repo, error: i.error ?? '' }));
  const bad = failed.length > 0 || rows.some((r) => worst(r) === 'error');
  if (opts.json) printJson({ host, rows, failed, interrupted: result.interrupted, progress: result.file });
  else {
    out('');
    printTable(rows);
    for (const f of failed) out(pc.red(`✖ ${showRepo(f.repo)}: ${f.error}`));
    const errors = rows.filter((r) => worst(r) === 'error').length;
    out('');
    out(`${rows.length + failed.length} repositories: ${errors ? pc.red(`${errors} with work only here whose backup failed`) : 'no work at risk'}${failed.length ? pc.red(`, ${failed.length} unreadable`) : ''}`);
  }
  return batchExit(result, bad ? 1 : 0);
}
