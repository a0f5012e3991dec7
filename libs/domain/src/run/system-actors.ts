/**
 * Who an event names as its actor (the log's `actor` column). People act through the api, which writes
 * the authenticated token's name; the services write their own names. The actor is never taken from a
 * message an untrusted party can publish: NATS permissions (deploy/nats) let only the api publish
 * operator commands and only the api and the planner publish triggers (docs/security.md).
 */

/** The planner's scheduled runs. */
export const CRON_ACTOR = 'cron';
/** A run started by an upstream event is attributed to the subject it arrived on, never to its body. */
export const UPSTREAM_ACTOR_PREFIX = 'upstream:';
/** Names the services write for themselves (`executor:<name>` for an executor's results). */
const SERVICE_ACTORS = new Set(['planner', 'trigger', 'fan-in', 'consolidator', 'executor', CRON_ACTOR]);
const SERVICE_ACTOR_PREFIXES = ['executor:', UPSTREAM_ACTOR_PREFIX];

/** `upstream:<subject>`: the actor of a run an upstream event started. */
export function upstreamActor(subject: string): string {
  return `${UPSTREAM_ACTOR_PREFIX}${subject}`;
}

/** Whether `actor` is one a service writes for itself, which no token holder may act under. */
export function isSystemActor(actor: string): boolean {
  return SERVICE_ACTORS.has(actor) || SERVICE_ACTOR_PREFIXES.some((prefix) => actor.startsWith(prefix));
}

/**
 * Why `actor` cannot be the actor of an operator command or trigger from `source`, or null. Operator
 * commands come only from the api: their actor is a token's name, never a service's. Triggers also come
 * from the planner itself (cron, upstream events), so those two system actors are theirs.
 */
export function commandActorProblem(actor: string, source: 'operator command' | 'trigger'): string | null {
  if (actor === '') return 'actor must be a non-empty string';
  if (!isSystemActor(actor)) return null;
  if (source === 'trigger' && (actor === CRON_ACTOR || actor.startsWith(UPSTREAM_ACTOR_PREFIX))) return null;
  return (
    `actor "${actor}" is a service's own name: ${source}s are attributed to the api token that sent them` +
    (source === 'trigger'
      ? ` (or to ${CRON_ACTOR} and ${UPSTREAM_ACTOR_PREFIX}<subject>, which the planner writes)`
      : '')
  );
}
