/**
 * dx-hooks under lefthook. `lefthook install` renames every hook it takes over to `<hook>.old` and
 * writes its own, which runs only what lefthook's config lists: dx-hooks' stub stops running,
 * silently. Chaining dx-hooks into lefthook's generated hook file would not last (lefthook rewrites
 * it whenever its config changes), so dx-hooks joins lefthook's config instead — as it joins husky's
 * hook files — in the per-developer `lefthook-local.yml` (lefthook merges it over lefthook.yml and
 * its docs say not to commit it), between BEGIN/END markers, one `dx-hooks` job per hook lefthook owns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../errors.js';
import { BEGIN, END, type HookName } from './assets.js';

/** The local config file dx-hooks writes (lefthook's first choice of local config name). */
export const LEFTHOOK_LOCAL = 'lefthook-local.yml';
/** The other names lefthook reads a local config from: dx-hooks does not edit those. */
const OTHER_LOCAL = ['.lefthook-local.yml', 'lefthook-local.yaml', '.lefthook-local.yaml', 'lefthook-local.toml', '.lefthook-local.toml', 'lefthook-local.json', '.lefthook-local.json'];

/** Whether a hook file's text is one lefthook generated (`call_lefthook run "<hook>"`, lefthook 1 and 2). */
export function isLefthookHook(text: string): boolean {
  return /lefthook/i.test(text) && /lefthook\S*\s+run\s+"?[a-z-]+/.test(text);
}

/**
 * git's arguments each hook's job passes on. Lefthook pastes `{n}` into a shell command as raw text,
 * so only arguments git makes itself may go through it: shas, `0`/`1` flags, `amend`/`rebase`, the
 * reference-transaction state. Never pre-push's remote name and URL: a URL holding a `'` (a pasted
 * `git push <url>`) would close any quoting and run as a command. Under lefthook, pre-push checks
 * against the configured remote instead (commands/hook.ts), from git's stdin, which holds the refs.
 */
const ARGS: Partial<Record<HookName, number>> = { 'post-checkout': 3, 'post-merge': 1, 'post-rewrite': 1, 'reference-transaction': 1 };
const STDIN = new Set<HookName>(['pre-push', 'post-rewrite', 'reference-transaction']);

/** The YAML block (markers included, ending in a newline) with one `dx-hooks` job for each of `hooks`. Pure. */
export function lefthookBlock(hooks: readonly HookName[]): string {
  const lines = [BEGIN, '# dx-hooks runs from lefthook for the hooks lefthook took over; `dx-hooks uninstall` removes this block. Do not commit this file.'];
  for (const hook of hooks) {
    const args = Array.from({ length: ARGS[hook] ?? 0 }, (_, i) => ` '{${i + 1}}'`).join('');
    const script = `d=$(git rev-parse --git-common-dir) || exit 0; r="$d/dx/hooks/runtime.sh"; if [ -f "$r" ]; then DX_COMMON_DIR=$d exec sh "$r" "$d/hooks/${hook}" "$@"; fi; echo "dx-hooks: $r is missing; run: npx dx-hooks install" >&2`;
    lines.push(`${hook}:`, '  jobs:', '    - name: dx-hooks', ...(STDIN.has(hook) ? ['      use_stdin: true'] : []), '      run: |-', `        sh -c '${script}' dx-hooks${args}`);
  }
  lines.push(END);
  return lines.join('\n') + '\n';
}

/** The hooks a block in `text` runs dx-hooks for (empty: no block). Pure. */
export function hooksInBlock(text: string): string[] {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) return [];
  return [...text.slice(start, end).matchAll(/^([a-z-]+):\s*$/gm)].map((m) => m[1] as string);
}

/** `text` without dx-hooks' block (and the newline after it). Pure. */
export function stripLefthookBlock(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) return text;
  let after = end + END.length;
  if (text[after] === '\n') after++;
  return text.slice(0, start) + text.slice(after);
}

/**
 * The local config's new text with a block for `hooks`: our old block replaced, or the block
 * appended to the user's own text. Pure.
 * @throws DxError LEFTHOOK_LOCAL_CONFLICT when the user's text already has a top-level key for one
 *   of `hooks` (a second key would make the YAML invalid): the hint holds the lines to add by hand
 */
export function mergeLefthookBlock(existing: string, hooks: readonly HookName[], file: string): string {
  const own = stripLefthookBlock(existing);
  const taken = hooks.filter((h) => new RegExp(`^${h}\\s*:`, 'm').test(own));
  if (taken.length) {
    throw new DxError(
      'LEFTHOOK_LOCAL_CONFLICT',
      `lefthook took over ${hooks.join(', ')} from dx-hooks, and ${file} already configures ${taken.join(', ')}: dx-hooks cannot add its jobs there without breaking the file`,
      `Add a job named dx-hooks to each of those hooks in ${file} by hand, as in this block, then run dx-hooks doctor:\n${lefthookBlock(taken)}`,
    );
  }
  const body = own === '' || own.endsWith('\n') ? own : own + '\n';
  return body + lefthookBlock(hooks);
}

/**
 * Where lefthook's local config is for the work tree `top`, and its text (null: absent).
 * @throws DxError LEFTHOOK_LOCAL_CONFLICT when the user keeps it under another name lefthook reads
 *   (dx-hooks edits only lefthook-local.yml; a second file would not be read)
 */
export function lefthookLocal(top: string): { path: string; text: string | null } {
  const other = OTHER_LOCAL.find((f) => fs.existsSync(path.join(top, f)));
  if (other) {
    throw new DxError('LEFTHOOK_LOCAL_CONFLICT', `lefthook took over some of dx-hooks' hooks, and your local lefthook config is ${other}, which dx-hooks does not edit`, `Add a job named dx-hooks for each of those hooks to ${other} as dx-hooks would write it in ${LEFTHOOK_LOCAL} (see the README), then run dx-hooks doctor.`);
  }
  const file = path.join(top, LEFTHOOK_LOCAL);
  let text: string | null = null;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = null;
  }
  return { path: file, text };
}
