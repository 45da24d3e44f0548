/**
 * An agent's shell command line, read — never run (issue 14 point 2): parsed with unbash (a complete bash
 * parser) into every simple command it would reach, with the directory each would run in. It follows
 * `;`, `&&`, `||`, pipes, subshells, `{ …; }`, if/while/for/case bodies, `$(…)` and `<(…)`, functions,
 * `cd <dir>` (for what follows it in the same shell), the wrappers that run a command (`env`, `sudo`,
 * `nice`, `nohup`, `time`, `timeout`, `command`, `exec`, `xargs`, `stdbuf`, `ionice`), and the strings a
 * shell would run itself: `sh -c '…'`, `bash -c`, `eval '…'`, and a here-document fed to a shell.
 *
 * What cannot be known from the text (a `$VAR` argument, `cd $DIR`, `sh -c "$X"`, a script piped into a
 * shell) is marked, so the verdict can be cautious rather than blind.
 */
import path from 'node:path';
import { forEachChild, parse, type Command, type Redirection, type Script, type SyntaxNode, type Word, type WordPart } from 'unbash';

/** One word as the shell would pass it: its value when `literal` (no expansion), and whether it is a glob pattern. */
export interface ShellWord { value: string; literal: boolean; glob: boolean }

/** A redirection: its operator (`>`, `>>`, `>|`, `&>`, `>&`, `<`, …), the target word (null for a here-document), and the descriptor number when given. */
export interface ShellRedirect { op: string; target: ShellWord | null; fd: number | null }

/**
 * One simple command the line would run. `words`: its name and arguments (assignments before it left out,
 * wrappers already taken off); `cwd`: the absolute directory it runs in, or null when a `cd` to somewhere
 * unknown came first; `via`: the wrappers and shells it was reached through (`sh -c`, `env`, …); `text`: its source.
 */
export interface ReachedCommand { words: ShellWord[]; redirects: ShellRedirect[]; cwd: string | null; via: string[]; text: string }

/** Something the line runs that cannot be read: `why` says what (`sh -c "$X"`, a script piped into a shell). */
export interface OpaqueCommand { why: string; cwd: string | null; text: string }

/** Everything a line reaches: the commands read, the ones that could not be, and unbash's syntax errors. */
export interface WalkResult { commands: ReachedCommand[]; opaque: OpaqueCommand[]; errors: string[] }

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);
/** How deep `sh -c '…'` inside `bash -c "…"` may nest before the rest is opaque (a line is at most a few KiB). */
const MAX_DEPTH = 8;

interface Ctx { cwd: string | null; depth: number; via: string[] }

/**
 * Read `line` as bash would, from `cwd` (absolute).
 * Never throws: what unbash cannot parse is in `errors`, and the commands it recovered are still read.
 */
export function walkCommandLine(line: string, cwd: string): WalkResult {
  const out: WalkResult = { commands: [], opaque: [], errors: [] };
  script(line, { cwd, depth: 0, via: [] }, out);
  return out;
}

function script(src: string, ctx: Ctx, out: WalkResult): void {
  if (ctx.depth > MAX_DEPTH) {
    out.opaque.push({ why: 'shells nested too deep to read', cwd: ctx.cwd, text: src.slice(0, 200) });
    return;
  }
  const ast = parse(src);
  for (const e of ast.errors ?? []) out.errors.push(e.message);
  walkScript(ast, src, ctx, out);
}

function walkScript(s: Script, src: string, ctx: Ctx, out: WalkResult): void {
  const text = s.source ?? src;
  for (const st of s.commands) node(st.command, text, ctx, out);
}

const clone = (ctx: Ctx): Ctx => ({ ...ctx, via: [...ctx.via] });

/** Visit a node of the tree: sequences share the shell (a `cd` carries on), subshells and pipes get a copy. */
function node(n: SyntaxNode, src: string, ctx: Ctx, out: WalkResult): void {
  switch (n.type) {
    case 'AndOr':
      for (const c of n.commands) node(c, src, ctx, out);
      return;
    case 'Pipeline':
      for (const c of n.commands) node(c, src, clone(ctx), out);
      return;
    case 'Subshell':
    case 'Coproc':
      node(n.body, src, clone(ctx), out);
      return;
    case 'Function':
      node(n.body, src, clone(ctx), out); // what it runs when called
      return;
    case 'CompoundList':
      for (const st of n.commands) node(st.command, src, ctx, out);
      return;
    case 'Redirected':
      node(n.command, src, ctx, out);
      redirectsOf(n.redirects, src, ctx, out, null);
      return;
    case 'Command':
      command(n, src, ctx, out);
      return;
    default:
      // if / while / for / case / select / brace groups / tests: every part, in this shell.
      forEachChild(n, (c) => {
        if (c.type === 'Word') nested(c, src, ctx, out);
        else node(c, src, ctx, out);
      });
  }
}

