import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { pipelineSchemaFileText } from './pipeline-schema-file.js';
import { pipelineJsonSchema } from './pipeline-spec.schema.js';
import committed from '../../pipeline.schema.json?raw';
import fixtureText from './fixtures/search-quality.yaml?raw';

const fixture = parseYaml(fixtureText) as unknown;

describe('pipeline.schema.json', () => {
  it('is the committed output of the zod schema (run `npm run schema` after changing it)', () => {
    expect(committed).toBe(pipelineSchemaFileText());
  });

  it('is a valid draft 2020-12 schema that accepts the DESIGN example and refuses unknown keys', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(pipelineJsonSchema());
    expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true);
    const withTypo = structuredClone(fixture) as { stages: Record<string, unknown>[] };
    (withTypo.stages[0] as Record<string, unknown>)['retires'] = 1;
    expect(validate(withTypo)).toBe(false);
    expect(validate({ id: 'p', stages: [{ id: 'a', executor: 'noop', timeout: '5x' }] })).toBe(false);
    expect(
      validate({ id: 'p', stages: [{ id: 'a', executor: 'noop', timeout: '1h30m', retryDelay: 500 }] }),
    ).toBe(true);
    expect(validate({ id: 'p', stages: [{ id: 'consolidate', executor: 'noop' }] })).toBe(false);
  });
});
