import { describe, expect, it } from 'vitest';
import { RunHarness, planOf } from './run.fixture.js';

const SPEC = `
id: secrets
params:
  type: object
  required: [token]
  properties:
    token: { type: string, x-secret: true }
    market: { type: string }
stages:
  - id: call
    executor: http
    with:
      token: \${{ params.token }}
`;

const envelope = { $secret: { v: 1, kid: 'k1', dk: 'dk', iv: 'iv', ct: 'ct', tag: 'tag', digest: 'sha256:d1' } };

describe('run decider: secret params', () => {
  it('refuses a trigger whose secret arrived in clear, naming the param, without storing the value', () => {
    const run = new RunHarness(planOf(SPEC));
    const decision = run.start({ token: 'hunter2-clear', market: 'LU' });
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]).toMatchObject({
      type: 'TriggerRejected',
      issues: [{ path: '/params/token', message: expect.stringContaining('arrived unencrypted') }],
    });
    expect(JSON.stringify(decision.events)).not.toContain('hunter2-clear');
  });

  it('keeps the envelope in the params and hands it to `with:` (the executor decrypts it there)', () => {
    const run = new RunHarness(planOf(SPEC));
    run.start({ token: envelope, market: 'LU' });
    expect(run.eventsOfType('TriggerAccepted')[0]!.params).toEqual({ token: envelope, market: 'LU' });
    const [dispatch] = run.send({ type: 'DispatchTasks', runId: run.runId, taskIds: [...run.state.scheduled] })
      .dispatches;
    expect(dispatch!.input).toMatchObject({ token: envelope });
    expect(dispatch!.params).toEqual({ token: envelope, market: 'LU' });
  });

  it('evaluates `when:` over the redacted marker (a string digest, not the envelope)', () => {
    const redactedOnly = SPEC.replace('    with:', '    when: params.token["$secret"] == "sha256:d1"\n    with:');
    const run = new RunHarness(planOf(redactedOnly));
    run.start({ token: envelope });
    expect(run.stateOf('call')).toBe('scheduled');
  });
});
