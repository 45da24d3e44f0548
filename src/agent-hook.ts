/**
 * The agent hook's own entry (agent-hook.sh runs `node agent-hook.js <agent>` with the payload on stdin): a
 * small bundle with just what the fast answer needs (core/agents/event/fast.ts: zod's mini build, the shell
 * parser), so the hook an agent waits on before every shell command skips the CLI's parser and most of
 * dx-hooks. When that is not enough it loads the rest (agent-core.js, which shares the CLI's chunks).
 */
import { fastAnswer } from './core/agents/event/fast.js';

async function main(): Promise<void> {
  const agent = process.argv[2] ?? '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((await fastAnswer(agent, text, process.cwd())) === 'allow') return;
  const { handleEvent } = await import('./agent-core.js');
  process.exitCode = await handleEvent(agent, text, process.cwd());
}

main().catch((err: unknown) => {
  // Never block the agent: said, and exit 0 (agent-event.ts handleEvent says it in the ledger and banner).
  process.stderr.write(`dx-hooks: the agent hook failed: ${err instanceof Error ? err.message : String(err)}\n`);
});
