/**
 * Putting the git guard in front of git: `shell-init` prints a bash/zsh `git` function; `shim
 * install` writes an executable `git` into a folder the user puts first on PATH (for agents and
 * scripts). Both run `hooks/git-guard.sh` (copied to the user's data dir) with the real git, the
 * CLI and node recorded now. Only our own install paths are written into shell text, each quoted.
 */
import fs from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { DxError, EXIT } from '../errors.js';
import { writeAtomic } from '../store/user.js';
import { asset, cliPath } from '../install/assets.js';

/** Quote a string for POSIX sh (single quotes; `'` becomes `'\''`). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Folders: `bin` (the shim folder to put first on PATH) and the guard script's path. */
export function guardPaths(): { dir: string; bin: string; script: string } {
  const dir = envPaths('dx-hooks', { suffix: '' }).data;
  return { dir, bin: path.join(dir, 'bin'), script: path.join(dir, 'git-guard.sh') };
}

/** The real git: the first `git` on PATH that is not our shim. @throws DxError NO_GIT */
export function findRealGit(pathVar = process.env.PATH ?? '', shimBin = guardPaths().bin): string {
  for (const d of pathVar.split(path.delimiter)) {
    if (!d || path.resolve(d) === path.resolve(shimBin)) continue;
    const p = path.join(d, 'git');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new DxError('NO_GIT', 'no git found on PATH', 'Install git, or fix PATH.', EXIT.USAGE);
}

/** Copy the guard script to the user's data dir. Returns its path. */
export function writeGuardScript(): string {
  const { script } = guardPaths();
  writeAtomic(script, asset('hooks/git-guard.sh'));
  return script;
}

/** The bash/zsh function `shell-init` prints (eval it in ~/.bashrc or ~/.zshrc). */
export function shellFunction(shell: 'bash' | 'zsh', realGit: string, node = process.execPath): string {
  const script = writeGuardScript();
  return [
    `# dx-hooks git guard for ${shell}: snapshots before destructive git commands (dx-hooks undo brings the work back).`,
    `# Off for one command: DX_HOOKS=0 git …   Remove: delete the eval line from your shell rc.`,
    `git() { sh ${shQuote(script)} ${shQuote(realGit)} ${shQuote(cliPath)} ${shQuote(node)} "$@"; }`,
    '',
  ].join('\n');
}

/** Write the `git` shim into the shim folder. Returns what to put first on PATH. */
export function installShim(realGit: string, node = process.execPath): { bin: string; shim: string } {
  const script = writeGuardScript();
  const { bin } = guardPaths();
  const shim = path.join(bin, 'git');
  writeAtomic(shim, `#!/bin/sh\n# dx-hooks git shim (dx-hooks shim uninstall removes it)\nexec sh ${shQuote(script)} ${shQuote(realGit)} ${shQuote(cliPath)} ${shQuote(node)} "$@"\n`);
  fs.chmodSync(shim, 0o755);
  return { bin, shim };
}

/** Remove the shim (and the guard script when no shell function needs it is unknowable: it stays). Returns whether a shim was removed. */
export function uninstallShim(): boolean {
  const shim = path.join(guardPaths().bin, 'git');
  if (!fs.existsSync(shim)) return false;
  fs.rmSync(shim);
  return true;
}
