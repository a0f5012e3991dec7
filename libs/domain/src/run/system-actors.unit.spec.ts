import { describe, expect, it } from 'vitest';
import { commandActorProblem, isSystemActor, upstreamActor } from './system-actors.js';

describe('system actors', () => {
  it("tells the services' own names from token names", () => {
    for (const actor of [
      'planner',
      'cron',
      'fan-in',
      'executor',
      'executor:search',
      'upstream:orders.created',
    ])
      expect(isSystemActor(actor), actor).toBe(true);
    for (const actor of ['alice', 'bootstrap-admin', 'ci@example.com', 'cronjob', 'upstream'])
      expect(isSystemActor(actor), actor).toBe(false);
    expect(upstreamActor('orders.created')).toBe('upstream:orders.created');
  });

  it('refuses a service name as the actor of an operator command, and all but cron/upstream for a trigger', () => {
    expect(commandActorProblem('alice', 'operator command')).toBeNull();
    expect(commandActorProblem('cron', 'operator command')).toBe(
      `actor "cron" is a service's own name: operator commands are attributed to the api token that sent them`,
    );
    expect(commandActorProblem('upstream:orders.created', 'operator command')).toMatch(
      /^actor "upstream:orders.created" is a service's own name/,
    );
    expect(commandActorProblem('cron', 'trigger')).toBeNull();
    expect(commandActorProblem('upstream:orders.created', 'trigger')).toBeNull();
    expect(commandActorProblem('executor:search', 'trigger')).toBe(
      `actor "executor:search" is a service's own name: triggers are attributed to the api token that sent them (or to cron and upstream:<subject>, which the planner writes)`,
    );
    expect(commandActorProblem('', 'trigger')).toBe('actor must be a non-empty string');
  });
});
