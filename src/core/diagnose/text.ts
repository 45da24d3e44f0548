/**
 * The readable form of a diagnosis and of a forensics report's summary: lines of text, never
 * printed here (the command prints them). Colours come in from the caller, so core stays terminal-free.
 */
import type { ForensicsReport } from './report.js';
import type { PathReport } from './run.js';
import type { PathState } from './state.js';
import { verdictArg } from './verdict.js';

/** The colour functions the caller supplies (picocolors, or identity). */
export interface Paint { bold(s: string): string; dim(s: string): string; red(s: string): string; green(s: string): string; yellow(s: string): string }

/** `2025-01-30 14:02` (UTC) of Unix seconds. */
export const utcMinute = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** The state in words: `missing from the work tree · HEAD 100755 · index 100755`. */
export function stateText(s: PathState): string {
  const bits: string[] = [];
  if (!s.present) bits.push('missing from the work tree');
  else bits.push(`${s.kind}${s.executable === true ? ', executable' : s.executable === false && s.headMode === '100755' ? ', not executable' : ''}${s.tracked ? '' : ', untracked'}${s.modified === true ? ', modified since HEAD' : s.modified === false ? ', as in HEAD' : ''}`);
  bits.push(s.headMode ? `HEAD ${s.headMode}` : 'not in HEAD');
  bits.push(s.indexMode ? `index ${s.indexMode}` : s.tracked ? 'index: files below it' : 'not in the index');
  return bits.join(' · ');
}

/** The block of one path: state, history newest first, dx-hooks and guard lines, verdict and fix. */
export function pathBlock(r: PathReport, c: Paint, windowNote: string): string[] {
  const out = [c.bold(r.shown === r.path ? r.path : `${r.shown}  (${r.path} in the repository)`), `  state:   ${stateText(r.state)}`];
  out.push(`  history: ${r.history.length ? `${r.history.length} commit(s), newest first (times UTC)` : 'no commit'}${r.hidden.history ? c.dim(` — ${r.hidden.history} more ${windowNote}`) : ''}`);
  for (const e of r.history) {
    const name = e.from ? `${e.from} → ${e.path}` : e.path !== r.path ? e.path : '';
    out.push(`    ${utcMinute(e.committed)}  ${e.sha.slice(0, 12)}  ${e.status}  ${e.oldMode}→${e.newMode}  ${c.dim(e.ref)}  ${e.author}  "${e.subject}"${name ? `  ${c.dim(name)}` : ''}`);
  }
  out.push(`  dx-hooks and guard: ${r.events.length ? `${r.events.length} line(s), newest first` : 'none'}${r.hidden.events ? c.dim(` — ${r.hidden.events} more ${windowNote}`) : ''}`);
  for (const m of r.events) {
    if (m.source === 'ledger') out.push(`    ${utcMinute(m.ts)}  ${m.op} ${c.dim(m.id)} ${m.ok ? '' : c.red('(failed) ')}${c.dim(`[${m.how.join(', ')}]`)}  ${m.summary ?? m.error ?? ''}`.trimEnd());
    else out.push(`    ${utcMinute(m.ts)}  guard ${m.event} ${c.dim(`(entry ${m.entry}, host ${m.host})`)}${m.operation ? `  last operation: ${m.operation}` : ''}`);
  }
  const v = r.verdict;
  const code = `${v.code}${verdictArg({ ...v, fix: r.fix }) ? ` ${verdictArg({ ...v, fix: r.fix })}` : ''}`;
  out.push(`  verdict: ${v.code === 'OK' ? c.green(code) : c.red(code)}`, `           ${v.detail}`);
  const none = v.code === 'OK' ? 'nothing to do' : v.code === 'NEVER_EXISTED' ? c.yellow('none: nothing ever had it') : c.yellow('none: no copy of it was ever kept');
  out.push(`  fix:     ${r.fix ?? none}`);
  return out;
}

/** The on-screen summary of a written report: counts, then the paths with the most changes. */
export function reportSummary(rep: ForensicsReport, file: string, c: Paint, top = 5): string[] {
  const w = rep.window;
  const span = `${w.since === null ? 'the beginning' : utcMinute(w.since)} → ${w.until === null ? 'now' : utcMinute(w.until)} UTC`;
  const out = [c.bold(`forensics report written to ${file}`), `  window: ${span}`];
  if (!rep.covers.protect.length && !rep.covers.critical.length && !rep.covers.named.length) {
    out.push(c.yellow('  no protect.paths and no guard.critical entries in .dxrc: there is nothing to cover; the report is empty'));
    return out;
  }
  const t = rep.totals;
  out.push(`  ${t.paths} path(s) changed · ${t.commits} commit(s) · ${t.dx_operations} dx-hooks operation(s) · ${t.guard_events} guard event(s)`);
  for (const p of rep.paths.slice(0, top)) {
    const tags = [p.protected ? 'protected' : '', p.critical ? 'critical' : ''].filter(Boolean).join(', ');
    const last = p.changes[0];
    const lastText = last ? (last.kind === 'commit' ? `${last.status} in ${last.sha.slice(0, 12)} "${last.subject}"` : `${last.op} ${last.id}`) : `guard ${p.guard[0]?.event ?? ''}`;
    out.push(`    ${p.path}${tags ? c.dim(` (${tags})`) : ''}: ${p.changes.length} change(s), ${p.guard.length} guard event(s); latest: ${lastText}`);
  }
  if (rep.paths.length > top) out.push(c.dim(`    … and ${rep.paths.length - top} more in the file`));
  return out;
}
