/**
 * Runs the whole pipeline in this process, without planner, NATS or Postgres:
 * per market generate → search (each query) → judge (each result list) →
 * ner-diff → report, then consolidate over the groups. It calls the very
 * handlers an executor host runs, with the contexts the pipeline would give
 * them, and mimics the trigger rules of pipeline.yaml for a failing market.
 * Used by the end-to-end test and `npm run local -w @tributary/example-search-quality`.
 */
import type { HandlerDefinition, Json } from '@tributary/worker-sdk';
import { consolidateHandler } from './consolidate.handler.js';
import { formatConsolidatedReport } from './format-report.js';
import { generateQueriesHandler } from './generate-queries.handler.js';
import { judgeHandler } from './judge.handler.js';
import type { ConsolidatedReport, GenerateOutput, GroupOutcome } from './model.js';
import { nerDiffHandler } from './ner-diff.handler.js';
import { reportHandler } from './report.handler.js';
import { searchHandler } from './search.handler.js';
import { makeCtx, type CtxOptions, type LogLine } from './test-context.js';

export interface LocalRunOptions {
  markets: string[];
  perMarket?: number;
  k?: number;
  threshold?: number;
  /** Markets whose search stage fails on every query (a search-API outage), to show a partial report. */
  failSearchIn?: string[];
}

export interface LocalRunResult {
  groups: GroupOutcome[];
  consolidated: ConsolidatedReport;
  text: string;
  logs: { taskId: string; line: LogLine }[];
}

export async function runLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const logs: LocalRunResult['logs'] = [];
  const params = { markets: options.markets } as Json;
  const exec = async (handler: HandlerDefinition<Json>, ctxOptions: CtxOptions & { taskId: string }): Promise<Json> => {
    const ctx = makeCtx({ params, ...ctxOptions });
    try {
      return ((await handler.run(ctx)) ?? null) as Json;
    } finally {
      logs.push(...ctx.logs.map((line) => ({ taskId: ctxOptions.taskId, line })));
    }
  };

  const groups: GroupOutcome[] = [];
  for (const market of options.markets) {
    const path = `market=${market}`;
    const base = { market };
    const generate = (await exec(generateQueriesHandler, {
      ...base,
      taskId: `${path}/generate`,
      input: { perMarket: options.perMarket ?? 12 },
    })) as unknown as GenerateOutput;

    let retrieve: Json[] | null = [];
    for (const [i, query] of generate.queries.entries()) {
      if (options.failSearchIn?.includes(market)) {
        retrieve = null; // retrieve[i] failed after its retries → evaluate is upstream_failed
        break;
      }
      retrieve.push(await exec(searchHandler, { ...base, taskId: `${path}/retrieve[${i}]`, mapIndex: i, item: query as unknown as Json, input: { k: options.k ?? 10 } }));
    }
    let evaluate: Json[] | null = null;
    if (retrieve) {
      evaluate = [];
      for (const [i, item] of retrieve.entries()) {
        evaluate.push(await exec(judgeHandler, { ...base, taskId: `${path}/evaluate[${i}]`, mapIndex: i, item }));
      }
    }
    // ner-diff runs on all_done: it sees [] when evaluate never produced anything
    const nerDiff = await exec(nerDiffHandler, { ...base, taskId: `${path}/ner-diff`, upstream: { evaluate: evaluate ?? [] } });
    // report is all_success over [evaluate, ner-diff]: upstream_failed when evaluate failed
    const report = evaluate ? await exec(reportHandler, { ...base, taskId: `${path}/report`, upstream: { evaluate, 'ner-diff': nerDiff } }) : null;
    groups.push({
      block: 'market',
      path,
      key: market,
      value: market,
      state: report ? 'success' : 'failed',
      outputs: { generate: generate as unknown as Json, retrieve, evaluate, 'ner-diff': nerDiff, report },
    });
  }

  const consolidated = (await exec(consolidateHandler, {
    taskId: 'consolidate',
    input: { threshold: options.threshold ?? 0.5 },
    upstream: { groups: groups as unknown as Json },
  })) as unknown as ConsolidatedReport;
  return { groups, consolidated, text: formatConsolidatedReport(consolidated), logs };
}
