/** Sizes in `.dxrc` (`wip.maxFileSize`), parsed without zod so the background worker need not load it. */

/** A size: a number, optionally followed by a unit. */
export const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** Parse a size: a number of bytes, or `"10MiB"`, `"500 KB"` (KB/MB/GB decimal, KiB/MiB/GiB binary). Returns bytes. */
export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = SIZE_RE.exec(v);
  if (!m) throw new Error(`not a size: ${v}`);
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
}
