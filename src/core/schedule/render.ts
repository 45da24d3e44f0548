/**
 * The scheduler files are templates (templates/systemd, launchd, cron) filled with paths the user
 * controls. Each format has its own quoting rules; every value goes through the escaper of the
 * format it lands in, so a home directory like `/home/Ann O'Neil & co` can never break a file or
 * become part of a command. Nothing here runs a shell.
 */

/** Characters that need no quoting in sh or systemd: paths and flags as people usually write them. */
const PLAIN = /^[A-Za-z0-9_/.,:@+=-]+$/;

/**
 * Replace every `{{NAME}}` in `template` with `vars.NAME` (already escaped for the format). A line
 * holding only a placeholder whose value is empty disappears (an empty Environment= block).
 * @throws Error naming a placeholder that has no value (a template and its planner out of step)
 */
export function fill(template: string, vars: Record<string, string>): string {
  const missing = [...template.matchAll(/\{\{([A-Z_]+)\}\}/g)].map((m) => m[1] as string).filter((n) => !(n in vars));
  if (missing.length) throw new Error(`template placeholder(s) without a value: ${[...new Set(missing)].join(', ')}`);
  return template
    .replace(/^[ \t]*\{\{([A-Z_]+)\}\}[ \t]*\n/gm, (line, name: string) => (vars[name] === '' ? '' : line))
    .replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => vars[name] as string);
}

/** XML text or attribute content: `&`, `<`, `>`, `"` and `'` as entities. */
export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Text for inside an XML comment, which may not contain `--`. */
export function xmlComment(value: string): string {
  return value.replace(/-(?=-)/g, '- ');
}

/**
 * One word of a systemd `ExecStart=` line: plain words as they are, anything else in double quotes
 * with `\` and `"` backslash-escaped, `%` doubled (specifiers) and `$` doubled (variable expansion).
 * The executable (`first`) gets no variable expansion, so its `$` stays single; systemd refuses an
 * executable path holding `"`, `'` or `\` (see SYSTEMD_EXEC_REFUSED).
 */
export function systemdWord(value: string, first = false): string {
  if (PLAIN.test(value)) return value;
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%');
  return `"${first ? escaped : escaped.replace(/\$/g, '$$$$')}"`;
}

/** Characters systemd refuses in an executable path, whatever the quoting ("Executable name contains special characters"). */
export const SYSTEMD_EXEC_REFUSED = /["'\\]/;

/**
 * One systemd `Environment=` assignment, quoted: `"NAME=value"` with `\` and `"` escaped and `%`
 * doubled (`$` means nothing there). `name` must be a plain variable name.
 */
export function systemdEnv(name: string, value: string): string {
  return `"${name}=${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

/**
 * One word of a command in a crontab line: plain words as they are, anything else in POSIX sh
 * single quotes (`'` as `'\''`). cron turns an unescaped `%` into a newline before sh sees the
 * line, so `%` is written outside the quotes as `\%` (`'50'\%'off'`): cron drops that backslash,
 * and no backslash from the value can ever sit right before it.
 */
export function cronWord(value: string): string {
  if (PLAIN.test(value)) return value;
  return `'${value.replace(/'/g, "'\\''").replace(/%/g, "'\\%'")}'`;
}

/** A command line for display only (messages, --dry-run): argv words sh-quoted where needed. */
export function displayArgv(argv: readonly string[]): string {
  return argv.map((a) => (PLAIN.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
