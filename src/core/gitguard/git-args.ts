/**
 * A git command line's global options and subcommand, read without running anything (the git guard's,
 * and the agent hook's fast path, which must not load the guard itself).
 */
import path from 'node:path';

/**
 * The git command line split into global options, subcommand and its arguments. `gitDir` and
 * `workTree` are what `--git-dir`/`--work-tree` named (resolved against `cwd`), for guard-git to follow.
 */
export interface GitCommand { cwd: string; sub: string; args: string[]; gitDir: string | null; workTree: string | null }

/** Split `git [global options] <sub> [args]`, following `-C <dir>` (relative to `cwd`). */
export function parseGitArgs(argv: string[], cwd: string): GitCommand {
  let dir = cwd;
  let gitDir: string | null = null;
  let workTree: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C') dir = path.resolve(dir, argv[++i] ?? '.');
    else if (a === '-c' || a === '--namespace' || a === '--exec-path' || a === '--config-env') i++;
    else if (a === '--git-dir' || a.startsWith('--git-dir=')) gitDir = path.resolve(dir, a.includes('=') ? a.slice(a.indexOf('=') + 1) : (argv[++i] ?? '.'));
    else if (a === '--work-tree' || a.startsWith('--work-tree=')) workTree = path.resolve(dir, a.includes('=') ? a.slice(a.indexOf('=') + 1) : (argv[++i] ?? '.'));
    else if (!a.startsWith('-')) return { cwd: dir, sub: a, args: argv.slice(i + 1), gitDir, workTree };
  }
  return { cwd: dir, sub: '', args: [], gitDir, workTree };
}
