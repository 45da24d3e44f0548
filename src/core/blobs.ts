/**
 * Many objects in one git call: sizes with `cat-file --batch-check`, contents with `cat-file --batch`.
 * Snapshots of many staged files and the secret gate read blobs through here, so their cost does not
 * grow by one git process per file.
 */
import { gitBytes, gitRaw } from './git.js';

/**
 * Sizes in bytes of the blobs among `shas` (one `cat-file --batch-check`); a sha that is missing or
 * not a blob is absent from the map.
 * @throws GitError when git fails
 */
export async function blobSizes(cwd: string, shas: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (!shas.length) return sizes;
  const out = await gitRaw(['cat-file', '--batch-check'], { cwd, input: shas.join('\n') + '\n' });
  for (const line of out.split('\n')) {
    const [sha, type, size] = line.split(' ');
    if (sha && type === 'blob') sizes.set(sha, Number(size));
  }
  return sizes;
}

/**
 * Objects by name (`<rev>:<path>`, or an id) in one `cat-file --batch` call, keyed by the name asked for; a
 * name git reports missing (or ambiguous) is absent from the map. `env` is for a temporary index (`:<path>`).
 * @throws GitError when git fails
 */
export async function readNamed(cwd: string, names: readonly string[], env?: Record<string, string>): Promise<Map<string, { type: string; bytes: Buffer }>> {
  const found = new Map<string, { type: string; bytes: Buffer }>();
  if (!names.length) return found;
  const out = await gitBytes(['cat-file', '--batch'], { cwd, input: names.join('\n') + '\n', env });
  let at = 0;
  for (const name of names) {
    const nl = out.indexOf(10, at);
    if (nl < 0) break;
    const header = out.subarray(at, nl).toString('utf8').split(' ');
    if (header.length !== 3) {
      at = nl + 1; // `<name> missing` (or ambiguous)
      continue;
    }
    const size = Number(header[2]);
    found.set(name, { type: header[1]!, bytes: out.subarray(nl + 1, nl + 1 + size) });
    at = nl + 1 + size + 1;
  }
  return found;
}

/**
 * Objects' contents (blobs, commits) in one `cat-file --batch` call, whose output is
 * `<sha> <type> <size>\n<bytes>\n` per object.
 * @throws Error when an object is missing; GitError when git fails
 */
export async function readBlobs(cwd: string, shas: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (!shas.length) return blobs;
  const out = await gitBytes(['cat-file', '--batch'], { cwd, input: shas.join('\n') + '\n' });
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(10, at);
    if (nl < 0) break;
    const [sha, type, size] = out.subarray(at, nl).toString('utf8').split(' ');
    if (!sha || !type || type === 'missing') throw new Error(`git cat-file --batch: unexpected ${out.subarray(at, nl).toString('utf8')}`);
    const n = Number(size);
    blobs.set(sha, out.subarray(nl + 1, nl + 1 + n));
    at = nl + 1 + n + 1;
  }
  return blobs;
}

/**
 * Which of `shas` name commits this repository has (one `cat-file --batch-check`).
 * @throws GitError when git fails
 */
export async function commitsPresent(cwd: string, shas: readonly string[]): Promise<Set<string>> {
  const have = new Set<string>();
  if (!shas.length) return have;
  const out = await gitRaw(['cat-file', '--batch-check'], { cwd, input: shas.join('\n') + '\n' });
  for (const line of out.split('\n')) {
    const [sha, type] = line.split(' ');
    if (sha && type === 'commit') have.add(sha);
  }
  return have;
}
