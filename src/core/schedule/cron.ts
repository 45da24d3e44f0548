/**
 * The crontab side of scheduling, as pure text functions: intervals ↔ cron expressions, and our
 * block between `# BEGIN dx-hooks <job>` / `# END dx-hooks <job>` markers, replaced in place or
 * removed so every other line of the user's crontab stays exactly as it was (git-branchless style).
 */
import { DxError, EXIT } from '../errors.js';

/** The intervals cron can express, for error messages. */
export const CRON_INTERVALS = 'every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, every 1, 2, 3, 4, 6, 8 or 12 hours, or once a day (1d)';

/**
 * The cron expression running every `seconds`: minutes dividing 60 (`*\/15 * * * *`), hours
 * dividing 24 (`0 *\/2 * * *`), or exactly one day (`0 0 * * *`). Null for anything else.
 */
export function cronExpression(seconds: number): string | null {
  if (seconds === 60) return '* * * * *';
  if (seconds % 60 === 0 && seconds < 3600 && 60 % (seconds / 60) === 0) return `*/${seconds / 60} * * * *`;
  if (seconds === 3600) return '0 * * * *';
  if (seconds % 3600 === 0 && seconds < 86_400 && 24 % (seconds / 3600) === 0) return `0 */${seconds / 3600} * * *`;
  if (seconds === 86_400) return '0 0 * * *';
  return null;
}

/** The interval in seconds of an expression `cronExpression` writes (from its first five fields); null for any other. */
export function cronSeconds(line: string): number | null {
  const f = line.trim().split(/\s+/).slice(0, 5).join(' ');
  if (f === '* * * * *') return 60;
  if (f === '0 * * * *') return 3600;
  if (f === '0 0 * * *') return 86_400;
  const m = /^\*\/(\d+) \* \* \* \*$/.exec(f);
  if (m) return Number(m[1]) * 60;
  const h = /^0 \*\/(\d+) \* \* \*$/.exec(f);
  return h ? Number(h[1]) * 3600 : null;
}

/** Split a table into lines (without the final newline). */
const linesOf = (table: string): string[] => (table === '' ? [] : (table.endsWith('\n') ? table.slice(0, -1) : table).split('\n'));

/** Indexes [begin, end] of each marked block; the lines may carry trailing blanks (or a CR). @throws DxError CRONTAB_BLOCK_BROKEN on a BEGIN without END */
function blocksOf(lines: string[], begin: string, end: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] as string).trimEnd() !== begin) continue;
    let j = i + 1;
    while (j < lines.length && (lines[j] as string).trimEnd() !== end) j++;
    if (j >= lines.length) {
      throw new DxError('CRONTAB_BLOCK_BROKEN', `your crontab has a "${begin}" line without its "${end}" line`, 'Fix it with crontab -e (delete the dx-hooks lines), then run the command again.', EXIT.FAILED);
    }
    found.push([i, j]);
    i = j;
  }
  return found;
}

/** The text of the first marked block (markers included, newline-terminated), or null when there is none. @throws DxError CRONTAB_BLOCK_BROKEN */
export function findBlock(table: string, begin: string, end: string): string | null {
  const lines = linesOf(table);
  const first = blocksOf(lines, begin, end)[0];
  return first ? lines.slice(first[0], first[1] + 1).join('\n') + '\n' : null;
}

/**
 * `table` with the marked block replaced by `block` (newline-terminated, markers included) where the
 * first one was, or appended at the end; with `block` null, every marked block removed. Extra
 * copies of the block are dropped, so the result holds at most one. Other lines are untouched.
 * @returns the new table: '' when nothing is left, else newline-terminated
 * @throws DxError CRONTAB_BLOCK_BROKEN on a BEGIN without END
 */
export function spliceBlock(table: string, begin: string, end: string, block: string | null): string {
  const lines = linesOf(table);
  const blocks = blocksOf(lines, begin, end);
  if (block === null && !blocks.length) return table;
  const add = block === null ? [] : linesOf(block);
  const out: string[] = [];
  let i = 0;
  for (const [b, e] of blocks) {
    out.push(...lines.slice(i, b));
    if (b === blocks[0]?.[0]) out.push(...add);
    i = e + 1;
  }
  out.push(...lines.slice(i));
  if (!blocks.length) out.push(...add);
  return out.length ? out.join('\n') + '\n' : '';
}
