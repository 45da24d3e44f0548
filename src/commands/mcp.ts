/**
 * `dx-hooks mcp` (issue 14 point 5): a stdio MCP server on the official TypeScript SDK, serving the tools of
 * core/mcp/tools.ts for the repository it runs in. A tool's failure is its result (`isError`, the message and
 * the hint), never a crash of the server; arguments that do not match a tool's schema are the SDK's to refuse.
 * Nothing is printed on stdout but the protocol.
 */
import { DxError, describeError } from '../core/errors.js';
import { TOOLS } from '../core/mcp/tools.js';
import { openSession } from '../core/session.js';

/** Serve until the client closes stdin. */
export async function run(opts: { cwd: string }): Promise<number> {
  const [{ McpServer }, { StdioServerTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/mcp.js'), import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const { asset } = await import('../core/install/assets.js');
  const version = (JSON.parse(asset('package.json')) as { version: string }).version;
  // The repository is opened once; a command the tools run changes files, not which repository this is.
  const s = await openSession(opts.cwd);
  const server = new McpServer({ name: 'dx-hooks', version });
  for (const t of TOOLS) {
    server.registerTool(t.name, { title: t.title, description: t.description, inputSchema: t.input, outputSchema: t.output, annotations: { title: t.title, ...t.hints } }, async (args: Record<string, unknown>) => {
      try {
        const result = await t.run(s, args);
        if (t.name === 'session_save' || t.name === 'checkpoint_create') await startWorkerIfIdle(s);
        return { content: [{ type: 'text' as const, text: JSON.stringify(result) }], structuredContent: result };
      } catch (err) {
        const text = err instanceof DxError ? `${err.message}${err.hint ? `\n${err.hint}` : ''}` : describeError(err);
        return { content: [{ type: 'text' as const, text }], isError: true };
      }
    });
  }
  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  return 0;
}

/** The background worker for what a tool queued (a session's push), unless one is running. */
async function startWorkerIfIdle(s: Awaited<ReturnType<typeof openSession>>): Promise<void> {
  const [{ liveWorker }, { startWorker }] = await Promise.all([import('../core/wip/live.js'), import('./background.js')]);
  if (!liveWorker(s.ctx)) await startWorker(s.ctx);
}
