/**
 * Where the hooks look for the dx-hooks CLI when the path install recorded is gone (npx's cache
 * cleaned, a moved checkout): the same order as `dx_find_cli` in hooks/runtime.sh, so doctor says
 * what the hooks will do.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The CLI the hooks fall back to: the repository's `node_modules/dx-hooks/dist/cli.js`, its
 * `node_modules/.bin/dx-hooks`, then `dx-hooks` on `pathVar` (absolute directories only). Returns
 * its absolute path, or null when there is none. (The hooks also refuse a tracked node_modules;
 * this reports the candidate only.)
 */
export function fallbackCli(top: string, pathVar = process.env.PATH ?? ''): string | null {
  const local = [path.join(top, 'node_modules', 'dx-hooks', 'dist', 'cli.js'), path.join(top, 'node_modules', '.bin', 'dx-hooks')];
  for (const f of local) if (isFile(f)) return f;
  for (const dir of pathVar.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const f = path.join(dir, 'dx-hooks');
    if (isFile(f) && isExecutable(f)) return f;
  }
  return null;
}

function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

function isExecutable(f: string): boolean {
  try {
    fs.accessSync(f, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
