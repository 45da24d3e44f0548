/**
 * Carrying out an install plan and undoing it. Every hook file dx-hooks touches is recorded in
 * install.json; our text always sits between BEGIN/END markers (git-branchless style) so
 * uninstall removes exactly it and puts renamed hooks back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';
import { checkInside, chmodInside, renameInside, rmInside, writeInside } from '../nofollow.js';
import { asset, BEGIN, CHAINED_SUFFIX, cliPath, END, HOOKS, packageVersion } from './assets.js';
import { HOOKS_ALERT, STAMP } from '../hookcheck/files.js';
import { LEGACY_HOOK_CACHES } from '../hookstate/write.js';
import { stripLefthookBlock } from './lefthook.js';
import { readManifest, writeManifest, type HookRecord, type Manifest } from './manifest.js';
import type { InstallPlan } from './plan.js';
import { huskyDirOf } from './plan.js';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * Writes of install and uninstall, each under its trusted root: the git common dir, else the work
 * tree (husky's folder), else — a hooks folder outside the repository that `install --force` was
 * told to use — that folder itself. No component below the root may be a symbolic link (a committed
 * `.husky -> ~`), the file itself included.
 */
interface Writer { root: (file: string) => string; write: (file: string, text: string) => void; writeMode: (file: string, text: string, mode: number) => void }

function writer(ctx: RepoContext, hooksDir: string): Writer {
  const within = (p: string, root: string) => p === root || p.startsWith(root + path.sep);
  const root = (file: string) => [ctx.commonDir, ctx.top, hooksDir].find((r) => within(file, r)) ?? path.dirname(file);
  const write = (file: string, text: string) => writeInside(root(file), file, text);
  return {
    root,
    write,
    writeMode: (file, text, mode) => {
      write(file, text);
      chmodInside(root(file), file, mode);
    },
  };
}

/** Remove the BEGIN…END block (and the newline after it) from a hook's text. */
export function stripBlock(text: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) return text;
  let after = end + END.length;
  if (text[after] === '\n') after++;
  return text.slice(0, start) + text.slice(after);
}

/**
 * Our block goes FIRST (after a shebang line, if any): husky runs these files with `sh -e`, so a
 * failing line or an `exit 0` above us would silently skip dx-hooks. `stripBlock` of the result is
 * the user's text again, byte for byte.
 */
function appendBlock(text: string, block: string): string {
  const nl = text.indexOf('\n');
  if (text.startsWith('#!') && nl >= 0) return text.slice(0, nl + 1) + block + text.slice(nl + 1);
  if (text.startsWith('#!')) return withNewline(text) + block;
  return block + text;
}

const withNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : text + '\n');

/** Every file `plan` writes, checked before anything is written: a link on the way refuses the whole install. @throws SymlinkRefused */
function checkPlanPaths(w: Writer, plan: InstallPlan): void {
  for (const a of plan.actions) {
    if (a.kind === 'keep-config') continue; // read, never written
    if (a.kind === 'chain-hook') {
      // The user's hook may itself be a link (to a script the repository keeps): it is renamed, link and all, never written.
      checkInside(w.root(a.path), a.path, { lastMayBeLink: true });
      checkInside(w.root(a.chained), a.chained);
      continue;
    }
    const files = a.kind === 'runtime' ? ['runtime.sh', 'node-path', 'cli-path', 'version'].map((f) => path.join(a.dir, f)) : [a.path];
    for (const f of files) checkInside(w.root(f), f);
  }
}

/**
 * Carry out `plan`. Returns the manifest written.
 * @param nodePath absolute node binary recorded for hooks run from GUIs whose PATH lacks node
 * @throws SymlinkRefused (PATH_THROUGH_SYMLINK) before writing anything when a path of the plan goes
 *   through a symbolic link (a committed `.husky` or `.husky/_` link); fs errors (the plan is
 *   idempotent: running install again completes it)
 */
