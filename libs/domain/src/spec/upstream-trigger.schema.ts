import { z } from 'zod';

/**
 * `on:` entries as written: runs started by an upstream system's own messages on its own NATS subject
 * (issue #9 item 1). Kept apart from pipeline-spec.schema.ts, which only references it.
 */

/** A NATS subject: `.`-separated tokens without whitespace; `*` matches one token, a final `>` the rest. */
export const UPSTREAM_SUBJECT_PATTERN = '^(?:[^\\s.*>]+|\\*)(?:\\.(?:[^\\s.*>]+|\\*))*(?:\\.>)?$';
/** A JetStream stream name (no whitespace, `.`, `*`, `>`, path separators). */
export const STREAM_NAME_PATTERN = '^[A-Za-z0-9_-]+$';
/** The variables a trigger's CEL sees. */
export const UPSTREAM_CEL_VARIABLES = ['event', 'subject', 'headers'] as const;

const show = (value: unknown): string =>
  typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));

const upstreamCel = (what: string) =>
  z
    .string({ error: (issue) => `${what} must be a CEL expression (a string), got ${show(issue.input)}` })
    .min(1, { error: `${what} cannot be empty` });

/** One `on:` entry. */
export const upstreamTriggerSchema = z
  .strictObject({
    subject: z
      .string({ error: (issue) => `subject must be a NATS subject (a string), got ${show(issue.input)}` })
      .regex(new RegExp(UPSTREAM_SUBJECT_PATTERN), {
        error: (issue) =>
          `invalid subject ${show(issue.input)}: use "."-separated tokens without spaces; "*" matches one token, a final ">" the rest`,
      })
      .meta({ description: 'The NATS subject the upstream system publishes on (e.g. "catalog.updated").' }),
    stream: z
      .string()
      .regex(new RegExp(STREAM_NAME_PATTERN), {
        error: (issue) => `invalid stream name ${show(issue.input)}: use letters, digits, "_" and "-"`,
      })
      .optional()
      .meta({
        description:
          "An existing JetStream stream that captures the subject; omitted = Tributary's own <PREFIX>_UPSTREAM stream.",
      }),
    payload: z
      .enum(['json', 'raw'], {
        error: (issue) => `payload must be "json" or "raw", got ${show(issue.input)}`,
      })
      .optional()
      .meta({
        description:
          'json (default): `event` is the parsed JSON and a payload that is not JSON is rejected; raw: `event` is the payload as text.',
      }),
    when: upstreamCel('when')
      .optional()
      .meta({ description: 'CEL over event, subject, headers; false ⇒ no run (default: every event).' }),
    params: upstreamCel('params')
      .optional()
      .meta({
        description: "CEL over event, subject, headers giving the run's params (default: the event).",
      }),
    idempotencyKey: upstreamCel('idempotencyKey').optional().meta({
      description:
        "CEL giving the key: one run per key (default: the message's stream and sequence, so a redelivery never starts a second run).",
    }),
  })
  .meta({
    id: 'UpstreamTrigger',
    description: 'Start a run from every matching message on an upstream subject.',
  });

/** An `on:` entry as written. */
export type RawUpstreamTrigger = z.output<typeof upstreamTriggerSchema>;

/** Keys of an `on:` entry (for "did you mean"). */
export const UPSTREAM_TRIGGER_KEYS = Object.keys(upstreamTriggerSchema.shape);
