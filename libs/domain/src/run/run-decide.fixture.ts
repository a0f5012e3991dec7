/** What the run-decide specs share: a group block over markets, consolidated all_done, and a successful outcome. */
import type { Outcome } from './run.fixture.js';

export const MARKETS = `
id: markets
params:
  type: object
  required: [markets]
  properties: { markets: { type: array, items: { type: string } } }
stages:
  - group: market
    over: params.markets
    stages:
      - id: generate
        executor: gen
      - id: evaluate
        executor: judge
      - id: report
        executor: report
consolidate:
  executor: consolidate
  triggerRule: all_done
`;

export const ok = (output: unknown = null): Outcome => ({ outcome: 'success', output: output as never });
