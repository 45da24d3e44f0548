/**
 * dx-hooks' entries in an agent's settings file (issue 14 point 1), edited in place with jsonc-parser
 * (VS Code's JSON editor: an edit changes only the bytes it must, so the user's other settings, hooks,
 * comments where the format allows them, and formatting stay as they were). Install first removes any
 * dx-hooks entry, then adds one group per event: installing twice changes nothing. Uninstall puts back
 * the file's original bytes when nobody changed it since (the record in `<git-dir>/dx/agents/`), else
 * removes dx-hooks' entries and nothing else.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import type { RepoContext } from '../../context.js';
import { DxError, EXIT } from '../../errors.js';
import { checkInside, rmInside, writeInside } from '../../nofollow.js';
import { readCacheJson, writeJson } from '../../store/index.js';
import { COMMON_DIR_SH, HOOK_MARKER, hookCommand, type AgentAdapter } from './adapters.js';

/** What install found and wrote, to put it back exactly (`original`: the file's bytes, base64; null: there was none). */
export const InstallRecordSchema = z.object({
  schema_version: z.literal(1),
  agent: z.string(),
  file: z.string(),
  original: z.string().nullable(),
  createdDir: z.boolean(),
  written: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number().int(),
});
export type InstallRecord = z.output<typeof InstallRecordSchema>;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Where the record of one agent's install in one settings file lives (per worktree: each has its own settings). */
export function recordFile(ctx: RepoContext, agent: string, file: string): string {
  return path.join(ctx.gitDir, 'dx', 'agents', `${agent}-${sha256(file).slice(0, 12)}.json`);
}

/** The file's line end and one level of its indentation (what added entries use, so they look like the rest). */
function formatting(text: string): { eol: string; unit: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const m = /\n([ \t]+)\S/.exec(text);
  return { eol, unit: m?.[1]?.startsWith('\t') ? '\t' : (m?.[1] ?? '  ') };
}

/** The leading whitespace of the line `offset` is on. */
function indentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/**
 * `text` with `value` added as the last element of the array, or the last property (`key`) of the object,
 * at `at`. Only bytes are added: the rest stays as it was. In a container written on several lines the
 * new entry is on lines of its own, indented like its siblings; in one written inline, it is inline too.
 */
function appendAt(text: string, at: Array<string | number>, key: string | null, value: unknown): string {
  const { eol, unit } = formatting(text);
  const root = parseTree(text);
  const container = root && (at.length ? findNodeAtLocation(root, at) : root);
  if (!container || (container.type !== 'object' && container.type !== 'array')) throw new Error(`no ${at.join('.') || 'top-level'} container to add to`);
  const children = container.children ?? [];
  const last = children.at(-1);
  let insertAt: number;
  let before: string;
  let after = '';
  let indent: string;
  let multiline: boolean;
  if (last) {
    insertAt = last.offset + last.length;
    multiline = text.slice(container.offset, last.offset).includes('\n');
    indent = multiline ? indentAt(text, last.offset) : '';
    before = multiline ? `,${eol}${indent}` : ', ';
  } else {
    // An empty container: the entry on a line of its own, inside brackets on lines of their own.
    insertAt = container.offset + 1;
    const outer = indentAt(text, container.offset);
    indent = outer + unit;
    multiline = true;
    before = `${eol}${indent}`;
    after = `${eol}${outer}`;
    const close = container.offset + container.length - 1;
    text = text.slice(0, insertAt) + text.slice(close); // whatever whitespace was inside goes
  }
  const json = multiline ? JSON.stringify(value, null, unit).split('\n').join(eol + indent) : JSON.stringify(value);
  const item = (key === null ? '' : `${JSON.stringify(key)}: `) + json;
  return text.slice(0, insertAt) + before + item + after + text.slice(insertAt);
}

/** `text` without the array element or object property at `at`, and the separator that came with it (what appendAt added, exactly). */
function removeAt(text: string, at: Array<string | number>): string {
  const root = parseTree(text);
  const found = root && findNodeAtLocation(root, at);
  if (!found) return text;
  const node: Node = found.parent?.type === 'property' ? found.parent : found;
  const siblings = node.parent?.children ?? [node];
  const i = siblings.indexOf(node);
  let start: number;
  let end: number;
  if (i > 0) {
    const prev = siblings[i - 1]!;
    start = prev.offset + prev.length;
    end = node.offset + node.length;
  } else if (siblings.length > 1) {
    start = node.offset;
    end = siblings[1]!.offset;
  } else {
    // The only entry: the container is left empty (`[]`, `{}`), its brackets where they were.
    const c = node.parent!;
    start = c.offset + 1;
    end = c.offset + c.length - 1;
  }
  return text.slice(0, start) + text.slice(end);
}

