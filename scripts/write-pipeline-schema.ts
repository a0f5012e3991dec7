// Writes libs/domain/pipeline.schema.json from the zod schema (the one source of truth). It lives outside
// libs/domain because it writes a file, and the domain does no IO.
// `npm run schema -w @tributary/domain` regenerates it; `schema:check` regenerates and fails when it changed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineSchemaFileText } from '@tributary/domain';

const target = fileURLToPath(new URL('../libs/domain/pipeline.schema.json', import.meta.url));
writeFileSync(target, pipelineSchemaFileText());
console.log(`wrote ${target}`);
