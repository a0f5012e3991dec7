import type { Json } from '../spec/pipeline-spec.js';
import { parsePipelineSpec } from '../spec/parse-pipeline-spec.js';
import { compilePlan } from '../spec/compile-plan.js';
import type { CompiledPlan, PlanTaskNode } from '../spec/compiled-plan.js';
import type { RunCommand, DecideContext } from './run-commands.js';
import type { RunEvent, TaskError } from './run-events.js';
import { initialRunState, type RunState } from './run-state.js';
import { decide } from './run-decide.js';

/** Test helper: compiles a YAML spec or fails the test with the issues. */
export function planOf(yaml: string): CompiledPlan {
  const parsed = parsePipelineSpec(yaml, 'yaml');
  if (!parsed.ok) throw new Error(`spec invalid: ${JSON.stringify(parsed.issues)}`);
  return compilePlan(parsed.spec);
}

export type Outcome =
  | { outcome: 'success'; output?: Json }
  | { outcome: 'failed'; error?: Partial<TaskError> }
  | { outcome: 'skipped' };

/** A run under test: a clock, the state, every event decided so far, and a fake executor fleet. */
export class RunHarness {
  readonly state: RunState;
  readonly events: RunEvent[] = [];
  now = 1_700_000_000_000;
  readonly runId = 'run-1';

  constructor(
    readonly plan: CompiledPlan,
    private readonly random: () => number = () => 0.5,
  ) {
    this.state = initialRunState(plan);
  }

  private ctx(): DecideContext {
    return { now: this.now, random: this.random };
  }

  send(command: RunCommand) {
    const decision = decide(this.state, command, this.ctx());
    this.events.push(...decision.events);
    return decision;
  }

  start(params: unknown) {
    return this.send({
      type: 'StartRun',
      runId: this.runId,
      pipelineId: this.plan.spec.id,
      version: 1,
      params,
      idempotencyKey: null,
      actor: 'test',
    });
  }

  /**
   * Dispatches every scheduled instance and answers each with `answer` until nothing is left to run.
   * `lose` makes an attempt's dispatch get lost (re-sent after its queuedTimeout, then run) or its host
   * go silent once it started (failed as lost, retried per policy).
   */
  drive(
    answer: (taskId: string, attempt: number) => Outcome,
    maxSteps = 100_000,
    lose: (taskId: string, attempt: number) => 'dispatch' | 'host' | null = () => null,
  ): void {
    for (let step = 0; step < maxSteps; step++) {
      if (this.state.scheduled.size === 0) {
        if (this.state.retrying.size === 0) return;
        const due = Math.min(...[...this.state.retrying].map((id) => this.state.tasks.get(id)!.retryAt!));
        this.now = Math.max(this.now, due);
        this.send({ type: 'Tick', runId: this.runId });
        continue;
      }
      const dispatched = this.send({
        type: 'DispatchTasks',
        runId: this.runId,
        taskIds: [...this.state.scheduled],
      }).dispatches;
      for (const d of dispatched) {
        const lost = lose(d.taskId, d.attempt);
        if (lost === 'dispatch') {
          const node = this.state.index.node(this.state.tasks.get(d.taskId)!.stagePath) as PlanTaskNode;
          this.now += node.settings.queuedTimeoutMs ?? 0;
          const again = this.send({ type: 'RequeueLostDispatches', runId: this.runId, taskIds: [d.taskId] });
          if (again.dispatches.length !== 1) throw new Error(`${d.taskId} was not dispatched again`);
        }
        this.send({
          type: 'RecordTaskStarted',
          runId: this.runId,
          taskId: d.taskId,
          attempt: d.attempt,
          host: 'h',
        });
        if (lost === 'host') {
          this.send({
            type: 'RecordAttemptLost',
            runId: this.runId,
            taskId: d.taskId,
            attempt: d.attempt,
            reason: 'no heartbeat',
          });
          continue;
        }
        const result = answer(d.taskId, d.attempt);
        this.now += 1;
        this.send({
          type: 'RecordTaskResult',
          runId: this.runId,
          taskId: d.taskId,
          attempt: d.attempt,
          outcome: result.outcome,
          ...(result.outcome === 'success' ? { output: result.output ?? null } : {}),
          ...(result.outcome === 'failed'
            ? { error: { message: 'boom', type: 'Error', retryable: true, ...result.error } }
            : {}),
        });
      }
    }
    throw new Error('run did not settle');
  }

  stateOf(taskId: string): string | undefined {
    return this.state.tasks.get(taskId)?.state;
  }

  eventsOfType<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  }
}
