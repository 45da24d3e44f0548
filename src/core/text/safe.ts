/**
 * Text that came from git, the remote or another host is data, never terminal control (issue 10,
 * class 7). One place decides what is neutralised: C0 controls (ESC, BEL, CR, LF, TAB …), DEL, the C1
 * controls (U+0080–U+009F: U+009B is a one-character CSI on some terminals), and the Unicode
 * direction controls that reorder what is shown (U+202A–U+202E overrides/embeddings, U+2066–U+2069
 * isolates, U+200E/U+200F/U+061C marks) plus U+2028/U+2029 (line breaks to some renderers). Each
 * becomes a visible escape (`\x1b`, `\u202e`); every other character (é, CJK, emoji) is kept.
 * The terminal layer (src/commands/print.ts) calls these; core calls them only for text it writes to
 * files that the sh hooks print raw (the banner, warn/<branch>.msg).
 */

/** Everything neutralised by safeText (one character each; astral characters are never matched). */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set minus LF and TAB: what a printed line may still hold (LF separates lines we print on purpose). */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const UNSAFE_IN_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/**
 * The SGR sequences our own colours (picocolors: bold, dim, red, green, yellow and their resets) are
 * made of. Only these survive safeLine with `keepColours`: no cursor moves, no OSC (titles, clipboard,
 * hyperlinks), no hidden or background colours, so at worst foreign text can recolour itself.
 */
// eslint-disable-next-line no-control-regex -- matching controls is the point
const OWN_SGR = /\u001b\[(?:1|2|22|31|32|33|39)m/y;

/** The visible escape of one unsafe character: `\xHH` up to U+00FF, `\uHHHH` above. */
function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * `s` with every control, escape and direction character replaced by a visible escape (`\x1b`, `\r` →
 * `\x0d`, a newline → `\x0a`, U+202E → `\u202e`). For one field of foreign data (a commit subject, a
 * host, branch or file name, an index or ledger field) printed inside a line: it cannot end the line,
 * move the cursor, or reorder what follows it. Ordinary Unicode is unchanged.
 */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/**
 * A whole line (or block of lines) about to be written to a terminal or log: like safeText but newlines
 * and tabs stay, and with `keepColours` the exact SGR sequences of our own colours stay too (every other
 * ESC is escaped). The last line of defence at the one place commands print (print.ts).
 */
export function safeLine(s: string, keepColours = false): string {
  if (!keepColours) return s.replace(UNSAFE_IN_LINE, escapeChar);
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '\u001b') {
      OWN_SGR.lastIndex = i;
      const m = OWN_SGR.exec(s);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += c.replace(UNSAFE_IN_LINE, escapeChar);
    i++;
  }
  return out;
}

/** Characters JSON.stringify leaves raw that a terminal may still act on: DEL, C1, direction controls, U+2028/U+2029. */
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify(value, null, indent)` with the characters above written as `\uHHHH` escapes too: the
 * document parses back to exactly the same value (`--json` stays exact), yet printing it cannot drive a
 * terminal. (JSON.stringify already escapes U+0000–U+001F; those characters appear only inside strings.)
 */
export function safeJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  return text === undefined ? 'null' : text.replace(JSON_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
