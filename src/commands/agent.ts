/**
 * `dx-hooks agent install|uninstall|status|event|drain` (issue 14): an agent's lifecycle hooks. This layer
 * parses and prints; the settings edits are core/agents/hooks/, the events core/agents/event.ts.
 */
import { openSession } from '../core/session.js';
import { agentStatus, installAgent, uninstallAgent } from '../core/agents/hooks/install.js';
import { out, printJson, safe } from './common.js';
import { DxError, EXIT } from '../core/errors.js';
import { AGENT_NAMES } from '../core/agents/hooks/adapters.js';

function agentArg(agent: string | undefined): string {
  if (!agent || !(AGENT_NAMES as string[]).includes(agent)) throw new DxError('USAGE', `unknown agent ${JSON.stringify(agent ?? '')}`, `Name one of: ${AGENT_NAMES.join(', ')}.`, EXIT.USAGE);
  return agent;
}

const HOW: Record<string, string> = {
  written: 'hooks written to',
  unchanged: 'already installed in',
  restored: 'put back exactly as it was:',
  'removed-entries': 'removed dx-hooks\' entries (the file changed since install, the rest is kept):',
  absent: 'nothing to remove: no',
};

/** `agent install <agent> [--shared] [--json]`. */
export async function install(opts: { agent?: string; shared?: boolean; mcp?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const agent = agentArg(opts.agent);
  const s = await openSession(opts.cwd);
  const r = installAgent(s.ctx, s.host, agent, opts.shared === true, { mcp: opts.mcp === true });
  if (opts.json) printJson(r);
  else {
    out(`✔ ${agent}: ${HOW[r.settings.how]} ${safe(r.settings.file)}`);
    if (r.mcp && r.mcp !== r.settings) out(`✔ ${agent}: the MCP server (dx-hooks mcp) ${r.mcp.how === 'unchanged' ? 'already registered in' : 'registered in'} ${safe(r.mcp.file)}${agent === 'claude-code' ? ' — Claude Code asks before it starts a project\'s server' : ''}`);
    if (agent === 'codex') out('  Codex runs a project\'s hooks once the project is trusted and the hooks are approved: open /hooks in Codex.');
  }
  return 0;
}

/** `agent uninstall <agent> [--shared] [--json]`. */
export async function uninstall(opts: { agent?: string; shared?: boolean; json?: boolean; cwd: string }): Promise<number> {
  const agent = agentArg(opts.agent);
  const s = await openSession(opts.cwd);
  const r = uninstallAgent(s.ctx, s.host, agent, opts.shared === true);
  if (opts.json) printJson(r);
  else {
    out(`✔ ${agent}: ${HOW[r.settings.how]} ${safe(r.settings.file)}`);
    if (r.mcp) out(`✔ ${agent}: ${HOW[r.mcp.how]} ${safe(r.mcp.file)}`);
  }
  return 0;
}

/** `agent status [--json]`: each agent's hooks, per settings file. Exit 1 when an installed agent's hooks are outdated or its settings invalid. */
export async function status(opts: { json?: boolean; cwd: string }): Promise<number> {
  const s = await openSession(opts.cwd);
  const all = agentStatus(s.ctx);
  const bad = all.some((a) => a.files.some((f) => f.state === 'outdated' || f.state === 'invalid') || (a.files.some((f) => f.state === 'installed') && !a.script));
  if (opts.json) printJson(all);
  else {
    for (const a of all) {
      for (const f of a.files) out(`${a.agent.padEnd(12)} ${f.state.padEnd(9)} ${safe(f.file)}${f.error ? ` — ${safe(f.error)}` : ''}${f.state === 'installed' && !a.script ? ' — the hook script is missing: run dx-hooks agent install ' + a.agent : ''}`);
    }
  }
  return bad ? 1 : 0;
}
