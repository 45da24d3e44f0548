// After tsc: make the CLI executable and generate dxrc.schema.json from the zod schema (one source of truth).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
const { DxConfigSchema } = await import(path.join(root, 'dist/core/config/schema.js'));
const schema = z.toJSONSchema(DxConfigSchema, { io: 'input', target: 'draft-07' });
schema.title = 'dx-hooks configuration (.dxrc)';
fs.writeFileSync(path.join(root, 'dxrc.schema.json'), JSON.stringify(schema, null, 2) + '\n');
