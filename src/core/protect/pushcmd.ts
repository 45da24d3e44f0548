/**
 * The `git push` command line that started this pre-push hook, read from /proc (Linux). pre-push's
 * stdin omits what `git push --mirror` deletes (git 2.39 passes a mirror's deletions to no hook), so
 * the hook needs the command line to know a mirror push is under way, and to print an exact
 * override. Elsewhere (no /proc) it is null and the callers fall back to what stdin shows.
 */
import fs from 'node:fs';
import path from 'node:path';

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; the fields after the last ')' do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : null;
  } catch {
    return null;
  }
}

function argvOf(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    return null;
  }
}

/**
 * The arguments after `git` of the nearest ancestor process (up to 6 levels) that is `git … push …`,
 * or null when none is found (not Linux, or the hook was not started by a push).
 */
export function pushCommandLine(startPid: number = process.ppid): string[] | null {
  let pid: number | null = startPid;
  for (let depth = 0; pid && depth < 6; depth++) {
    const argv = argvOf(pid);
    if (argv && argv.length > 1) {
      const exe = path.basename(argv[0] as string);
      if (exe === 'git' || exe === 'git-push') {
        const rest = argv.slice(1);
        if (exe === 'git-push' || rest.includes('push')) return exe === 'git-push' ? ['push', ...rest] : rest;
      }
    }
    pid = parentOf(pid);
  }
  return null;
}

/** Whether a `git push` command line (the arguments after `git`) asks for a mirror push. */
export function isMirrorPush(args: string[] | null): boolean {
  if (!args) return false;
  const at = args.indexOf('push');
  // git's option parser takes any unambiguous abbreviation of a long option: --mi, --mir … are --mirror.
  return at >= 0 && args.slice(at + 1).some((a) => a.length >= 4 && '--mirror'.startsWith(a));
}