export function applyInstall(ctx: RepoContext, plan: InstallPlan, nodePath = process.execPath): Manifest {
  const w = writer(ctx, plan.hooksDir);
  checkPlanPaths(w, plan);
  const prev = readManifest(ctx);
  const previous: Manifest | null = prev && !('error' in prev) ? prev : null;
  const hooks: Record<string, HookRecord> = {};
  let config: Manifest['config'] = previous?.config ?? null;
  const stub = asset('hooks/stub.sh');
  const block = asset('hooks/husky-block.sh');
  for (const a of plan.actions) {
    switch (a.kind) {
      case 'runtime':
        w.write(path.join(a.dir, 'runtime.sh'), asset('hooks/runtime.sh'));
        w.write(path.join(a.dir, 'node-path'), nodePath + '\n');
        w.write(path.join(a.dir, 'cli-path'), cliPath + '\n');
        w.write(path.join(a.dir, 'version'), packageVersion() + '\n');
        break;
      case 'create-hook':
        w.writeMode(a.path, stub, 0o755);
        hooks[a.hook] = { path: a.path, kind: 'created' };
        break;
      case 'chain-hook':
        renameInside(w.root(a.path), a.path, a.chained);
        w.writeMode(a.path, stub, 0o755);
        hooks[a.hook] = { path: a.path, kind: 'chained', chained: a.chained };
        break;
      case 'refresh-hook': {
        w.writeMode(a.path, stub, 0o755);
        const chained = a.path + CHAINED_SUFFIX;
        hooks[a.hook] = previous?.hooks[a.hook] ?? (fs.existsSync(chained) ? { path: a.path, kind: 'chained', chained } : { path: a.path, kind: 'created' });
        break;
      }
      case 'husky-append': {
        // husky runs its hook files with `sh -e`: they keep their own mode (usually 644); new ones are 755 for older husky.
        if (a.createFile) {
          w.writeMode(a.path, block, 0o755);
          hooks[a.hook] = { path: a.path, kind: 'husky-created' };
        } else {
          const text = fs.readFileSync(a.path, 'utf8');
          const mode = fs.statSync(a.path).mode & 0o7777;
          w.writeMode(a.path, appendBlock(text, block), mode);
          hooks[a.hook] = { path: a.path, kind: 'husky-appended', original: text, mode };
        }
        break;
      }
      case 'husky-refresh': {
        const mode = fs.statSync(a.path).mode & 0o7777;
        w.writeMode(a.path, appendBlock(stripBlock(fs.readFileSync(a.path, 'utf8')), block), mode);
        hooks[a.hook] = previous?.hooks[a.hook] ?? { path: a.path, kind: 'husky-appended' };
        break;
      }
      case 'create-config': {
        const text = asset('templates/dxrc.json');
        w.write(a.path, text);
        config = { path: a.path, sha256: sha256(text) };
        break;
      }
      case 'lefthook-chain':
        w.write(a.path, a.text);
        a.hooks.forEach((hook, i) => (hooks[hook] = { path: a.hookPaths[i] as string, kind: 'lefthook', chained: a.path }));
        break;
      case 'keep-config':
        break;
    }
  }
  const manifest: Manifest = { schema_version: 1, version: packageVersion(), installedAt: Math.floor(Date.now() / 1000), hooksDir: plan.hooksDir, hooks, config };
  writeManifest(ctx, manifest);
  // Written last: a hooks folder changed after it makes the runtime check the hooks again (hookcheck/).
  const runtime = plan.actions.find((a) => a.kind === 'runtime');
  if (runtime) w.write(path.join(runtime.dir, STAMP), '');
  rmInside(ctx.commonDir, path.join(ctx.dxDir, HOOKS_ALERT));
  return manifest;
}

/** What uninstall did, one line each. */
export interface UninstallReport { done: string[]; kept: string[] }

function removeOurs(w: Writer, file: string, report: UninstallReport, record: HookRecord): void {
  if (record.kind === 'lefthook') {
    // lefthook's own hook file stays. Our stub it renamed to <hook>.old goes; your hook that dx-hooks had chained
    // takes its place as <hook>.old, where lefthook keeps the hooks it replaced (and `lefthook uninstall` restores them).
    const old = `${file}.old`;
    if (fs.existsSync(old) && fs.readFileSync(old, 'utf8').includes(BEGIN)) {
      rmInside(w.root(old), old);
      report.done.push(`removed dx-hooks' stub ${old} (lefthook had renamed it)`);
    }
    if (fs.existsSync(file + CHAINED_SUFFIX) && !fs.existsSync(old)) {
      renameInside(w.root(old), file + CHAINED_SUFFIX, old);
      report.done.push(`put your hook back as ${old}, where lefthook keeps the hooks it replaced`);
    }
    const config = record.chained;
    if (!config || !fs.existsSync(config)) return;
    const text = fs.readFileSync(config, 'utf8');
    if (!text.includes(BEGIN)) return;
    const rest = stripLefthookBlock(text);
    if (rest.trim() === '') rmInside(w.root(config), config);
    else w.write(config, rest);
    report.done.push(`removed the dx-hooks jobs from ${config}`);
    return;
  }
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(BEGIN)) return;
  const createdByUs = record.kind === 'created' || record.kind === 'chained' || record.kind === 'husky-created';
  const rest = stripBlock(text);
  if (createdByUs && rest.replace(/^#!.*\n?/, '').trim() === '') {
    rmInside(w.root(file), file);
    report.done.push(`removed ${file}`);
    return;
  }
  const mode = fs.statSync(file).mode & 0o7777;
  // Untouched since install: put back the exact bytes and mode; edited since: remove only our block.
  const exact = record.original !== undefined && (rest === record.original || rest === withNewline(record.original));
  w.writeMode(file, exact ? (record.original as string) : rest, exact && record.mode !== undefined ? record.mode : mode);
  report.done.push(`removed the dx-hooks block from ${file}`);
}

