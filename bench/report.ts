import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContenderName, PeakRss } from './contenders/contender.js';
import type { MachineInfo } from './lib/machine.js';
import { formatNumber } from './lib/format.js';
import { max, median, min, percentile } from './lib/stats.js';
import { describeWorkload, type ScenarioOutcome } from './runner.js';
import type { Metric, Sample } from './scenarios/scenario.js';

interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ContenderSummary extends Spread {
  n: number;
  values: number[];
  /** Every verified sample: its metric value, secondary figures and raw latencies. */
  samples: Sample[];
  details: Record<string, Spread>;
  /** Percentiles over every sample's raw latencies together. */
  pooled: Record<string, { n: number; p50: number; p99: number }>;
  load: { min: number; max: number };
  /** The distinct code versions the samples measured, in order. */
  code: string[];
  verification: string[];
  notes: string[];
  errors: string[];
  timedOut?: { afterS: number; peakRss?: PeakRss[] };
  skipped?: string;
}

export interface ScenarioSummary {
  name: string;
  title: string;
  workload: string;
  taskInstances: number;
  params: unknown;
  metric: Metric;
  details: { key: string; label: string; digits: number }[];
  target: { text: string; source: string; met: boolean | null };
  /** Tributary median / BullMQ median of the metric. */
  ratio: number | null;
  /** Only Tributary ran it: why BullMQ has no equivalent. */
  tributaryOnly?: string;
  contenders: Partial<Record<ContenderName, ContenderSummary>>;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  config: { rounds: number; size: string; scenarios: string[]; sessions: string; warmup: boolean };
  machine: MachineInfo;
  scenarios: ScenarioSummary[];
}

const spread = (values: number[]): Spread => ({ median: median(values), min: min(values), max: max(values) });

/** Medians, spreads, pooled percentiles, ratio and target of every scenario. */
export function summarize(outcomes: ScenarioOutcome[], meta: Omit<BenchResults, 'scenarios'>): BenchResults {
  const tributaryByScenario = Object.fromEntries(
    outcomes.map((o) => {
      const values = o.contenders.tributary?.samples.map((s) => s.value) ?? [];
      return [o.scenario.name, values.length > 0 ? median(values) : undefined];
    }),
  );
  const scenarios = outcomes.map((outcome): ScenarioSummary => {
    const contenders: Partial<Record<ContenderName, ContenderSummary>> = {};
    for (const [name, result] of Object.entries(outcome.contenders) as [
      ContenderName,
      NonNullable<ScenarioOutcome['contenders'][ContenderName]>,
    ][]) {
      const values = result.samples.map((s) => s.value);
      const detailKeys = [...new Set(result.samples.flatMap((s) => Object.keys(s.details)))];
      const distributionKeys = [
        ...new Set(result.samples.flatMap((s) => Object.keys(s.distributions ?? {}))),
      ];
      contenders[name] = {
        n: values.length,
        values,
        samples: result.samples,
        ...spread(values),
        details: Object.fromEntries(
          detailKeys.map((k) => [
            k,
            spread(result.samples.map((s) => s.details[k]!).filter((v) => v !== undefined)),
          ]),
        ),
        pooled: Object.fromEntries(
          distributionKeys.map((k) => {
            const all = result.samples.flatMap((s) => s.distributions?.[k] ?? []);
            return [k, { n: all.length, p50: percentile(all, 50), p99: percentile(all, 99) }];
          }),
        ),
        load: { min: min(result.load), max: max(result.load) },
        code: [...new Set(result.code)],
        verification: result.verification,
        notes: result.notes,
        errors: result.errors,
        timedOut: result.timedOut,
        skipped: result.skipped,
      };
    }
    const t = contenders.tributary?.n ? contenders.tributary.median : undefined;
    const b = contenders.bullmq?.n ? contenders.bullmq.median : undefined;
    const target = outcome.scenario.target(outcome.params);
    return {
      name: outcome.scenario.name,
      title: outcome.scenario.title,
      workload: describeWorkload(outcome.workload),
      taskInstances: outcome.taskInstances,
      params: outcome.params,
      metric: outcome.scenario.metric,
      details: outcome.scenario.details,
      target: {
        text: target.text,
        source: target.source,
        met:
          target.met({
            tributary: t,
            bullmq: b,
            tributaryDetails: contenders.tributary?.n
              ? Object.fromEntries(
                  Object.entries(contenders.tributary.details).map(([k, v]) => [k, v.median]),
                )
              : undefined,
            tributaryPooled: contenders.tributary?.n ? contenders.tributary.pooled : undefined,
            tributaryByScenario,
          }) ?? null,
      },
      ratio: t !== undefined && b !== undefined ? t / b : null,
      tributaryOnly: outcome.scenario.tributaryOnly,
      contenders,
    };
  });
  return { ...meta, scenarios };
}

function formatSpread(s: Spread | undefined, digits: number): string {
  if (!s || !Number.isFinite(s.median)) return '–';
  if (s.min === s.max) return formatNumber(s.median, digits);
  return `${formatNumber(s.median, digits)} (${formatNumber(s.min, digits)}–${formatNumber(s.max, digits)})`;
}

