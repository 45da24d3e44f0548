// After tsc: bundle the CLI, make it executable, and generate dxrc.schema.json from the zod schema (one source of truth).
//
// Why a bundle: node's ES module loader pays per file. The CLI's hot paths (a checkpoint, guard, status, the
// hooks' worker) load ~60 of our modules and ~150 of zod's and other small dependencies': ~250 ms before the
// first git call, where `node -e 0` takes ~120 ms (bench/README.md, scenario 15). esbuild bundles src/cli.ts
// with those dependencies into dist/cli.js plus lazily loaded chunks (dist/chunks/: one per command, as the
// lazy command table in src/cli.ts imports them). Large dependencies loaded only on some paths stay plain
// imports from node_modules. tsc's own output stays beside it: the library API (dist/index.js, its types)
// and dist/commands/alert-child.js are not bundled, and the tests' in-process imports use it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { z } from 'zod';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Loaded on a few paths only, and large: interactive prompts, --watch, the progress bar, cosmiconfig (a .dxrc
 * not in the config cache). jsonc-parser (agent install) ships a UMD build whose require() calls a bundler
 * cannot follow: node loads it as it is. The MCP SDK (dx-hooks mcp) is large and brings its own dependencies.
 * The secret scanner is bundled: a lazily loaded chunk of its own (only the paths that scan import it), ~9 ms
 * faster to load than its ~20 files from node_modules (measured: a save, a checkpoint, a snapshot all wait for it).
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
fs.rmSync(path.join(root, 'dist/chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // agent-core: what the agent hook's own entry loads when its fast answer is not enough (shares the CLI's chunks).
  entryPoints: { cli: 'src/cli.ts', 'agent-core': 'src/agent-core.ts' },
  entryNames: '[name]',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require() for node's own modules, and write-file-atomic salts its
  // temporary names with __filename: give every chunk the CommonJS names.
  banner: {
    js: [
      "import { createRequire as __dxCreateRequire } from 'node:module';",
      "import { dirname as __dxDirname } from 'node:path';",
      "import { fileURLToPath as __dxFileURLToPath } from 'node:url';",
      'const require = __dxCreateRequire(import.meta.url);',
      'const __filename = __dxFileURLToPath(import.meta.url);',
      'const __dirname = __dxDirname(__filename);',
    ].join('\n'),
  },
});
fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
// The agent hook's own entry: a bundle of its own, no chunks (so it loads only the fast answer's few modules),
// that imports ./agent-core.js (above) for the rest.
await build({
  absWorkingDir: root,
  entryPoints: { 'agent-hook': 'src/agent-hook.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, './agent-core.js'],
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
  banner: { js: "import { createRequire as __dxCreateRequire } from 'node:module';\nconst require = __dxCreateRequire(import.meta.url);" },
});

const { DxConfigSchema } = await import(path.join(root, 'dist/core/config/schema.js'));
const schema = z.toJSONSchema(DxConfigSchema, { io: 'input', target: 'draft-07' });
schema.title = 'dx-hooks configuration (.dxrc)';
fs.writeFileSync(path.join(root, 'dxrc.schema.json'), JSON.stringify(schema, null, 2) + '\n');
