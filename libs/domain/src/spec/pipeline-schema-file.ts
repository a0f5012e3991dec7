import { pipelineJsonSchema } from './pipeline-spec.schema.js';

/** The exact text of `libs/domain/pipeline.schema.json` (2-space JSON, trailing newline). */
export function pipelineSchemaFileText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
