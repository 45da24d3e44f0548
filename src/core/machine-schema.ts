/** zod schema of the machine config (see machine.ts); imported only when a machine config file exists. */
import { z } from 'zod';

/** `<XDG_CONFIG_HOME>/dx-hooks/config.json`: every key optional, unknown keys refused. */
export const MachineConfigSchema = z
  .object({
    host: z.string().min(1).optional(),
    role: z.enum(['active', 'reference']).optional(),
    webhook: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('http(s) URL that gets one JSON POST ({"text": …} plus Slack-style fields) when a backup failure episode starts and one when it recovers. Only the machine config can set it; a repository .dxrc cannot.'),
    desktopNotify: z.boolean().optional().describe('desktop notifications for the same episodes (notify-send on Linux when installed, osascript on macOS); default true'),
    repos: z.array(z.string()).optional(),
    allowJsConfig: z.boolean().optional(),
    allowSecrets: z
      .array(z.string().min(1))
      .optional()
      .describe('gitignore patterns: paths matching a built-in secret exclusion that this machine lets into snapshots and commit mirrors (no name check, no content scan). Only the machine config can; a repository .dxrc cannot.'),
    agentCoAuthors: z
      .record(z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'an agent name (a slug such as claude-code)'), z.string().regex(/^[^<>\n\r]+ <[^<>@\s]+@[^<>\s]+>$/, 'Name <email>'))
      .optional()
      .describe('agent name → "Name <email>": a Co-authored-by trailer that agent\'s attributed commits carry (DESIGN §9). None unless set here; a repository .dxrc cannot.'),
  })
  .strict();
