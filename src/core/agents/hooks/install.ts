/**
 * `dx-hooks agent install|uninstall|status` (issue 14 point 1): the hook script in the repository's dx dir
 * (`<git-common-dir>/dx/hooks/agent-hook.sh`, with the node and CLI paths the git hooks use), and the
 * entries in the agent's settings (settings.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { dxPaths, type RepoContext } from '../../context.js';
import { appendLedger } from '../../ledger.js';
import { writeInside } from '../../nofollow.js';
import { asset, cliPath } from '../../install/assets.js';
import { ADAPTERS, AGENT_NAMES, adapterFor, type AgentAdapter } from './adapters.js';
import { DxError, EXIT } from '../../errors.js';
import { entriesState, installEntries, installMcpFile, uninstallEntries, uninstallMcpFile, type SettingsChange } from './settings.js';

/** The hook script's path for the repository of `ctx`. */
export function agentHookScript(ctx: RepoContext): string {
  return path.join(dxPaths(ctx).hooksDir, 'agent-hook.sh');
}

/** What `agent install` did: the settings file and how, the MCP registration (`--mcp`: its file and how; null without), and the script written. */
export interface AgentInstallResult { agent: AgentAdapter['name']; settings: SettingsChange; mcp: SettingsChange | null; script: string }

/** Where `--mcp` registers dx-hooks' MCP server for Claude Code: the project's `.mcp.json` (Claude Code asks before it starts a project's server). */
export const CLAUDE_MCP_FILE = '.mcp.json';

/**
 * Install `agent`'s hooks in the work tree of `ctx` (`shared`: Claude Code's committed settings.json).
 * @throws Error for an unknown agent; DxError AGENT_SETTINGS_INVALID (nothing written); SymlinkRefused
 */
export function installAgent(ctx: RepoContext, host: string, agent: string, shared: boolean, opts: { mcp?: boolean } = {}): AgentInstallResult {
  const adapter = adapterFor(agent);
  if (opts.mcp && adapter.name === 'codex') throw new DxError('USAGE', 'dx-hooks does not edit Codex\'s config.toml', 'Register the server with Codex itself: codex mcp add dx-hooks -- npx dx-hooks mcp (then agent install codex without --mcp).', EXIT.USAGE);
  const script = agentHookScript(ctx);
  const hooksDir = dxPaths(ctx).hooksDir;
  writeInside(ctx.commonDir, script, asset('hooks/agent-hook.sh'));
  // The node and CLI the script starts: recorded by `dx-hooks install`; written here when that has not run.
  if (!fs.existsSync(path.join(hooksDir, 'cli-path'))) writeInside(ctx.commonDir, path.join(hooksDir, 'cli-path'), cliPath + '\n');
  if (!fs.existsSync(path.join(hooksDir, 'node-path'))) writeInside(ctx.commonDir, path.join(hooksDir, 'node-path'), process.execPath + '\n');
  // Gemini CLI keeps its MCP servers in the same settings file as its hooks; Claude Code in the project's .mcp.json.
  const settings = installEntries(ctx, adapter, shared, { mcp: opts.mcp === true && adapter.name === 'gemini-cli' });
  const mcp = !opts.mcp ? null : adapter.name === 'claude-code' ? installMcpFile(ctx, adapter.name, CLAUDE_MCP_FILE) : settings;
  appendLedger(ctx, { host, op: 'agent.install', ok: true, paths: [settings.file, ...(mcp && mcp !== settings ? [mcp.file] : [])], detail: { agent: adapter.name, shared, how: settings.how, mcp: mcp?.how ?? null } });
  return { agent: adapter.name, settings, mcp, script };
}

/**
 * Remove `agent`'s hooks from its settings file: exactly as it was when unchanged since install, else only dx-hooks' entries.
 * The script stays while another agent's entries may use it.
 * @throws Error for an unknown agent; DxError AGENT_SETTINGS_INVALID (nothing written); SymlinkRefused
 */
export function uninstallAgent(ctx: RepoContext, host: string, agent: string, shared: boolean): { agent: AgentAdapter['name']; settings: SettingsChange; mcp: SettingsChange | null } {
  const adapter = adapterFor(agent);
  const settings = uninstallEntries(ctx, adapter, shared);
  // Claude Code's MCP registration (`--mcp`) goes too; one absent there changes nothing.
  const mcp = adapter.name === 'claude-code' ? uninstallMcpFile(ctx, adapter.name, CLAUDE_MCP_FILE) : null;
  appendLedger(ctx, { host, op: 'agent.uninstall', ok: true, paths: [settings.file, ...(mcp?.changed ? [mcp.file] : [])], detail: { agent: adapter.name, shared, how: settings.how, mcp: mcp?.how ?? null } });
  return { agent: adapter.name, settings, mcp: mcp?.changed ? mcp : null };
}

/** One agent's hooks as `agent status` reports them, per settings file. */
export interface AgentStatus { agent: AgentAdapter['name']; files: Array<{ file: string; state: 'installed' | 'outdated' | 'missing' | 'invalid'; error?: string }>; script: boolean }

/** Every known agent's hooks in the work tree of `ctx`. */
export function agentStatus(ctx: RepoContext): AgentStatus[] {
  const script = fs.existsSync(agentHookScript(ctx));
  return AGENT_NAMES.map((name) => {
    const a = ADAPTERS[name];
    const files = a.hasLocalFile ? [entriesState(ctx, a, false), entriesState(ctx, a, true)] : [entriesState(ctx, a, true)];
    return { agent: name, files, script };
  });
}
