import { loadavg } from 'node:os';
import {
  BenchTimeoutError,
  type Contender,
  type ContenderName,
  type ContenderSession,
  type ContenderSetup,
  type PeakRss,
} from './contenders/contender.js';
import { describeStages, taskInstances, type Workload } from './lib/workload.js';
import { formatNumber } from './lib/format.js';
import type { Sample, Scenario } from './scenarios/scenario.js';
import { codeVersion } from './lib/machine.js';

export interface RunnerOptions {
  scenarios: Scenario[];
  contenders: Contender[];
  rounds: number;
  /** Size of every scenario: a scale factor of the full size, or each scenario's smoke size. */
  size: { scale: number } | 'smoke';
  /**
   * `fresh`: each contender starts anew for every scenario and round (a fresh Tributary deployment and
   * database); `shared`: one session per contender and setup, reused (the smoke test, to stay fast).
   */
  sessions: 'fresh' | 'shared';
  warmup: boolean;
  /** Stop starting measurements past this (epoch ms); timeouts shrink to fit. */
  deadline: number;
  log: (line: string) => void;
}

/** What one contender gave for one scenario over every round. */
export interface ContenderOutcome {
  samples: Sample[];
  /** 1-min load average just before each sample. */
  load: number[];
  /** The code each sample measured (`git describe --always --dirty`), when the repository moved during the run. */
  code: string[];
  verification: string[];
  /** The samples' notes (what could not be measured), without repeats. */
  notes: string[];
  errors: string[];
  timedOut?: { afterS: number; peakRss?: PeakRss[] };
  skipped?: string;
}

export interface ScenarioOutcome {
  scenario: Scenario;
  params: unknown;
  workload: Workload;
  taskInstances: number;
  contenders: Partial<Record<ContenderName, ContenderOutcome>>;
}

/** Tries to start a contender before its measurement counts as failed. */
const START_ATTEMPTS = 3;

/** Minimum time a measurement may be given; below it the scenario is skipped for lack of budget. */
const MIN_TIMEOUT_MS = 20_000;

/**
 * Runs every scenario for every round, contenders alternated (T, B, T, B, …); one-round scenarios run
 * after the others' rounds. A measurement that fails verification or times out yields no figure, only an
 * error or a timeout in its outcome; the run goes on with the next one.
 */
export async function runBench(options: RunnerOptions): Promise<ScenarioOutcome[]> {
  const outcomes = options.scenarios.map((scenario): ScenarioOutcome => {
    const params = options.size === 'smoke' ? scenario.smoke : scenario.params(options.size.scale);
    const workload = scenario.workload(params);
    return { scenario, params, workload, taskInstances: taskInstances(workload), contenders: {} };
  });
  const shared = new Map<string, ContenderSession>();
  try {
    const plan: [ScenarioOutcome, number][] = [];
    for (let round = 1; round <= options.rounds; round++)
      for (const outcome of outcomes) if (!outcome.scenario.once) plan.push([outcome, round]);
    for (const outcome of outcomes) if (outcome.scenario.once) plan.push([outcome, 1]);
    for (const [outcome, round] of plan)
      for (const contender of options.contenders) await measure(outcome, contender, round, options, shared);
  } finally {
    for (const session of shared.values()) await session.close().catch(() => undefined);
  }
  return outcomes;
}

