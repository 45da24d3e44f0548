/**
 * Which repositories a batch command runs over: paths or globs given on the command line
 * (tinyglobby; `~` expanded), or the machine config's `repos` list. Globs keep only directories
 * holding a `.git`; plain paths are kept as given, so a missing one is reported, not dropped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DxError, EXIT } from '../errors.js';
import { machineConfigPath, type MachineConfig } from '../machine.js';

const GLOB = /[*?[\]{}]/;

/** The nearest directory at or above `dir` holding `.git` (a repository's top), so a subdirectory names its repository once; `dir` itself when none (reported later). */
function workTreeTop(dir: string): string {
  if (!fs.existsSync(dir)) return dir;
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/**
 * Resolve the repositories: `patterns` (paths or globs, relative to `cwd`) or, when empty, the
 * machine config's list. Absolute, de-duplicated, in the order given (glob matches sorted).
 * @throws DxError NO_REPOS (exit 2) when nothing is given and the machine config lists none
 */
export async function resolveRepos(patterns: string[], machine: MachineConfig, cwd: string): Promise<string[]> {
  const source = patterns.length ? patterns : (machine.repos ?? []);
  if (!source.length) {
    throw new DxError('NO_REPOS', 'no repositories to run over', `Pass paths or globs (e.g. --repos ~/src/*), or list them in ${machineConfigPath()} under "repos" (dx-hooks install adds each repository it is installed in).`, EXIT.USAGE);
  }
  const out: string[] = [];
  const add = (p: string) => {
    const abs = workTreeTop(path.resolve(cwd, p));
    if (!out.includes(abs)) out.push(abs);
  };
  for (const raw of source) {
    const p = expandHome(raw);
    if (!GLOB.test(p)) {
      add(p);
      continue;
    }
    const { glob } = await import('tinyglobby');
    const dirs = await glob(p, { cwd, absolute: true, onlyDirectories: true, expandDirectories: false, dot: false });
    for (const d of dirs.map((x) => x.replace(/\/$/, '')).sort()) if (fs.existsSync(path.join(d, '.git'))) add(d);
  }
  return out;
}