/**
 * Parse a settings file's text.
 * @throws DxError AGENT_SETTINGS_INVALID (exit 2) naming the file, line and column, and what is wrong
 */
function parseSettings(text: string, file: string, comments: boolean): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { disallowComments: !comments, allowTrailingComma: comments, allowEmptyContent: true }) as unknown;
  if (errors.length) {
    const e = errors[0]!;
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const col = e.offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new DxError('AGENT_SETTINGS_INVALID', `${file}:${line}:${col}: ${printParseErrorCode(e.error)}`, `Fix the file (it is left as it is), then run the command again.`, EXIT.USAGE);
  }
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DxError('AGENT_SETTINGS_INVALID', `${file}: the top level is not a JSON object`, 'Fix the file (it is left as it is), then run the command again.', EXIT.USAGE);
  const hooks = (value as Record<string, unknown>).hooks;
  if (hooks !== undefined && (!hooks || typeof hooks !== 'object' || Array.isArray(hooks))) throw new DxError('AGENT_SETTINGS_INVALID', `${file}: "hooks" is not an object`, 'Fix the file (it is left as it is), then run the command again.', EXIT.USAGE);
  return value as Record<string, unknown>;
}

type Group = { matcher?: unknown; hooks?: unknown };
const ours = (h: unknown) => !!h && typeof h === 'object' && typeof (h as { command?: unknown }).command === 'string' && (h as { command: string }).command.includes(HOOK_MARKER);

/** The text without dx-hooks' entries (groups left empty by that, and events or a `hooks` key left empty, go too). */
export function withoutOurs(text: string, file: string, comments: boolean): string {
  const edit = removeAt;
  let out = text;
  const value = parseSettings(out, file, comments);
  const hooks = (value.hooks ?? {}) as Record<string, unknown>;
  const events = Object.keys(hooks);
  let emptied = 0;
  for (const ev of events) {
    const groups = hooks[ev];
    if (!Array.isArray(groups)) continue;
    let gone = 0;
    for (let gi = groups.length - 1; gi >= 0; gi--) {
      const g = groups[gi] as Group;
      const handlers = Array.isArray(g?.hooks) ? (g.hooks as unknown[]) : [];
      const mine = handlers.map((h, i) => (ours(h) ? i : -1)).filter((i) => i >= 0);
      if (!mine.length) continue;
      if (mine.length === handlers.length) {
        out = edit(out, ['hooks', ev, gi]);
        gone++;
      } else for (const hi of mine.reverse()) out = edit(out, ['hooks', ev, gi, 'hooks', hi]);
    }
    if (gone && gone === groups.length) {
      out = edit(out, ['hooks', ev]);
      emptied++;
    }
  }
  if (emptied && emptied === events.length) out = edit(out, ['hooks']);
  // dx-hooks' MCP server entry (`--mcp`), and an `mcpServers` left empty by that.
  const servers = (parseSettings(out, file, comments).mcpServers ?? null) as Record<string, unknown> | null;
  if (servers && typeof servers === 'object' && isOurServer(servers[MCP_NAME])) {
    out = edit(out, Object.keys(servers).length === 1 ? ['mcpServers'] : ['mcpServers', MCP_NAME]);
  }
  return out;
}

/** The name dx-hooks' MCP server is registered under, and what tells its entry from one the user wrote. */
export const MCP_NAME = 'dx-hooks';
const isOurServer = (v: unknown) => !!v && typeof v === 'object' && JSON.stringify(v).includes('dx/hooks/cli-path');

/** The MCP server entry (`mcpServers.dx-hooks`): the repository's recorded node and CLI, found through git like the hooks' line, so it works in a shared file on every clone. */
export function mcpEntry(): { command: string; args: string[] } {
  return { command: 'sh', args: ['-c', `${COMMON_DIR_SH}; exec "$(cat "$d/dx/hooks/node-path")" "$(cat "$d/dx/hooks/cli-path")" mcp`] };
}

