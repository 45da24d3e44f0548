/**
 * Which repositories a batch command runs over: paths or globs given on the command line
 * (tinyglobby; `~` expanded), or the machine config's `repos` list. Globs keep only directories
 * holding a `.git`; plain paths are kept as given, so a missing one is reported, not dropped; a
 * glob that keeps nothing is an error on the command line, a warning in the machine config.
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

/** Where the patterns came from: the command line (a glob matching nothing is an error) or the machine config's `repos` list. */
export type RepoSource = 'command line' | 'machine config';

/**
 * Expand `patterns` (paths or globs, relative to `cwd`, `~` expanded) into repository tops:
 * absolute, de-duplicated, in the order given (each glob's matches sorted). A glob keeps only
 * directories holding a `.git`; `unmatched` lists the globs (as given) that kept none.
 */
export async function expandRepos(patterns: string[], cwd: string): Promise<{ repos: string[]; unmatched: string[] }> {
  const repos: string[] = [];
  const unmatched: string[] = [];
  const add = (p: string) => {
    const abs = workTreeTop(path.resolve(cwd, p));
    if (!repos.includes(abs)) repos.push(abs);
  };
  for (const raw of patterns) {
    const p = expandHome(raw);
    if (!GLOB.test(p)) {
      add(p);
      continue;
    }
    const { glob } = await import('tinyglobby');
    const dirs = await glob(p, { cwd, absolute: true, onlyDirectories: true, expandDirectories: false, dot: false });
    const found = dirs.map((x) => x.replace(/\/$/, '')).sort().filter((d) => fs.existsSync(path.join(d, '.git')));
    if (!found.length) unmatched.push(raw);
    found.forEach(add);
  }
  return { repos, unmatched };
}

/**
 * Resolve the repositories: `patterns` (paths or globs, relative to `cwd`) or, when empty, the
 * machine config's list. Absolute, de-duplicated, in the order given (glob matches sorted).
 * A glob of the machine config that matches nothing does not stop the others (the scheduler runs
 * these lists): it is handed to `onUnmatched`, for the command to say.
 * @throws DxError NO_REPOS (exit 2) when nothing is given and the machine config lists none;
 *   GLOB_NO_MATCH (exit 2) naming each glob of `patterns` that matches no repository
 */
export async function resolveRepos(patterns: string[], machine: MachineConfig, cwd: string, onUnmatched?: (glob: string, source: RepoSource) => void): Promise<string[]> {
  const source = patterns.length ? patterns : (machine.repos ?? []);
  if (!source.length) {
    throw new DxError('NO_REPOS', 'no repositories to run over', `Pass paths or globs (e.g. --repos '~/src/*'), or list them in ${machineConfigPath()} under "repos" (dx-hooks install adds each repository it is installed in).`, EXIT.USAGE);
  }
  const { repos, unmatched } = await expandRepos(source, cwd);
  if (unmatched.length && patterns.length) {
    const which = unmatched.map((g) => `"${g}"`).join(', ');
    throw new DxError('GLOB_NO_MATCH', `${unmatched.length === 1 ? 'the glob' : 'the globs'} ${which} ${unmatched.length === 1 ? 'matches' : 'match'} no repository (no directory holding .git)`, 'Check the pattern, or name the repositories by path; --all runs over the machine config\'s list.', EXIT.USAGE);
  }
  for (const g of unmatched) onUnmatched?.(g, 'machine config');
  return repos;
}
