// After tsc: bundle the CLI, make it executable, and generate dxrc.schema.json from the zod schema (one source of truth).
//
// Why one bundle: node's module loader pays per file, and compiling is most of a short command's time (bench 18:
// `node -e 0` ~50 ms; a `session save` loads ~1 MB of zod, the secret scanner, commander and our modules). esbuild
// bundles src/bundle.ts with those dependencies into ONE CommonJS script, dist/bundle/dx-hooks.js, which the
// executable (dist/cli.js, built from src/launch/cli.ts) compiles with V8's code cache (src/launch/code-cache.ts):
// after a command's first run its code is not compiled again. Commands stay lazy inside it (esbuild wraps each
// dynamically imported module; its code runs when the command imports it). Large dependencies loaded only on some
// paths stay plain imports from node_modules. tsc's own output stays beside it: the library API (dist/index.js,
// its types) and dist/commands/alert-child.js are not bundled, and the tests' in-process imports use it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { z } from 'zod';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Loaded on a few paths only, and large: interactive prompts, --watch, the progress bar, cosmiconfig (a .dxrc
 * not in the config cache). jsonc-parser (agent install) ships a UMD build whose require() calls a bundler
 * cannot follow: node loads it as it is. The MCP SDK (dx-hooks mcp) is large and brings its own dependencies.
 * The secret scanner is bundled (only the paths that scan import it): ~9 ms faster to load than its ~20 files
 * from node_modules (measured: a save, a checkpoint, a snapshot all wait for it), and cached with the rest.
 */
const external = ['@inquirer/*', 'chokidar', 'cli-progress', 'cosmiconfig', 'jsonc-parser', '@modelcontextprotocol/*'];
for (const dep of external) {
  const name = dep.replace('/*', '');
  if (!Object.keys(pkg.dependencies).some((d) => d === name || d.startsWith(`${name}/`))) throw new Error(`post-build: external ${dep} is not a dependency in package.json`);
}
/**
 * zod's index re-exports every locale as a namespace (`z.locales`), so a bundle holds all 60-odd of them
 * (~360 KB, ~5 ms of compile on every node start). dx-hooks uses only English, the default zod installs
 * on its own: the namespace is resolved to one that holds `en` alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core|mini)[\\/]/.test(args.importer) ? { path: 'zod-locales-en', namespace: 'dx-zod' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'dx-zod' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';", resolveDir: root, loader: 'js' }));
  },
};
// dist/chunks/: the split ESM build before the one bundle; a build over an old dist must not leave it.
fs.rmSync(path.join(root, 'dist/chunks'), { recursive: true, force: true });
fs.rmSync(path.join(root, 'dist/bundle'), { recursive: true, force: true });
const bundleFile = path.join(root, 'dist/bundle/dx-hooks.js');
await build({
  absWorkingDir: root,
  entryPoints: ['src/bundle.ts'],
  outfile: bundleFile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
  // import() of the packages left in node_modules stays import() (several are ES modules only): rewritten below.
  supported: { 'dynamic-import': true },
  // Modules that find files beside themselves (install/assets.ts, config/load.ts) read import.meta.url: this file's
  // URL, handed in by the launcher (code-cache.ts; not a banner line, which would come before "use strict").
  define: { 'import.meta.url': '__dxImportMetaUrl' },
});
// import() in a script compiled from V8's code cache finds no loader in node 20 ("A dynamic import callback was not
// specified": the cache drops the script's host-defined options), so the bundle's import() calls (the packages left
// in node_modules, a few of node's own) go to a function the launcher hands in, `__dxImport` (code-cache.ts).
{
  const text = fs.readFileSync(bundleFile, 'utf8');
  const out = text.replace(/(?<![\w$.])import\((?=["'`])/g, '__dxImport(');
  const left = [...out.matchAll(/(?<![\w$.])import\((?!\))/g)];
  if (left.length) throw new Error(`post-build: an import() the launcher cannot serve is left in the bundle: ${left.map((m) => JSON.stringify(out.slice(m.index, m.index + 60))).join(', ')}`);
  if (!out.includes('__dxImport(')) throw new Error('post-build: no import() was rewritten: the bundle\'s dynamic imports changed shape');
  fs.writeFileSync(bundleFile, await escapeNonAscii(out));
}
// The modules were ES modules, which are strict: so is the bundle (esbuild's directive must stay its first line).
if (!fs.readFileSync(bundleFile, 'utf8').startsWith('"use strict";')) throw new Error('post-build: the bundle does not start with "use strict"');
// A CommonJS script in an ES module package: said for anything that loads it as node would.
fs.writeFileSync(path.join(root, 'dist/bundle/package.json'), '{ "type": "commonjs" }\n');

/**
 * The bundle as plain ASCII when that changes nothing: esbuild already writes strings and names escaped, but keeps
 * some comments as they were (an em dash, an ellipsis). Each non-ASCII UTF-16 unit becomes `\uXXXX`, which means the
 * same in a string, a template and a regular expression and nothing in a comment; that it changed nothing is proven
 * by esbuild printing both the same once comments and spacing are gone. An ASCII bundle is read as latin1 at start
 * (launch/code-cache.ts: ~3 ms less than decoding UTF-8). Otherwise it stays as it was, said here.
 */
