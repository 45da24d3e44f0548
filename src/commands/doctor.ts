/** `dx-hooks doctor [--fix] [--json]`: one line per problem (code, severity, message, fixable); --fix repairs what it can, then checks again. */
import pc from 'picocolors';
import { runDoctor } from '../core/doctor/run.js';
import type { DiagnosticReport } from '../core/doctor/types.js';
import { out, printJson } from './common.js';

function print(d: DiagnosticReport): void {
  const mark = d.fixed ? pc.green('✔ fixed') : d.severity === 'error' ? pc.red('✖') : pc.yellow('!');
  const [first, ...rest] = d.message.split('\n');
  out(`${mark} ${d.code}: ${first}`);
  rest.forEach((l) => out(`    ${l}`));
  if (d.fixResult) out(`    ${d.fixed ? '' : 'not fixed: '}${d.fixResult}`);
  if (!d.fixed && d.hint) out(`    ${d.fixable ? 'fix: ' : 'hint: '}${d.hint}`);
}

/** Diagnose (and fix) the repository of `opts.cwd` and the user-level state. Exit 1 when an error remains, else 0. */
export async function run(opts: { fix?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const report = await runDoctor({ cwd: opts.cwd, fix: opts.fix });
  if (opts.json) {
    printJson(report);
    return report.errors > 0 ? 1 : 0;
  }
  const where = report.repo ?? 'outside any repository: user-level checks only';
  if (!report.diagnostics.length) {
    out(pc.green(`✔ dx-hooks doctor: no problems found (${where})`));
    return 0;
  }
  out(pc.bold(`dx-hooks doctor: ${where}`));
  report.diagnostics.forEach(print);
  const warnings = report.diagnostics.filter((d) => d.severity === 'warning' && !d.fixed).length;
  const fixed = report.diagnostics.filter((d) => d.fixed).length;
  const fixable = report.diagnostics.filter((d) => d.fixable && !d.fixed).length;
  const summary = [
    opts.fix ? `${fixed} fixed` : '',
    report.errors ? pc.red(`${report.errors} error(s) remain`) : 'no errors remain',
    warnings ? `${warnings} warning(s)` : '',
    !opts.fix && fixable ? `run dx-hooks doctor --fix to repair ${fixable}` : '',
  ].filter(Boolean);
  out(summary.join(', '));
  return report.errors > 0 ? 1 : 0;
}
