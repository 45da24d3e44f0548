/**
 * Commands dx-hooks prints for the user to paste (restore hints, `git checkout <sha> -- <path>`,
 * `chmod +x <path>`, `dx-hooks undo <id>` …) quote every word that came from data, so pasting them
 * runs exactly the command shown whatever the name holds (`$(…)`, `;`, quotes, spaces, controls).
 * Our own POSIX quoting rather than npm `shell-quote`: its `quote` leaves control characters raw
 * (a name with ESC would either drive the terminal or, once made visible, stop being the same name)
 * and switches between three quoting styles; ours is one rule that dash, bash, zsh and busybox share.
 */

/** Words that need no quoting: letters, digits and `_ . / @ % + = : , -` (ASCII only). */
const PLAIN = /^[A-Za-z0-9_./@%+=:,-]+$/;
/** Characters that are written as `"$(printf '\NNN')"` so the command stays printable and exact. */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** `c`'s UTF-8 bytes as printf octal escapes (`\033`, `\342\200\256`). */
function octal(c: string): string {
  return [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

/**
 * `s` as ONE word of a POSIX shell command line: unchanged when plain, else in single quotes with each
 * `'` written `'\\''`. A word holding a control or direction character is written
 * `"$(printf 'FORMAT')"` (the controls as octal escapes, `\\` and `%` doubled), so the printed command
 * holds no raw control character yet still names `s` exactly — except a name ending in a newline, which
 * command substitution would drop (git refuses such names in refs; for a file name it is quoted raw,
 * and the printer makes the newline visible: the command then names a different, harmless word).
 */
export function shellQuote(s: string): string {
  if (PLAIN.test(s)) return s;
  if (!CONTROL.test(s) || s.endsWith('\n')) return `'${s.replace(/'/g, `'\\''`)}'`;
  let fmt = '';
  for (const c of s) fmt += CONTROL.test(c) ? octal(c) : c === '\\' ? '\\\\' : c === '%' ? '%%' : c === "'" ? `'\\''` : c;
  // A format starting with `-` would be read as an option: start it with a `%s` that takes an empty argument.
  return fmt.startsWith('-') ? `"$(printf '%s${fmt}' '')"` : `"$(printf '${fmt}')"`;
}

/** A path as an operand of a command that takes no `--` (chmod, dx-hooks diagnose): a leading `-` becomes `./-…` so it is never read as an option. */
export function shellOperand(p: string): string {
  return shellQuote(p.startsWith('-') ? `./${p}` : p);
}

/** Words joined into one paste-able command line, each quoted by shellQuote. */
export function shellCommand(words: string[]): string {
  return words.map(shellQuote).join(' ');
}