/** The text with dx-hooks' MCP server entry under `mcpServers` (an older one replaced). */
export function withOurMcp(text: string, file: string, comments: boolean): string {
  let out = text.trim() ? text : '{}\n';
  const servers = parseSettings(out, file, comments).mcpServers as Record<string, unknown> | undefined;
  if (servers && isOurServer(servers[MCP_NAME])) out = removeAt(out, ['mcpServers', MCP_NAME]);
  else if (servers && servers[MCP_NAME] !== undefined) throw new DxError('AGENT_SETTINGS_INVALID', `${file}: mcpServers.${MCP_NAME} is a server of your own`, 'Rename it, then run the command again.', EXIT.USAGE);
  const now = parseSettings(out, file, comments).mcpServers;
  if (now === undefined) return appendAt(out, [], 'mcpServers', { [MCP_NAME]: mcpEntry() });
  if (!now || typeof now !== 'object' || Array.isArray(now)) throw new DxError('AGENT_SETTINGS_INVALID', `${file}: "mcpServers" is not an object`, 'Fix the file (it is left as it is), then run the command again.', EXIT.USAGE);
  return appendAt(out, ['mcpServers'], MCP_NAME, mcpEntry());
}

/** The text with dx-hooks' entries for `agent` (any older ones replaced). A file that did not exist is written whole, two-space indented. */
export function withOurs(text: string, adapter: AgentAdapter, file: string): string {
  const command = hookCommand(adapter.name);
  const group = (e: AgentAdapter['events'][number]) => ({ ...(e.matcher ? { matcher: e.matcher } : {}), hooks: [{ type: 'command', command, timeout: adapter.timeout }] });
  if (!text.trim()) {
    const hooks: Record<string, unknown[]> = {};
    for (const e of adapter.events) (hooks[e.event] ??= []).push(group(e));
    return JSON.stringify({ hooks }, null, 2) + '\n';
  }
  let out = withoutOurs(text, file, adapter.comments);
  for (const e of adapter.events) {
    const value = parseSettings(out, file, adapter.comments);
    const hooks = value.hooks as Record<string, unknown> | undefined;
    if (!hooks) out = appendAt(out, [], 'hooks', { [e.event]: [group(e)] });
    else if (Array.isArray(hooks[e.event])) out = appendAt(out, ['hooks', e.event], null, group(e));
    else if (hooks[e.event] === undefined) out = appendAt(out, ['hooks'], e.event, [group(e)]);
    else throw new DxError('AGENT_SETTINGS_INVALID', `${file}: hooks.${e.event} is not an array`, 'Fix the file (it is left as it is), then run the command again.', EXIT.USAGE);
  }
  return out;
}

/** What an install or uninstall did to one settings file. */
export interface SettingsChange { file: string; changed: boolean; how: 'written' | 'unchanged' | 'restored' | 'removed-entries' | 'absent' }

/** Read a settings file under the work tree, never through a link. Null when it does not exist. @throws SymlinkRefused; DxError AGENT_SETTINGS_INVALID when it is not a file */
function readSettings(top: string, rel: string): string | null {
  const { abs, stat } = checkInside(top, rel);
  if (!stat) return null;
  if (!stat.isFile()) throw new DxError('AGENT_SETTINGS_INVALID', `${rel} is not a file`, 'Move it away, then run the command again.', EXIT.USAGE);
  return fs.readFileSync(abs, 'utf8');
}

/**
 * Install `adapter`'s entries into its settings file in the work tree of `ctx`.
 * @throws DxError AGENT_SETTINGS_INVALID (the file is left untouched); SymlinkRefused (a link on the way)
 */
export function installEntries(ctx: RepoContext, adapter: AgentAdapter, shared: boolean, opts: { mcp?: boolean } = {}): SettingsChange {
  const rel = adapter.settingsFile(shared);
  return editFile(ctx, adapter.name, rel, (text) => {
    const hooked = withOurs(text, adapter, rel);
    return opts.mcp ? withOurMcp(hooked, rel, adapter.comments) : hooked;
  });
}

/**
 * Register dx-hooks' MCP server in a project file of the agent's (Claude Code's `.mcp.json`), recorded like the
 * hooks' entries so uninstall gives the file back exactly.
 * @throws DxError AGENT_SETTINGS_INVALID (nothing written); SymlinkRefused
 */
export function installMcpFile(ctx: RepoContext, agent: string, rel: string): SettingsChange {
  return editFile(ctx, agent, rel, (text) => withOurMcp(text, rel, false));
}

/** Write `rel` as `change` makes it, recording the original for an exact uninstall (see InstallRecordSchema). */
function editFile(ctx: RepoContext, agent: string, rel: string, change: (text: string) => string): SettingsChange {
  const text = readSettings(ctx.top, rel);
  const next = change(text ?? '');
  const adapter = { name: agent };
  if (text !== null && next === text) return { file: rel, changed: false, how: 'unchanged' };
  const rec = recordFile(ctx, adapter.name, rel);
  const prior = readRecord(rec);
  const createdDir = !fs.existsSync(path.join(ctx.top, path.dirname(rel)));
  writeInside(ctx.top, path.join(ctx.top, rel), next);
  // The first install's original is kept across re-installs (an entry updated in place is still ours to take away).
  const original = prior && prior.file === rel ? prior.original : text === null ? null : Buffer.from(text, 'utf8').toString('base64');
  writeJson(ctx.commonDir, rec, { schema_version: 1, agent: adapter.name, file: rel, original, createdDir: prior?.createdDir ?? createdDir, written: sha256(next), at: Math.floor(Date.now() / 1000) } satisfies InstallRecord);
  return { file: rel, changed: true, how: 'written' };
}