/** The scripts inside a word or here-document (`$(…)`, backticks, `<(…)`): each read in a copy of the shell. */
function nested(n: SyntaxNode, src: string, ctx: Ctx, out: WalkResult): void {
  forEachChild(n, (c) => {
    if (c.type === 'Script') walkScript(c, src, clone(ctx), out);
    else nested(c, src, ctx, out);
  });
}

/** Parts that make a word's value unknown until the shell runs (expansions of any kind). */
const DYNAMIC = new Set(['SimpleExpansion', 'ParameterExpansion', 'CommandExpansion', 'ArithmeticExpansion', 'ProcessSubstitution', 'BraceExpansion']);
const GLOB = new Set(['Glob', 'ExtendedGlob']);

function partsOf(parts: readonly WordPart[] | undefined): { dynamic: boolean; glob: boolean } {
  let dynamic = false;
  let glob = false;
  for (const p of parts ?? []) {
    if (DYNAMIC.has(p.type)) dynamic = true;
    else if (GLOB.has(p.type)) glob = true;
    else if (p.type === 'DoubleQuoted') dynamic ||= partsOf(p.parts as readonly WordPart[]).dynamic;
  }
  return { dynamic, glob };
}

function word(w: Word): ShellWord {
  const { dynamic, glob } = partsOf(w.parts);
  return { value: w.value, literal: !dynamic, glob: glob && !dynamic };
}

function redirectsOf(list: readonly Redirection[], src: string, ctx: Ctx, out: WalkResult, target: ShellRedirect[] | null): void {
  for (const r of list) {
    if (r.type === 'HereDoc') {
      nested(r.body, src, ctx, out);
      target?.push({ op: r.operator, target: null, fd: null });
      continue;
    }
    if (r.target) nested(r.target, src, ctx, out);
    const fd = r.descriptor && 'value' in r.descriptor && typeof r.descriptor.value === 'number' ? r.descriptor.value : null;
    const red = { op: r.operator, target: r.target ? word(r.target) : null, fd };
    if (target) target.push(red);
    else out.commands.push({ words: [], redirects: [red], cwd: ctx.cwd, via: ctx.via, text: src.slice(r.pos, r.end) });
  }
}

/** Options of the wrappers that take a value (`sudo -u root`, `timeout -s KILL`, `nice -n 5`, `env -u X`). */
const VALUED: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '--user', '--group', '--host', '--prompt', '--chdir']),
  env: new Set(['-u', '--unset', '-S', '--split-string']),
  nice: new Set(['-n', '--adjustment']),
  timeout: new Set(['-s', '--signal', '-k', '--kill-after']),
  ionice: new Set(['-c', '-n', '-p', '-P', '-u', '--class', '--classdata']),
  stdbuf: new Set(['-i', '-o', '-e']),
  xargs: new Set(['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-lines', '--replace']),
};
const WRAPPERS = new Set(['env', 'sudo', 'doas', 'nice', 'nohup', 'time', 'timeout', 'command', 'exec', 'builtin', 'xargs', 'stdbuf', 'ionice', 'setsid', 'chronic', 'unbuffer']);

