/**
 * Which git process fired the reference-transaction hook. git 2.39 runs the hook twice for ONE branch
 * deletion (the packed-refs transaction, then the loose one), both from the same git process; two
 * deletions a second apart come from two git processes. The nearest ancestor process named `git`
 * (pid and start time, so a reused pid is not the same process) tells the two apart — whatever sits
 * between (the sh runtime, husky's scripts, a pipeline subshell).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** `{ppid, comm, start}` of `pid`: /proc on Linux, `ps` elsewhere; null when it cannot be read. */
function procInfo(pid: number): { ppid: number; comm: string; start: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> <ppid> …": comm may hold spaces and parentheses, so split at the LAST ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    return { ppid: Number(rest[1]), comm, start: rest[19] ?? '' };
  } catch {
    /* no /proc: ask ps */
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,lstart=,ucomm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
    const m = /^(\d+)\s+(.{24})\s+(.*)$/.exec(out);
    return m ? { ppid: Number(m[1]), start: (m[2] as string).trim(), comm: (m[3] as string).trim() } : null;
  } catch {
    return null;
  }
}

/**
 * An id of the git process this hook runs under: `<pid>@<start time>` of the nearest ancestor whose
 * command name is `git` (searching at most 8 levels up from `from`, default our parent), or null when
 * none is found (then callers must not merge records on it).
 */
export function gitProcessId(from: number = process.ppid): string | null {
  let pid = from;
  for (let i = 0; i < 8 && pid > 1; i++) {
    const p = procInfo(pid);
    if (!p) return null;
    if (p.comm === 'git' || p.comm.startsWith('git-')) return `${pid}@${p.start}`;
    pid = p.ppid;
  }
  return null;
}