function readRecord(file: string): InstallRecord | null {
  const r = readCacheJson(file, InstallRecordSchema, 'agent install record');
  return r.kind === 'ok' ? r.value : null;
}

/**
 * Take `adapter`'s entries out of its settings file: the original bytes back when the file is as install
 * left it, else only dx-hooks' entries removed (a file install created and that holds nothing else goes).
 * @throws DxError AGENT_SETTINGS_INVALID (left untouched); SymlinkRefused
 */
export function uninstallEntries(ctx: RepoContext, adapter: AgentAdapter, shared: boolean): SettingsChange {
  return uneditFile(ctx, adapter.name, adapter.settingsFile(shared), adapter.comments);
}

/** Take dx-hooks' MCP server out of a project file of the agent's (installMcpFile's counterpart). */
export function uninstallMcpFile(ctx: RepoContext, agent: string, rel: string): SettingsChange {
  return uneditFile(ctx, agent, rel, false);
}

function uneditFile(ctx: RepoContext, agent: string, rel: string, comments: boolean): SettingsChange {
  const adapter = { name: agent, comments };
  const abs = path.join(ctx.top, rel);
  const rec = recordFile(ctx, adapter.name, rel);
  const record = readRecord(rec);
  const text = readSettings(ctx.top, rel);
  if (text === null) {
    if (record) rmInside(ctx.commonDir, rec);
    return { file: rel, changed: false, how: 'absent' };
  }
  let how: SettingsChange['how'];
  if (record && record.written === sha256(text)) {
    if (record.original === null) {
      rmInside(ctx.top, abs);
      if (record.createdDir) {
        try {
          fs.rmdirSync(path.dirname(abs)); // only when empty
        } catch {
          // the folder holds other files now: it stays
        }
      }
    } else writeInside(ctx.top, abs, Buffer.from(record.original, 'base64'));
    how = 'restored';
  } else {
    const next = withoutOurs(text, rel, adapter.comments);
    if (next === text) {
      if (record) rmInside(ctx.commonDir, rec);
      return { file: rel, changed: false, how: 'unchanged' };
    }
    const empty = (() => {
      try {
        return Object.keys(parseSettings(next, rel, adapter.comments)).length === 0;
      } catch {
        return false;
      }
    })();
    if (record?.original === null && empty) rmInside(ctx.top, abs);
    else writeInside(ctx.top, abs, next);
    how = 'removed-entries';
  }
  if (record) rmInside(ctx.commonDir, rec);
  return { file: rel, changed: true, how };
}

/** Whether the file holds dx-hooks' entries for every event `adapter` registers, with the current command (`outdated`: some, or an older command). */
export function entriesState(ctx: RepoContext, adapter: AgentAdapter, shared: boolean): { file: string; state: 'installed' | 'outdated' | 'missing' | 'invalid'; error?: string } {
  const rel = adapter.settingsFile(shared);
  let text: string | null;
  try {
    text = readSettings(ctx.top, rel);
  } catch (err) {
    return { file: rel, state: 'invalid', error: (err as Error).message };
  }
  if (text === null) return { file: rel, state: 'missing' };
  let value: Record<string, unknown>;
  try {
    value = parseSettings(text, rel, adapter.comments);
  } catch (err) {
    return { file: rel, state: 'invalid', error: (err as Error).message };
  }
  const hooks = (value.hooks ?? {}) as Record<string, unknown>;
  const command = hookCommand(adapter.name);
  let found = 0;
  let current = 0;
  for (const e of adapter.events) {
    const groups = Array.isArray(hooks[e.event]) ? (hooks[e.event] as Group[]) : [];
    const handlers = groups.flatMap((g) => (Array.isArray(g?.hooks) ? (g.hooks as Array<{ command?: string }>).filter(ours).map((h) => ({ h, g })) : []));
    if (handlers.length) found++;
    if (handlers.some(({ h, g }) => h.command === command && (g.matcher ?? undefined) === e.matcher)) current++;
  }
  if (!found) return { file: rel, state: 'missing' };
  return { file: rel, state: current === adapter.events.length ? 'installed' : 'outdated' };
}
