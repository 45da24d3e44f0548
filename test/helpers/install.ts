// Installing dx-hooks as setup, in the test process: the same core function the `install` command
// runs (src/core/install/install-repo.ts), without a node start per install (about 0.6 s of CPU each,
// the largest single cost of the suite). Tests about install itself run the CLI or the packed tarball.
import type { InstallResult } from '../../src/core/install/install-repo.ts';

/**
 * Installs dx-hooks in `h.dir` as `dx-hooks install [--force]` would, with process.env set to
 * `h.env` (plus `env`) for the call and put back after. The hooks it writes start `dist/cli.js`.
 * Throws what installRepo throws. Not for tests that run in-process work concurrently.
 */
export async function installHooks(h: { dir: string; env: NodeJS.ProcessEnv }, opts: { force?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<InstallResult> {
  const { installRepo } = await import('../../src/core/install/install-repo.ts');
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, h.env, opts.env);
  try {
    return await installRepo(h.dir, { force: opts.force });
  } finally {
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