function command(c: Command, src: string, ctx: Ctx, out: WalkResult): void {
  const text = src.slice(c.pos, c.end);
  const words: ShellWord[] = [];
  if (c.name) {
    nested(c.name, src, ctx, out);
    words.push(word(c.name));
  }
  for (const a of c.suffix) {
    if (a.type === 'Word') {
      nested(a, src, ctx, out);
      words.push(word(a));
    } else if (a.type === 'Assignment') {
      nested(a, src, ctx, out);
      words.push({ value: a.text, literal: true, glob: false });
    }
  }
  for (const a of c.prefix) if (a.type === 'Assignment') nested(a, src, ctx, out);
  const redirects: ShellRedirect[] = [];
  redirectsOf(c.redirects, src, ctx, out, redirects);
  let via = ctx.via;
  let envChdir: string | null | undefined;
  // Take the wrappers off: what they run is the command.
  while (words.length && words[0]!.literal && WRAPPERS.has(path.basename(words[0]!.value))) {
    const w = path.basename(words.shift()!.value);
    via = [...via, w];
    const valued = VALUED[w] ?? new Set<string>();
    while (words.length) {
      const a = words[0]!;
      if (w === 'env' && a.literal && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a.value)) { words.shift(); continue; }
      if (w === 'env' && a.literal && (a.value === '-C' || a.value.startsWith('--chdir'))) {
        words.shift();
        const dir = a.value.includes('=') ? { value: a.value.slice(a.value.indexOf('=') + 1), literal: true } : words.shift();
        envChdir = dir?.literal ? resolveDir(ctx.cwd, dir.value) : null;
        continue;
      }
      if (!a.literal || !a.value.startsWith('-') || a.value === '-') break;
      words.shift();
      if (a.value === '--') break;
      if (valued.has(a.value)) words.shift();
    }
    if (w === 'timeout' && words.length) words.shift(); // the duration
    if (w === 'xargs') {
      // xargs adds arguments read from stdin: what they are is unknown.
      if (words.length) words.push({ value: '(arguments from stdin)', literal: false, glob: false });
      else words.push({ value: 'echo', literal: true, glob: false });
    }
  }
  const cwd = envChdir === undefined ? ctx.cwd : envChdir;
  const name = words[0];
  if (!name) {
    if (redirects.length) out.commands.push({ words, redirects, cwd, via, text });
    return;
  }
  const base = name.literal ? path.basename(name.value) : '';
  if (base === 'cd' || base === 'pushd') {
    const dir = words.slice(1).find((x) => !(x.literal && x.value.startsWith('-') && x.value !== '-'));
    ctx.cwd = dir?.literal && dir.value !== '-' ? resolveDir(ctx.cwd, dir.value) : dir ? null : null;
    return;
  }
  if (base === 'popd') {
    ctx.cwd = null;
    return;
  }
  if (SHELLS.has(base) || base === 'eval' || base === 'source' || base === '.') {
    // What a here-document or here-string would feed it on stdin.
    const stdin = c.redirects.flatMap((r) => (r.type === 'HereDoc' ? [{ value: r.body.text, literal: true, glob: false }] : r.type === 'HereString' && r.target ? [word(r.target)] : []));
    shellRun(base, words, stdin, { ...ctx, cwd, via }, out, text);
    return;
  }
  out.commands.push({ words, redirects, cwd, via, text });
}

/** A shell that runs a string (`sh -c '…'`, `eval …`), a file (`sh x.sh`, `. x.sh`) or its stdin (a here-document, a pipe). */
function shellRun(base: string, words: ShellWord[], stdin: ShellWord[], ctx: Ctx, out: WalkResult, text: string): void {
  const inner: Ctx = { cwd: ctx.cwd, depth: ctx.depth + 1, via: [...ctx.via, base] };
  if (base === 'eval') {
    const args = words.slice(1);
    if (args.every((a) => a.literal)) script(args.map((a) => a.value).join(' '), inner, out);
    else out.opaque.push({ why: 'eval of a value known only when it runs', cwd: ctx.cwd, text });
    return;
  }
  if (base === 'source' || base === '.') {
    out.opaque.push({ why: `${base} runs a script file dx-hooks does not read`, cwd: ctx.cwd, text });
    return;
  }
  const args = words.slice(1);
  const c = args.findIndex((a) => a.literal && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a.value));
  if (c >= 0) {
    const body = args[c + 1];
    if (body?.literal) script(body.value, inner, out);
    else out.opaque.push({ why: `${base} -c with a script known only when it runs`, cwd: ctx.cwd, text });
    return;
  }
  const file = args.find((a) => !(a.literal && a.value.startsWith('-')));
  if (file) {
    out.opaque.push({ why: `${base} runs a script file dx-hooks does not read`, cwd: ctx.cwd, text });
    return;
  }
  // Its stdin: a here-document or here-string is read as the script it is; anything else (a pipe, a file) is not.
  if (!stdin.length) out.opaque.push({ why: `${base} runs what it reads on stdin`, cwd: ctx.cwd, text });
  for (const w of stdin) {
    if (w.literal) script(w.value, inner, out);
    else out.opaque.push({ why: `a here-string known only when it runs, fed to ${base}`, cwd: ctx.cwd, text });
  }
}

/** `cd <dir>` from `cwd` (null: unknown stays unknown; `~` is not this process's to guess: unknown). */
function resolveDir(cwd: string | null, dir: string): string | null {
  if (dir.startsWith('~')) return null;
  if (path.isAbsolute(dir)) return path.resolve(dir);
  return cwd === null ? null : path.resolve(cwd, dir);
}
