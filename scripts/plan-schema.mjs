// Writes docs/plan-schema.json, the JSON schema of pirun's saved plan file,
// from the zod schema in src/cli/plan-schema.ts (run `npm run build` first).
import { writeFileSync } from 'node:fs';
import { planJsonSchema } from '../dist/cli/plan-schema.js';

writeFileSync(new URL('../docs/plan-schema.json', import.meta.url), JSON.stringify(planJsonSchema(), null, 2) + '\n');
