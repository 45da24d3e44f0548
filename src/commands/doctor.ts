/** `dx-hooks doctor [--fix] [--json]`: one line per problem (code, severity, message, fixable); --fix repairs what it can. */
import pc from 'picocolors';
import { runDoctor } from '../core/doctor/run.js';
import { out, printJson } from './common.js';

/** Diagnose (and fix). Exit 1 when an error remains, else 0. */
export async function run(opts: { fix?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const report = await runDoctor({ fix: opts.fix });
  if (opts.json) printJson(report);
  else {
    if (!report.diagnostics.length) out(pc.green('✔ dx-hooks doctor: no problems found'));
    for (const d of report.diagnostics) {
      const mark = d.fixed ? pc.green('✔ fixed') : d.severity === 'error' ? pc.red('✖') : pc.yellow('!');
      out(`${mark} ${d.code}: ${d.message}`);
      if (d.fixResult) out(`    ${d.fixResult}`);
      else if (d.hint) out(`    ${d.fixable ? 'fixable: ' : ''}${d.hint}`);
    }
  }
  return report.errors > 0 ? 1 : 0;
}