/** The metric cell: median (min–max), or why there is none. */
function metricCell(summary: ContenderSummary | undefined, digits: number): string {
  if (!summary) return 'not run';
  if (summary.n > 0) return formatSpread(summary, digits) + (summary.errors.length ? ' ⚠' : '');
  if (summary.timedOut) return `timed out (> ${formatNumber(summary.timedOut.afterS, 0)} s)`;
  if (summary.skipped) return `skipped: ${summary.skipped}`;
  if (summary.errors.length) return 'FAILED (see below)';
  return '–';
}

/** `hop_ms` → "hop ms", `latency_s` → "latency s". */
const distributionLabel = (key: string): string => key.replace(/_/g, ' ').replace(/^fan in/, 'fan-in');

const metTag = (met: boolean | null): string => (met === null ? 'n/a' : met ? 'yes' : 'no');
const gib = (bytes: number) => bytes / 2 ** 30;

/** RESULTS.md. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [];
  lines.push('# Tributary vs BullMQ — benchmark results', '');
  lines.push(
    `Measured ${results.startedAt} → ${results.finishedAt} (${formatNumber(results.wallSeconds / 60, 1)} min) by \`npm run bench\` ` +
      `(rounds ${results.config.rounds}, size ${results.config.size}, ${results.config.sessions} sessions, warm-up ${results.config.warmup ? 'on' : 'off'}).`,
    '',
  );
  lines.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${formatNumber(m.ramGiB, 1)} GiB RAM, load average at start ` +
      `${m.loadAtStart.map((l) => l.toFixed(2)).join(' / ')}${m.loadAtEnd ? `, at end ${m.loadAtEnd.map((l) => l.toFixed(2)).join(' / ')}` : ''} (1/5/15 min).`,
    `Versions: Node ${m.node}, PostgreSQL ${m.postgres}, nats-server ${m.natsServer}, Redis ${m.redis}, bullmq ${m.bullmq}, ioredis ${m.ioredis}.`,
    `Code: ${m.commit}${m.uncommittedEngineFiles ? ` — ${m.uncommittedEngineFiles} files under libs/ and services/ differed from the commit (work in progress was measured as built)` : ''}.`,
    '',
  );
  const measured = [
    ...new Set(results.scenarios.flatMap((s) => Object.values(s.contenders).flatMap((c) => c.code))),
  ];
  if (measured.length > 1 || (measured.length === 1 && measured[0] !== m.commit))
    lines.push(
      `The repository moved while the bench ran (another engineer's commits; the services run from their \`dist\`, rebuilt with them): samples measured ${measured.join(', ')} — see each scenario's "code" row.`,
      '',
    );
  lines.push('## Summary', '');
  lines.push('Median over every verified sample (min–max). Ratio = Tributary / BullMQ of the metric.', '');
  lines.push('| scenario | metric | Tributary | BullMQ | Tributary/BullMQ | target | met |');
  lines.push('| --- | --- | ---: | ---: | ---: | --- | --- |');
  for (const s of results.scenarios) {
    const d = s.metric.digits;
    lines.push(
      `| ${s.name} | ${s.metric.name} (${s.metric.better} is better) | ${metricCell(s.contenders.tributary, d)} | ${s.tributaryOnly ? 'no equivalent' : metricCell(s.contenders.bullmq, d)} | ` +
        `${s.ratio === null ? '–' : `${s.ratio.toFixed(2)}×`} | ${s.target.text} | ${metTag(s.target.met)} |`,
    );
  }
  lines.push('');
  for (const s of results.scenarios) {
    lines.push(`## ${s.name}: ${s.title}`, '');
    lines.push(
      `Workload: ${s.workload}. Target ${s.target.text} (${s.target.source}): ${metTag(s.target.met)}.`,
      '',
    );
    if (s.tributaryOnly) lines.push(`Tributary only: ${s.tributaryOnly}.`, '');
    const names = (['tributary', 'bullmq'] as const).filter((n) => s.contenders[n]);
    lines.push(`| figure | ${names.map((n) => (n === 'tributary' ? 'Tributary' : 'BullMQ')).join(' | ')} |`);
    lines.push(`| --- | ${names.map(() => '---:').join(' | ')} |`);
    lines.push(
      `| ${s.metric.name} | ${names.map((n) => metricCell(s.contenders[n], s.metric.digits)).join(' | ')} |`,
    );
    for (const detail of s.details)
      lines.push(
        `| ${detail.label} | ${names.map((n) => formatSpread(s.contenders[n]!.details[detail.key], detail.digits)).join(' | ')} |`,
      );
    const pooledKeys = [...new Set(names.flatMap((n) => Object.keys(s.contenders[n]!.pooled)))];
    for (const key of pooledKeys) {
      const cell = (n: ContenderName) => {
        const p = s.contenders[n]!.pooled[key];
        return p && p.n > 0 ? `${formatNumber(p.p50, 1)} / ${formatNumber(p.p99, 1)} (n=${p.n})` : '–';
      };
      lines.push(
        `| ${distributionLabel(key)} p50 / p99, every sample pooled | ${names.map(cell).join(' | ')} |`,
      );
    }
    lines.push(`| samples | ${names.map((n) => String(s.contenders[n]!.n)).join(' | ')} |`);
    if (measured.length > 1)
      lines.push(`| code | ${names.map((n) => s.contenders[n]!.code.join(', ') || '–').join(' | ')} |`);
    lines.push(
      `| load (1 min) | ${names.map((n) => (s.contenders[n]!.n ? `${s.contenders[n]!.load.min.toFixed(1)}–${s.contenders[n]!.load.max.toFixed(1)}` : '–')).join(' | ')} |`,
    );
    lines.push('');
    const rss = names.flatMap((n) =>
      Object.entries(s.contenders[n]!.details)
        .filter(([k]) => k.startsWith('rss_mib:'))
        .map(
          ([k, v]) =>
            `${n === 'tributary' ? 'Tributary' : 'BullMQ'} ${k.slice('rss_mib:'.length)} ${formatNumber(v.median / 1024, 2)} GiB`,
        ),
    );
    if (rss.length) lines.push(`Peak RSS (VmHWM): ${rss.join(', ')}.`, '');
    for (const n of names) {
      const c = s.contenders[n]!;
      const label = n === 'tributary' ? 'Tributary' : 'BullMQ';
      if (c.timedOut) {
        const peaks = c.timedOut.peakRss
          ?.map((p) => `${p.process} ${formatNumber(gib(p.bytes), 2)} GiB`)
          .join(', ');
        lines.push(
          `- ${label} timed out after ${formatNumber(c.timedOut.afterS, 0)} s${peaks ? `; peak RSS by then: ${peaks}` : ''}.`,
        );
      }
      if (c.skipped) lines.push(`- ${label} skipped: ${c.skipped}.`);
      for (const e of c.errors) lines.push(`- ${label} FAILED ${e.replace(/\s+/g, ' ').slice(0, 600)}`);
      if (c.verification.length) lines.push(`- ${label} verified: ${c.verification.join('; ')}.`);
      for (const note of c.notes) lines.push(`- ${label}: ${note}.`);
    }
    lines.push('');
  }
  lines.push('## How it was measured', '');
  lines.push(
    '- Contenders alternate within every round (Tributary, then BullMQ, per scenario); each measurement starts a fresh Tributary deployment (planner, fan-in, consolidator, api, 2 executor hosts as separate processes on a new database and NATS prefix) or a fresh BullMQ key prefix, and does one small verified warm-up run first.',
    "- Wall time runs from just before the first trigger (HTTP POST / `FlowProducer.add`) to the completion the engine recorded: Tributary the `RunCompleted` row in `event_log` (`recorded_at`), BullMQ the root job's `finishedOn`.",
    '- Every figure comes from a verified execution. Tributary: from `event_log`, every expected task instance, exactly one `TaskInstanceStarted` per attempt, each ending `TaskInstanceSucceeded`, one `ConsolidationTriggered` and one consolidation start/success per run, every group succeeded, `RunCompleted` success and `runs.state` success. BullMQ: every handler invocation counted per job id (and map step), each exactly once, the expected number of jobs completed in Redis and none left in another state, every root completed once.',
    "- Hop latency (chain): handler end → next handler start. Tributary: the upstream `TaskInstanceSucceeded` `at` → the downstream `TaskInstanceStarted` `at` (both stamped by the executor host around the handler); BullMQ: the child's handler end → the parent's handler start, stamped by the bench's processor (`processedOn`/`finishedOn` cannot show it: BullMQ moves the parent to active in the same Lua call that completes the child).",
    "- Fan-in latency: Tributary the last `GroupCompleted` `at` → the consolidation's `TaskInstanceStarted` `at`, which is the consolidator's handler start (the same instant as `ConsolidationTriggered`'s `at`); BullMQ the last group job's handler end → the root's handler start.",
    "- BullMQ runs in the bench process: one queue, 2 Workers with the same concurrency as Tributary's 2 executor hosts, one FlowProducer flow per run (consolidation as root, each group's chain nested), a map as the step-job pattern (`addBulk` with `opts.parent`, `moveToWaitingChildren` + `WaitingChildrenError`, `getChildrenValues` for the reduce). Its list and reduce are the two steps of one job; they count as two task instances like Tributary's list and reduce. Peak RSS for BullMQ is the bench process's VmHWM, reset just before the run.",
    '',
  );
  return lines.join('\n');
}

/** Writes RESULTS.md and results.json into `dir`. */
export function writeReport(dir: string, results: BenchResults): { markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'RESULTS.md');
  const json = join(dir, 'results.json');
  writeFileSync(markdown, renderMarkdown(results));
  writeFileSync(
    json,
    `${JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  return { markdown, json };
}