async function measure(
  outcome: ScenarioOutcome,
  contender: Contender,
  round: number,
  options: RunnerOptions,
  shared: Map<string, ContenderSession>,
): Promise<void> {
  const { scenario, params, workload } = outcome;
  if (scenario.tributaryOnly && contender.name !== 'tributary') return;
  const result = (outcome.contenders[contender.name] ??= {
    samples: [],
    load: [],
    code: [],
    verification: [],
    notes: [],
    errors: [],
  });
  const tag = `${scenario.name} round ${round} ${contender.label}`;
  if (result.timedOut) return; // once timed out, later rounds would only time out again
  const timeoutMs = Math.min(scenario.timeoutMs(params), options.deadline - Date.now() - 10_000);
  if (timeoutMs < MIN_TIMEOUT_MS) {
    result.skipped = 'time budget spent (BENCH_BUDGET_S)';
    options.log(`${tag}: skipped, time budget spent`);
    return;
  }
  const setup = scenario.setup(params);
  let session: ContenderSession | undefined;
  try {
    session = await openSession(contender, setup, options, shared);
    const warm = options.warmup ? scenario.warmup(params) : null;
    if (warm) await session.execute(warm, { timeoutMs: Math.min(timeoutMs, 120_000) });
    for (let i = 0; i < scenario.repetitions(params); i++) {
      const load = loadavg()[0]!;
      const code = codeVersion();
      const t0 = Date.now();
      const execution = await session.execute(workload, {
        timeoutMs,
        hops: scenario.measureHops,
        memory: scenario.measureMemory,
        watch: scenario.watcher?.(params),
      });
      const sample = scenario.measure(params, execution);
      result.samples.push(sample);
      result.load.push(load);
      result.code.push(code);
      result.verification = execution.verification;
      for (const note of sample.notes ?? []) if (!result.notes.includes(note)) result.notes.push(note);
      for (const failure of sample.failures ?? []) {
        result.errors.push(`round ${round}: ${failure}`);
        options.log(`${tag}: FAILED — ${failure}`);
      }
      options.log(
        `${tag}${scenario.repetitions(params) > 1 ? ` #${i + 1}` : ''}: ${sample.value.toFixed(scenario.metric.digits)} ${scenario.metric.name}` +
          ` (${execution.taskInstances} TIs verified, ${((Date.now() - t0) / 1000).toFixed(1)} s, load ${load.toFixed(2)})`,
      );
    }
  } catch (error) {
    if (error instanceof BenchTimeoutError) {
      result.timedOut = { afterS: error.elapsedMs / 1000, peakRss: error.peakRss };
      options.log(`${tag}: timed out — ${error.message}`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      result.errors.push(`round ${round}: ${message}`);
      options.log(`${tag}: FAILED — ${message.slice(0, 2000)}`);
    }
    if (session && options.sessions === 'shared') {
      shared.delete(sessionKey(contender, setup));
      await session.close().catch(() => undefined);
    }
  } finally {
    if (session && options.sessions === 'fresh') await session.close().catch(() => undefined);
  }
}

function sessionKey(contender: Contender, setup: ContenderSetup): string {
  return `${contender.name} ${JSON.stringify(setup)}`;
}

async function openSession(
  contender: Contender,
  setup: ContenderSetup,
  options: RunnerOptions,
  shared: Map<string, ContenderSession>,
): Promise<ContenderSession> {
  if (options.sessions === 'fresh') return startWithRetries(contender, setup, options);
  const key = sessionKey(contender, setup);
  let session = shared.get(key);
  if (!session) {
    session = await startWithRetries(contender, setup, options);
    shared.set(key, session);
  }
  return session;
}

/** Starting is not measured: on a loaded machine a service may miss its start-up deadline, so try again. */
async function startWithRetries(
  contender: Contender,
  setup: ContenderSetup,
  options: RunnerOptions,
): Promise<ContenderSession> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await contender.open(setup);
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
      const message = error instanceof Error ? error.message : String(error);
      options.log(
        `${contender.label} did not start (attempt ${attempt}), trying again: ${message.slice(0, 300)}`,
      );
    }
  }
}

/** E.g. `1 run × 1000 groups × noop×3 + consolidation = 3 001 TIs`. */
export function describeWorkload(workload: Workload): string {
  return `${formatNumber(workload.runs, 0)} run${workload.runs > 1 ? 's' : ''} × ${formatNumber(workload.groups, 0)} group${workload.groups > 1 ? 's' : ''} × ${describeStages(workload.stages)} + consolidation = ${formatNumber(taskInstances(workload), 0)} TIs`;
}
