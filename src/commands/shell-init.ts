/** `dx-hooks shell-init bash|zsh` and `dx-hooks shim install|uninstall`: put the git guard in front of git. */
import { DxError, EXIT } from '../core/errors.js';
import { findRealGit, installShim, shellFunction, uninstallShim } from '../core/gitguard/install.js';
import { out, shellQuote } from './common.js';

/** Print the shell function (eval "$(dx-hooks shell-init bash)"). @throws DxError USAGE for another shell */
export async function shellInit(opts: { shell?: string }): Promise<number> {
  if (opts.shell !== 'bash' && opts.shell !== 'zsh') throw new DxError('USAGE', `unsupported shell "${opts.shell ?? ''}"`, 'Use: eval "$(dx-hooks shell-init bash)" or eval "$(dx-hooks shell-init zsh)"', EXIT.USAGE);
  // Shell code for eval, not text to read: written as it is (its paths are quoted by shellFunction).
  process.stdout.write(shellFunction(opts.shell, findRealGit()));
  return 0;
}

/** Install or remove the PATH shim for agents and scripts. */
export async function shim(opts: { action?: string }): Promise<number> {
  if (opts.action === 'install') {
    const { bin, shim: file } = installShim(findRealGit());
    out(`✔ wrote ${file}\n  Put it first on PATH for agents and scripts: export PATH=${shellQuote(bin)}:"$PATH"`);
    return 0;
  }
  if (opts.action === 'uninstall') {
    out(uninstallShim() ? '✔ removed the git shim' : 'no git shim was installed');
    return 0;
  }
  throw new DxError('USAGE', `unknown shim action "${opts.action ?? ''}"`, 'Use: dx-hooks shim install | dx-hooks shim uninstall', EXIT.USAGE);
}
