// Why: the snapshot benchmark needs a big, realistic, reproducible work tree — nested folders,
// mostly text, some binary files, unicode and spaced names — generated from a seed so every run
// (and every machine) snapshots exactly the same bytes.
import fs from 'node:fs';
import path from 'node:path';

/** mulberry32: a tiny deterministic PRNG (uint32 seed → floats in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'render', 'commit', 'branch', 'host', 'snapshot', 'index', 'const', 'return', 'value', 'export', 'function', 'if', 'else', 'await', 'async', 'string'];
const TOPS = ['src', 'lib', 'docs', 'test', 'packages', 'assets', 'tools', 'vendor', 'dir with space', 'ünïcödé'];
const EXTS = ['.ts', '.js', '.md', '.json', '.txt', '.css'];

export interface FixtureFile { rel: string; binary: boolean }

export interface Fixture {
  /** every generated path, relative, in generation order */
  files: FixtureFile[];
  /** total bytes written */
  bytes: number;
}

function textContent(rand: () => number, lines: number, salt: string): string {
  let s = `// ${salt}\n`;
  for (let i = 0; i < lines; i++) {
    const n = 3 + Math.floor(rand() * 9);
    const words: string[] = [];
    for (let w = 0; w < n; w++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
    s += words.join(' ') + '\n';
  }
  return s;
}

function binaryContent(rand: () => number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(rand() * 256);
  b[0] = 0; // NUL early: git treats it as binary
  return b;
}

/** The name of the i-th file: mostly plain, 1 % spaced, 1 % unicode, 2 % binary. */
function fileName(i: number, rand: () => number): { name: string; binary: boolean } {
  const r = rand();
  if (r < 0.02) return { name: `blob-${i}.bin`, binary: true };
  if (r < 0.03) return { name: `file with space ${i}.txt`, binary: false };
  if (r < 0.035) return { name: `naïve-café-${i}.md`, binary: false };
  if (r < 0.04) return { name: `日本語-${i}.txt`, binary: false };
  return { name: `f${i}${EXTS[Math.floor(rand() * EXTS.length)]}`, binary: false };
}

/**
 * Write `count` files under `dir` (which must exist): 10 top folders × 10 subfolders × nested
 * levels, text of 2–80 lines, binaries of 256 B–16 KiB. Deterministic for a given seed.
 */
export function generateFixture(dir: string, count = 20_000, seed = 20_000): Fixture {
  const rand = prng(seed);
  const files: FixtureFile[] = [];
  let bytes = 0;
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const top = TOPS[i % TOPS.length]!;
    const sub = `m${Math.floor(i / TOPS.length) % 10}`;
    // A third of the files sit two levels deeper, to exercise nested trees.
    const depth = rand() < 0.33 ? `/n${Math.floor(rand() * 5)}/k${Math.floor(rand() * 4)}` : '';
    const folder = `${top}/${sub}${depth}`;
    const { name, binary } = fileName(i, rand);
    const rel = `${folder}/${name}`;
    const abs = path.join(dir, rel);
    if (!made.has(folder)) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      made.add(folder);
    }
    const content = binary ? binaryContent(rand, 256 + Math.floor(rand() * 16_128)) : textContent(rand, 2 + Math.floor(rand() * 78), rel);
    fs.writeFileSync(abs, content);
    bytes += content.length;
    files.push({ rel, binary });
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n*.log\n');
  return { files, bytes };
}

/**
 * Make the tree dirty: modify `modified` tracked files (spread over the tree, binaries and
 * unicode/spaced names included) and add `untracked` new files. Returns the touched paths.
 */
export function dirtyFixture(dir: string, fx: Fixture, modified = 50, untracked = 20): { modified: string[]; untracked: string[] } {
  const step = Math.floor(fx.files.length / modified);
  const mod: FixtureFile[] = [];
  for (let k = 0; k < modified; k++) mod.push(fx.files[(k * step + 7) % fx.files.length]!);
  // Make sure the odd names are among the modified ones.
  const odd = [fx.files.find((f) => f.binary), fx.files.find((f) => f.rel.includes(' ')), fx.files.find((f) => /[^ -~]/.test(f.rel))];
  odd.forEach((f, j) => {
    if (f && !mod.includes(f)) mod[j] = f;
  });
  for (const f of mod) {
    const abs = path.join(dir, f.rel);
    if (f.binary) {
      const b = fs.readFileSync(abs);
      b[b.length - 1] = (b[b.length - 1]! + 1) % 256;
      fs.writeFileSync(abs, b);
    } else fs.appendFileSync(abs, 'a line added by the benchmark\n');
  }
  const added: string[] = [];
  for (let k = 0; k < untracked; k++) {
    const top = TOPS[k % TOPS.length]!;
    const rel = k % 5 === 0 ? `${top}/new folder ${k}/new ${k}.txt` : k % 5 === 1 ? `${top}/m1/nouveau-é-${k}.md` : `${top}/m${k % 10}/untracked-${k}.ts`;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), `export const untracked${k} = ${k};\n`);
    added.push(rel);
  }
  return { modified: mod.map((f) => f.rel), untracked: added };
}

/**
 * A bare remote `<root>/remote.git` (branch main) and a work tree `<root>/seed` whose origin it is,
 * holding `count` generated files (generateFixture with `seed`), nothing committed yet. `g` runs git
 * (cwd, argv) with the caller's environment.
 */
export async function seededRemote(root: string, count: number, seed: number, g: (cwd: string, args: string[]) => Promise<unknown>): Promise<{ remote: string; work: string; fx: Fixture }> {
  const remote = path.join(root, 'remote.git');
  await g(root, ['init', '-q', '--bare', '-b', 'main', remote]);
  const work = path.join(root, 'seed');
  fs.mkdirSync(work);
  await g(work, ['init', '-q', '-b', 'main']);
  await g(work, ['remote', 'add', 'origin', remote]);
  return { remote, work, fx: generateFixture(work, count, seed) };
}
