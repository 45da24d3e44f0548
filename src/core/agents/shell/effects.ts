/**
 * What a reached command (walk.ts) would destroy, if anything: a destructive git command (the git
 * guard's list: hooks/git-guard.sh dx_classify, the same cases), files removed (`rm`, `rmdir`, `unlink`,
 * `shred`, `mv`'s sources, `find … -delete` / `-exec rm`, `rsync --delete`'s destination), or files overwritten
 * (`>`, `>|`, `&>`, `>&` to a file, `mv`'s, `cp`'s and `rsync`'s target, `tee` without -a, `truncate`, `dd of=`). Appending (`>>`) destroys
 * nothing. Pure: the file system is asked only whether a checkout argument names a path (as the sh guard does).
 */
import path from 'node:path';
import type { ReachedCommand, ShellWord } from './walk.js';

/** A path an effect reaches: absolute, or null when it is known only when the command runs; `tree`: the folder and everything under it. */
export interface Target { path: string | null; tree: boolean }

/** One destructive effect. `git`: its argv after `git` (global options included) and the directory it runs in. */
export type Effect =
  | { kind: 'git'; argv: string[]; cwd: string | null; text: string }
  | { kind: 'remove' | 'overwrite'; what: string; targets: Target[]; cwd: string | null; text: string };

/** Whether `git clean` without -f deletes (clean.requireForce=false), and whether a checkout argument names a path. */
export interface EffectEnv { cleanNeedsForce: boolean; exists: (abs: string) => boolean }

/** The destructive effects of one reached command (none for most). */
export function effectsOf(c: ReachedCommand, env: EffectEnv): Effect[] {
  const out: Effect[] = [];
  // Redirections that truncate a file: `> f`, `>| f`, `&> f`, `>& f` (but `>&2`, `2>&1` name descriptors).
  const truncated = c.redirects.filter((r) => r.target && (r.op === '>' || r.op === '>|' || r.op === '&>' || (r.op === '>&' && !/^\d+$|^-$/.test(r.target.value))));
  if (truncated.length) out.push({ kind: 'overwrite', what: `redirect ${truncated.map((r) => r.op).join(' ')}`, targets: truncated.map((r) => target(c.cwd, r.target!, false)), cwd: c.cwd, text: c.text });
  const [name, ...args] = c.words;
  if (!name) return out;
  const base = name.literal ? path.basename(name.value) : '';
  const operands = (from: ShellWord[]) => {
    const dd = from.findIndex((a) => a.literal && a.value === '--');
    return from.filter((a, i) => (dd >= 0 && i > dd) || (i !== dd && !(a.literal && a.value.startsWith('-') && a.value !== '-' && (dd < 0 || i < dd))));
  };
  // Options: the arguments before `--` that start with a dash (short ones run together, then the long ones).
  const dd = args.findIndex((a) => a.literal && a.value === '--');
  const opts = (dd >= 0 ? args.slice(0, dd) : args).filter((a) => a.literal);
  const flags = opts.filter((a) => /^-[^-]/.test(a.value)).map((a) => a.value.slice(1)).join('') + ' ' + opts.filter((a) => a.value.startsWith('--')).map((a) => a.value).join(' ');
  switch (base) {
    case 'git': {
      const argv = args.map((a) => a.value);
      if (gitDestructive(argv, c.cwd, env)) out.push({ kind: 'git', argv, cwd: c.cwd, text: c.text });
      break;
    }
    case 'rm':
    case 'rmdir':
    case 'unlink':
    case 'shred': {
      const recursive = base === 'rmdir' || /[rR]/.test(flags.split(' ')[0] ?? '') || flags.includes('--recursive');
      const ops = operands(args);
      if (ops.length) out.push({ kind: 'remove', what: base, targets: ops.map((a) => target(c.cwd, a, recursive)), cwd: c.cwd, text: c.text });
      break;
    }
    case 'mv': {
      const ops = operands(args);
      const tIdx = args.findIndex((a) => a.literal && (a.value === '-t' || a.value.startsWith('--target-directory')));
      if (ops.length >= 2 || tIdx >= 0) {
        out.push({ kind: 'remove', what: 'mv', targets: (tIdx >= 0 ? ops : ops.slice(0, -1)).map((a) => target(c.cwd, a, true)), cwd: c.cwd, text: c.text });
        if (tIdx < 0) out.push({ kind: 'overwrite', what: 'mv', targets: [target(c.cwd, ops.at(-1)!, true)], cwd: c.cwd, text: c.text });
      }
      break;
    }
    case 'cp':
    case 'install': {
      const ops = operands(args);
      if (ops.length >= 2 && !args.some((a) => a.literal && (a.value === '-t' || a.value.startsWith('--target-directory')))) out.push({ kind: 'overwrite', what: base, targets: [target(c.cwd, ops.at(-1)!, true)], cwd: c.cwd, text: c.text });
      break;
    }
    case 'tee':
      if (!/a/.test(flags.split(' ')[0] ?? '') && !flags.includes('--append')) {
        const ops = operands(args);
        if (ops.length) out.push({ kind: 'overwrite', what: 'tee', targets: ops.map((a) => target(c.cwd, a, false)), cwd: c.cwd, text: c.text });
      }
      break;
    case 'truncate': {
      const ops = operands(args.filter((a, i) => !(i > 0 && args[i - 1]!.literal && ['-s', '--size', '-r', '--reference'].includes(args[i - 1]!.value))));
      out.push({ kind: 'overwrite', what: 'truncate', targets: ops.map((a) => target(c.cwd, a, false)), cwd: c.cwd, text: c.text });
      break;
    }
    case 'dd': {
      const of = args.find((a) => a.value.startsWith('of='));
      if (of) out.push({ kind: 'overwrite', what: 'dd', targets: [target(c.cwd, { ...of, value: of.value.slice(3) }, false)], cwd: c.cwd, text: c.text });
      break;
    }
    case 'rsync': {
      // The destination is written over; with --delete (any of its forms) what it holds that the source lacks goes.
      const ops = operands(args);
      if (ops.length >= 2) {
        const dest = ops.at(-1)!;
        if (!dest.value.includes(':')) {
          const deletes = args.some((a) => a.literal && a.value.startsWith('--delete'));
          out.push({ kind: deletes ? 'remove' : 'overwrite', what: deletes ? 'rsync --delete' : 'rsync', targets: [target(c.cwd, dest, true)], cwd: c.cwd, text: c.text });
        }
      }
      break;
    }
    case 'find': {
      const deletes = args.some((a) => a.literal && a.value === '-delete') || args.some((a, i) => a.literal && (a.value === '-exec' || a.value === '-execdir' || a.value === '-ok') && ['rm', 'shred', 'unlink', 'mv'].includes(path.basename(args[i + 1]?.value ?? '')));
      if (deletes) {
        const roots = [];
        for (const a of args) {
          if (a.literal && (a.value.startsWith('-') || a.value === '(' || a.value === '!')) break;
          roots.push(a);
        }
        out.push({ kind: 'remove', what: 'find -delete', targets: (roots.length ? roots : [{ value: '.', literal: true, glob: false }]).map((a) => target(c.cwd, a, true)), cwd: c.cwd, text: c.text });
      }
      break;
    }
  }
  return out;
}