/**
 * Undo install: remove our stubs and blocks, put chained hooks back under their own names,
 * remove the runtime, and delete `.dxrc.json` only if it is still exactly what install wrote.
 * The ledger and state are kept (they are the user's history). With `dryRun` nothing is written.
 */
export function uninstall(ctx: RepoContext, hooksDir: string, dryRun = false): UninstallReport {
  const w = writer(ctx, hooksDir);
  const report: UninstallReport = { done: [], kept: [] };
  const m = readManifest(ctx);
  const manifest = m && !('error' in m) ? m : null;
  const husky = huskyDirOf(hooksDir);
  const records: HookRecord[] = manifest
    ? Object.values(manifest.hooks)
    : HOOKS.map((h) => {
        const p = path.join(husky ?? hooksDir, h);
        return fs.existsSync(p + CHAINED_SUFFIX) ? { path: p, kind: 'chained' as const, chained: p + CHAINED_SUFFIX } : { path: p, kind: husky ? ('husky-appended' as const) : ('created' as const) };
      });
  for (const r of records) {
    if (dryRun) {
      if (fs.existsSync(r.path) && fs.readFileSync(r.path, 'utf8').includes(BEGIN)) report.done.push(`would remove dx-hooks from ${r.path}${r.chained ? ` and put ${r.chained} back` : ''}`);
      continue;
    }
    removeOurs(w, r.path, report, r);
    if (r.kind === 'chained' && r.chained && fs.existsSync(r.chained)) {
      if (fs.existsSync(r.path)) report.kept.push(`${r.chained} (kept: ${r.path} exists again)`);
      else {
        renameInside(w.root(r.path), r.chained, r.path);
        report.done.push(`put your hook back: ${r.path}`);
      }
    }
  }
  const rt = path.join(ctx.dxDir, 'hooks');
  if (fs.existsSync(rt)) {
    if (!dryRun) fs.rmSync(rt, { recursive: true, force: true });
    report.done.push(`${dryRun ? 'would remove' : 'removed'} the hook runtime ${rt}`);
  }
  if (manifest?.config && fs.existsSync(manifest.config.path)) {
    const same = sha256(fs.readFileSync(manifest.config.path, 'utf8')) === manifest.config.sha256;
    if (same) {
      if (!dryRun) rmInside(w.root(manifest.config.path), manifest.config.path);
      report.done.push(`${dryRun ? 'would remove' : 'removed'} ${manifest.config.path} (unchanged since install)`);
    } else report.kept.push(`${manifest.config.path} (you edited it)`);
  }
  if (!dryRun) {
    fs.rmSync(path.join(ctx.dxDir, 'install.json'), { force: true });
    for (const f of [...LEGACY_HOOK_CACHES, 'banner', HOOKS_ALERT]) fs.rmSync(path.join(ctx.dxDir, f), { force: true });
    // Each worktree's hook state and config cache (<git-dir>/dx/: the common dx/ for the main worktree).
    const wtDirs = [ctx.dxDir];
    try {
      for (const n of fs.readdirSync(path.join(ctx.commonDir, 'worktrees'))) wtDirs.push(path.join(ctx.commonDir, 'worktrees', n, 'dx'));
    } catch {
      /* no linked worktrees */
    }
    for (const d of wtDirs) {
      for (const f of ['hook-state', 'config-cache.json', 'guard-state.json']) {
        try {
          rmInside(ctx.commonDir, path.join(d, f));
        } catch (err) {
          // A link on the way (never followed): left, and said; the other worktrees are still cleaned.
          report.kept.push(`${path.join(d, f)} (${(err as Error).message})`);
        }
      }
    }
    fs.rmSync(path.join(ctx.dxDir, 'warn'), { recursive: true, force: true });
  }
  report.kept.push(`${path.join(ctx.dxDir, 'events.jsonl')} and state (your history; delete ${ctx.dxDir} to drop them)`);
  return report;
}
