import { compileScopedExpression, type CompiledScopedExpression } from './cel-expression.js';
import { jsonProblem } from '../json/json-safety.js';
import type { Json, ValidationIssue } from './pipeline-spec.js';
import { UPSTREAM_CEL_VARIABLES, type RawUpstreamTrigger } from './upstream-trigger.schema.js';

/** A pipeline's `on:` entry with its defaults applied: runs from an upstream system's messages. */
export interface UpstreamTriggerSpec {
  /** NATS subject (wildcards allowed) the upstream system publishes on. */
  subject: string;
  /** Existing stream to bind to; null = Tributary's own `<PREFIX>_UPSTREAM` stream. */
  stream: string | null;
  /** `json`: `event` is the parsed payload (not JSON ⇒ rejected); `raw`: the payload as text. */
  payload: 'json' | 'raw';
  /** CEL; false ⇒ the event starts no run. null = every event. */
  when: string | null;
  /** CEL giving the run's params; null = the event itself (which must then be a JSON object). */
  params: string | null;
  /** CEL giving the idempotency key; null = the message's stream and sequence. */
  idempotencyKey: string | null;
}

/** An `on:` entry compiled once (its expressions are checked at apply time, so compiling cannot fail). */
export interface CompiledUpstreamTrigger {
  readonly index: number;
  readonly spec: UpstreamTriggerSpec;
  readonly when: CompiledScopedExpression | null;
  readonly params: CompiledScopedExpression | null;
  readonly idempotencyKey: CompiledScopedExpression | null;
}

/** One upstream message as the trigger sees it. */
export interface UpstreamMessage {
  subject: string;
  /** The payload as UTF-8 text; null when it is not valid UTF-8. */
  text: string | null;
  headers: Readonly<Record<string, string>>;
}

/** What one upstream message means for one trigger. */
export type UpstreamDecision =
  | { kind: 'start'; params: Record<string, Json>; idempotencyKey: string | null }
  | { kind: 'filtered' }
  | { kind: 'rejected'; path: string; message: string };

/** Longest idempotency key a trigger may compute (it becomes a `Nats-Msg-Id` header and a run id seed). */
export const MAX_UPSTREAM_KEY_LENGTH = 1024;

const EXPRESSIONS = ['when', 'params', 'idempotencyKey'] as const;

