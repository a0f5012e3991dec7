import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlan, parsePipelineSpec } from '@tributary/domain';
import { ROOT } from '../support/tributary-system.js';

const examples = readdirSync(`${ROOT}examples`, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('every example pipeline is valid', () => {
  it.each(examples)(
    'examples/%s/pipeline.yaml parses, compiles and accepts its documented params',
    (name) => {
      const parsed = parsePipelineSpec(readFileSync(`${ROOT}examples/${name}/pipeline.yaml`, 'utf8'));
      expect(parsed.ok ? [] : parsed.issues).toEqual([]);
      if (!parsed.ok) return;
      const plan = compilePlan(parsed.spec);
      expect(plan.spec.id).toBe(name);
      const params =
        {
          'search-quality': { markets: ['LU', 'PT', 'GR'] },
          shipping: { items: 12 },
          wide: { shards: 1000 },
        }[name] ?? {};
      expect(plan.validateParams(params).ok).toBe(true);
    },
  );
});
