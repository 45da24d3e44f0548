import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layering (issue 11): only the git runner (src/core/git.ts) starts git, and src/core/ never
// prints, never exits and never installs signal handlers — the command layer does (src/commands, src/cli.ts).
const noTerminal = [
  { selector: "MemberExpression[object.name='console']", message: 'src/core never prints: return data or throw a DxError; the command layer prints.' },
  { selector: "MemberExpression[object.name='process'][property.name=/^(stdout|stderr|exit|exitCode)$/]", message: 'src/core never prints or exits: return data or throw a DxError.' },
  { selector: "CallExpression[callee.object.name='process'][callee.property.name=/^(on|once|addListener|prependListener)$/]", message: 'src/core installs no signal or process handlers: take an AbortSignal.' },
];
// The one store (src/core/store/) reads and writes dx-hooks' own JSON and JSON Lines files: nothing
// else appends lines by hand, writes atomically outside a repository, or parses/serialises a file itself.
const storeOnly = [
  { group: ['**/nofollow.js'], importNames: ['appendLinesInside'], message: 'Append JSON Lines through the store (src/core/store/write.ts appendJsonl): one torn-line rule.' },
  { group: ['write-file-atomic'], message: 'Write files outside a repository through the store (src/core/store/user.ts writeAtomic).' },
];
const storeSyntax = [
  { selector: "CallExpression[callee.name=/^(writeInside|createInside|writeAtomic)$/] CallExpression[callee.object.name='JSON'][callee.property.name='stringify']", message: "dx-hooks' JSON files are written through the store (src/core/store: writeJson)." },
  { selector: "CallExpression[callee.object.name='JSON'][callee.property.name='parse'] CallExpression[callee.property.name=/^read(File|FileSync|StoreText)$/]", message: "dx-hooks' JSON files are read through the store (src/core/store: readJson, with a zod schema)." },
];
const noSpawn = { patterns: storeOnly, paths: [{ name: 'node:child_process', message: 'Only the git runner (src/core/git.ts) starts git; other programs are started by the one module that owns them.' }, { name: 'child_process', message: 'Use node:child_process only in the runner.' }, { name: 'simple-git', message: 'git runs through src/core/git.ts only.' }] };

export default tseslint.config(
  { ignores: ['dist/', '.test-build/', 'node_modules/', 'bench/.fixtures/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    files: ['src/**/*.ts'],
    // Programs that are not git, each started by the one module that owns it: the scheduler's tools, ps, the alert sender and notify-send/osascript, and this CLI's own background worker (commands/background.ts).
    ignores: ['src/core/git.ts', 'src/core/schedule/exec.ts', 'src/core/protect/txid.ts', 'src/core/alert/send.ts', 'src/commands/alert-child.ts', 'src/commands/background.ts'],
    rules: { 'no-restricted-imports': ['error', noSpawn] },
  },
  { files: ['src/core/store/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: noSpawn.paths }] } },
  {
    files: ['src/core/**/*.ts'],
    // The DX_DEBUG trace: the runner's and debug.ts's lines under DX_DEBUG=1, the one output core may write.
    ignores: ['src/core/git.ts', 'src/core/debug.ts', 'src/core/store/**'],
    rules: { 'no-restricted-syntax': ['error', ...noTerminal, ...storeSyntax] },
  },
  { files: ['src/core/store/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...noTerminal] } },
);