async function escapeNonAscii(text) {
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii === text) return text;
  const { transform } = await import('esbuild');
  const norm = async (code) => (await transform(code, { minify: true, format: 'cjs', platform: 'node', target: 'node20', charset: 'ascii', logLevel: 'silent' })).code;
  if ((await norm(ascii)) === (await norm(text))) return ascii;
  console.warn('post-build: the bundle keeps non-ASCII text that escaping would change; it is read as UTF-8');
  return text;
}

// The command table's paths, from the bundle itself, for the executable's cache names (launch/code-cache.ts cacheKey).
process.env.DX_CODE_CACHE = '0';
const { loadBundle } = await import(pathToFileURL(path.join(root, 'dist/launch/code-cache.js')).href);
const commandPaths = loadBundle(bundleFile, 'cli').commandPaths();
if (!commandPaths.some((p) => p.join(' ') === 'session save')) throw new Error('post-build: the bundle\'s command table has no "session save"');

// What the launchers know of the bundle without reading it twice: its sha256 (the cache's name), length, and whether it is ASCII.
const bundleBytes = fs.readFileSync(bundleFile);
const builtBundle = { sha256: createHash('sha256').update(bundleBytes).digest('hex'), bytes: bundleBytes.length, ascii: !bundleBytes.some((b) => b > 0x7f) };

/** An ES module for node 20 in dist/, named after its entry (`entryPoints`: name → source). */
const esm = (entryPoints, extra) => build({ absWorkingDir: root, entryPoints, outdir: 'dist', entryNames: '[name]', bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', ...extra });

// The executable and the agent hook's full path: small ES modules with node's built-ins and env-paths only.
const defines = { define: { __DX_COMMAND_PATHS__: JSON.stringify(commandPaths), __DX_BUILT_BUNDLE__: JSON.stringify(builtBundle) } };
await esm({ cli: 'src/launch/cli.ts' }, defines);
await esm({ 'agent-core': 'src/agent-core.ts' }, defines);
fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
// The agent hook's own entry: a bundle of its own (so it loads only the fast answer's few modules), that
// imports ./agent-core.js (above) for the rest.
await esm({ 'agent-hook': 'src/agent-hook.ts' }, {
  external: [...external, './agent-core.js'],
  plugins: [zodEnglishOnly],
  banner: { js: "import { createRequire as __dxCreateRequire } from 'node:module';\nconst require = __dxCreateRequire(import.meta.url);" },
});

const { DxConfigSchema } = await import(path.join(root, 'dist/core/config/schema.js'));
const schema = z.toJSONSchema(DxConfigSchema, { io: 'input', target: 'draft-07' });
schema.title = 'dx-hooks configuration (.dxrc)';
fs.writeFileSync(path.join(root, 'dxrc.schema.json'), JSON.stringify(schema, null, 2) + '\n');
