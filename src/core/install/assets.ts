/** The files install copies out of the package (hooks/, templates/), located from this module. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of the installed dx-hooks package: the nearest folder above this module whose package.json names
 * dx-hooks. This module runs from dist/core/install/ (tsc's output: the library API, the tests) and from
 * dist/chunks/ (the bundled CLI, scripts/post-build.mjs), so no fixed number of `..` fits both.
 */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
      if ((JSON.parse(text) as { name?: unknown }).name === 'dx-hooks') return dir;
    } catch {
      /* no package.json here, or not ours */
    }
  }
  // Not found (a copied-out module): where tsc's layout puts it; reading an asset then fails loudly.
  return path.resolve(from, '..', '..', '..');
}

/** Absolute path of the CLI entry the hooks start (`dist/cli.js`). */
export const cliPath = path.join(packageRoot, 'dist', 'cli.js');

/** Read a package asset, e.g. `hooks/runtime.sh`. @throws when the package is incomplete */
export function asset(rel: string): string {
  return fs.readFileSync(path.join(packageRoot, rel), 'utf8');
}

/** The package version (recorded with the runtime so doctor can spot outdated hooks). */
export function packageVersion(): string {
  return (JSON.parse(asset('package.json')) as { version: string }).version;
}

/** Hooks this version installs. */
export const HOOKS = ['pre-commit', 'pre-merge-commit', 'pre-applypatch', 'prepare-commit-msg', 'post-commit', 'post-merge', 'post-rewrite', 'post-checkout', 'pre-push', 'reference-transaction'] as const;
export type HookName = (typeof HOOKS)[number];

/** Markers around every block dx-hooks writes into a hook file, so uninstall removes exactly it. */
export const BEGIN = '# >>> dx-hooks >>>';
export const END = '# <<< dx-hooks <<<';
/** Suffix of a hook that was there before and is now chained. */
export const CHAINED_SUFFIX = '.pre-dx-hooks';