/** A word as a path from `cwd`: a glob reaches the folder it starts in (all of it); an expansion, or any path from an unknown directory, is unknown. */
function target(cwd: string | null, w: ShellWord, tree: boolean): Target {
  if (!w.literal || w.value.startsWith('~')) return { path: null, tree: true };
  let p = w.value;
  if (w.glob) {
    const first = p.search(/[*?[]/);
    p = p.slice(0, first).replace(/[^/]*$/, '') || '.';
    tree = true;
  }
  if (path.isAbsolute(p)) return { path: path.resolve(p), tree };
  return cwd === null ? { path: null, tree: true } : { path: path.resolve(cwd, p), tree };
}

/**
 * Whether `git <argv>` is one of the git guard's destructive commands (hooks/git-guard.sh dx_classify):
 * reset --hard/--merge/--keep; checkout of paths (`--`, `.`, -f, -p, --ours/--theirs, --no-overlay, or an
 * argument that names a file); restore (not --staged alone); clean -f / -i (or any clean when
 * clean.requireForce is false), not -n; stash drop/clear; switch --discard-changes/-f; rm -f (not --cached);
 * worktree remove --force; merge/cherry-pick/revert/am --abort.
 */
export function gitDestructive(argv: readonly string[], cwd: string | null, env: EffectEnv): boolean {
  let i = 0;
  let dir = cwd;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-C') dir = dir === null ? null : path.resolve(dir, argv[++i] ?? '.');
    else if (['-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env'].includes(a)) i++;
    else if (!a.startsWith('-')) break;
  }
  const sub = argv[i];
  const rest = argv.slice(i + 1);
  const has = (...xs: string[]) => rest.some((a) => xs.includes(a));
  switch (sub) {
    case 'reset':
      return has('--hard', '--merge', '--keep');
    case 'checkout':
      return rest.some((a) => ['--', '.', '-f', '--force', '-p', '--patch', '--ours', '--theirs', '--no-overlay'].includes(a) || (!a.startsWith('-') && dir !== null && env.exists(path.resolve(dir, a))));
    case 'restore': {
      let stagedOnly = false;
      for (const a of rest) {
        if (a === '-S' || a === '--staged') stagedOnly = true;
        else if (a === '-W' || a === '--worktree') {
          stagedOnly = false;
          break;
        }
      }
      return !stagedOnly;
    }
    case 'clean': {
      let forced = rest.some((a) => a === '--force' || a === '-i' || a === '--interactive' || (/^-[^-]/.test(a) && /[fi]/.test(a)));
      if (!forced && !env.cleanNeedsForce) forced = true;
      return forced && !rest.some((a) => a === '--dry-run' || (/^-[^-]/.test(a) && a.includes('n')));
    }
    case 'stash':
      return has('drop', 'clear');
    case 'switch':
      return has('--discard-changes', '-f', '--force');
    case 'rm':
      return !has('--cached') && rest.some((a) => a === '--force' || (/^-[^-]/.test(a) && a.includes('f')));
    case 'worktree':
      return rest.includes('remove') && rest.slice(rest.indexOf('remove')).some((a) => a === '-f' || a === '--force');
    case 'merge':
    case 'cherry-pick':
    case 'revert':
    case 'am':
      return has('--abort');
    default:
      return false;
  }
}