/** Applies the defaults to validated `on:` entries. */
export function resolveUpstreamTriggers(
  raw: readonly RawUpstreamTrigger[] | undefined,
): UpstreamTriggerSpec[] {
  return (raw ?? []).map((entry) => ({
    subject: entry.subject,
    stream: entry.stream ?? null,
    payload: entry.payload ?? 'json',
    when: entry.when ?? null,
    params: entry.params ?? null,
    idempotencyKey: entry.idempotencyKey ?? null,
  }));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Apply-time checks of a raw document's `on:` beyond its shape: every CEL expression compiles over
 * `event`, `subject`, `headers` (error at `/on/<i>/<field>` with line and column inside the
 * expression), and no two entries consume the same subject from the same stream (one durable consumer
 * each: combine them with `when` and conditional params instead).
 */
export function checkUpstreamTriggers(document: unknown): ValidationIssue[] {
  const on = isObject(document) ? document['on'] : undefined;
  if (!Array.isArray(on)) return [];
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  on.forEach((entry: unknown, index) => {
    if (!isObject(entry)) return;
    for (const field of EXPRESSIONS) {
      const source = entry[field];
      if (typeof source !== 'string' || source === '') continue;
      const compiled = compileScopedExpression(source, UPSTREAM_CEL_VARIABLES);
      if (!compiled.ok) {
        issues.push({
          path: `/on/${index}/${field}`,
          message: `invalid CEL expression: ${compiled.message}`,
        });
      }
    }
    if (typeof entry['subject'] !== 'string') return;
    const key = `${entry['subject']}\u0000${typeof entry['stream'] === 'string' ? entry['stream'] : ''}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else {
      issues.push({
        path: `/on/${index}/subject`,
        message: `on[${first}] already consumes "${entry['subject']}"${typeof entry['stream'] === 'string' ? ` from stream ${entry['stream']}` : ''}: one entry per subject (tell events apart with "when" and conditional params)`,
      });
    }
  });
  return issues;
}

/** Compiles resolved `on:` entries. Throws only for a spec that skipped {@link checkUpstreamTriggers} (a bug). */
export function compileUpstreamTriggers(specs: readonly UpstreamTriggerSpec[]): CompiledUpstreamTrigger[] {
  const compile = (source: string | null, at: string): CompiledScopedExpression | null => {
    if (source === null) return null;
    const compiled = compileScopedExpression(source, UPSTREAM_CEL_VARIABLES);
    if (!compiled.ok)
      throw new Error(`${at}: invalid CEL expression reached compilation: ${compiled.message}`);
    return compiled.expression;
  };
  return specs.map((spec, index) =>
    Object.freeze({
      index,
      spec,
      when: compile(spec.when, `on[${index}].when`),
      params: compile(spec.params, `on[${index}].params`),
      idempotencyKey: compile(spec.idempotencyKey, `on[${index}].idempotencyKey`),
    }),
  );
}

/**
 * What an upstream message means for a trigger: the params and key of the run to start, filtered out
 * by `when`, or rejected with the path and reason (payload not UTF-8 or not JSON, a CEL evaluation
 * error, `when` not a bool, params not an object, a key that is not a non-empty string or number).
 * Pure; never throws. The params schema is checked by the caller against the pipeline's plan.
 */
export function evaluateUpstreamMessage(
  trigger: CompiledUpstreamTrigger,
  message: UpstreamMessage,
): UpstreamDecision {
  const at = `/on/${trigger.index}`;
  if (message.text === null)
    return { kind: 'rejected', path: '/event', message: 'the payload is not UTF-8 text' };
  let event: unknown = message.text;
  if (trigger.spec.payload === 'json') {
    try {
      event = JSON.parse(message.text);
    } catch (error) {
      return {
        kind: 'rejected',
        path: '/event',
        message: `the payload is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const problem = jsonProblem(event);
    if (problem) return { kind: 'rejected', path: `/event${problem.path}`, message: problem.message };
  }
  const scope = { event, subject: message.subject, headers: message.headers };

  if (trigger.when) {
    const when = trigger.when.evaluate(scope);
    if (!when.ok) return { kind: 'rejected', path: `${at}/when`, message: `when failed: ${when.error}` };
    if (typeof when.value !== 'boolean') {
      return {
        kind: 'rejected',
        path: `${at}/when`,
        message: `when must give a bool, got ${JSON.stringify(when.value)}`,
      };
    }
    if (!when.value) return { kind: 'filtered' };
  }

  let params: Json = event as Json;
  if (trigger.params) {
    const evaluated = trigger.params.evaluate(scope);
    if (!evaluated.ok)
      return { kind: 'rejected', path: `${at}/params`, message: `params failed: ${evaluated.error}` };
    params = evaluated.value;
  }
  if (!isObject(params)) {
    return {
      kind: 'rejected',
      path: `${at}/params`,
      message: `params must be a JSON object, got ${describe(params)}${trigger.params ? '' : ' (the event itself: set params to build an object from it)'}`,
    };
  }

  let idempotencyKey: string | null = null;
  if (trigger.idempotencyKey) {
    const key = trigger.idempotencyKey.evaluate(scope);
    if (!key.ok) {
      return {
        kind: 'rejected',
        path: `${at}/idempotencyKey`,
        message: `idempotencyKey failed: ${key.error}`,
      };
    }
    const value = typeof key.value === 'number' ? String(key.value) : key.value;
    if (typeof value !== 'string' || value === '' || value.length > MAX_UPSTREAM_KEY_LENGTH) {
      return {
        kind: 'rejected',
        path: `${at}/idempotencyKey`,
        message: `idempotencyKey must give a non-empty string of at most ${MAX_UPSTREAM_KEY_LENGTH} characters (or a number), got ${typeof value === 'string' ? `${value.length} characters` : describe(value)}`,
      };
    }
    idempotencyKey = value;
  }
  return { kind: 'start', params: params as Record<string, Json>, idempotencyKey };
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
