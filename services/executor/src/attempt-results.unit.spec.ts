import { create } from '@bufbuild/protobuf';
import { AttemptDispatchSchema, AttemptOutcome, jsonFromBytes, jsonToBytes } from '@tributary/events';
import { describe, expect, it } from 'vitest';
import { finalResult, MAX_OUTPUT_BYTES, requestOf, startedResult, withError } from './attempt-results.js';

const dispatch = create(AttemptDispatchSchema, {
  attemptId: 'r1/market=LU/judge[2]#3',
  runId: 'r1',
  taskId: 'market=LU/judge[2]',
  stage: 'judge',
  groupPath: 'market=LU',
  mapIndex: 2,
  attempt: 3,
  inputJson: jsonToBytes({ q: 'shoes' }),
  paramsJson: jsonToBytes({ markets: ['LU'] }),
  groupJson: jsonToBytes({ key: 'market', value: 'LU', path: 'market=LU', parent: null }),
  upstreamJson: jsonToBytes({ search: [1, 2] }),
  upstreamIndicesJson: jsonToBytes({
    search: { succeeded: [0, 2], failed: [1], skipped: [], upstreamFailed: [] },
  }),
  itemJson: jsonToBytes('shoes'),
  timeoutMs: 1500,
});
const origin = { executor: 'judge', host: 'h1' };
const times = { startedAt: 1_000, finishedAt: 1_250, logs: [] };

describe('attempt results', () => {
  it('turns a dispatch into the handler request', () => {
    const decoded = requestOf(dispatch);
    expect(decoded).toEqual({
      ok: true,
      request: {
        runId: 'r1',
        taskId: 'market=LU/judge[2]',
        attemptId: 'r1/market=LU/judge[2]#3',
        attempt: 3,
        input: { q: 'shoes' },
        params: { markets: ['LU'] },
        group: { key: 'market', value: 'LU', path: 'market=LU', parent: null },
        upstream: { search: [1, 2] },
        upstreamIndices: { search: { succeeded: [0, 2], failed: [1], skipped: [], upstreamFailed: [] } },
        item: 'shoes',
        mapIndex: 2,
        timeoutMs: 1500,
      },
    });
    const bad = requestOf(
      create(AttemptDispatchSchema, { ...dispatch, inputJson: new TextEncoder().encode('{nope') }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ type: 'InvalidDispatchError', retryable: false });
    expect(bad.ok || bad.error.message).toMatch(
      /^input_json of attempt r1\/market=LU\/judge\[2\]#3 is not valid UTF-8 JSON/,
    );
  });

  it('maps SDK outcomes to result outcomes', () => {
    const started = startedResult(dispatch, origin, 1_000);
    expect(started).toMatchObject({
      outcome: AttemptOutcome.STARTED,
      executor: 'judge',
      host: 'h1',
      attempt: 3,
    });
    const success = finalResult(dispatch, origin, {
      ...times,
      outcome: 'success',
      output: { ok: true },
      logs: [{ at: 1_100, level: 'info', message: 'hi', fields: { n: 1 } }],
    });
    expect(success.outcome).toBe(AttemptOutcome.SUCCESS);
    expect(jsonFromBytes(success.outputJson!)).toEqual({ ok: true, value: { ok: true } });
    expect(success.logs).toHaveLength(1);
    expect(success.logs![0]).toMatchObject({ level: 'info', message: 'hi' });
    const skipped = finalResult(dispatch, origin, { ...times, outcome: 'skipped', reason: 'nothing to do' });
    expect(skipped).toMatchObject({
      outcome: AttemptOutcome.SKIPPED,
      error: { message: 'nothing to do', retryable: false },
    });
    const failed = finalResult(dispatch, origin, {
      ...times,
      outcome: 'failed',
      error: { message: 'x', type: 'HttpError', retryable: true, details: { status: 503 } },
    });
    expect(failed).toMatchObject({
      outcome: AttemptOutcome.FAILED,
      error: { type: 'HttpError', retryable: true },
    });
    expect(jsonFromBytes(failed.error!.detailsJson!)).toEqual({ ok: true, value: { status: 503 } });
    const fatal = finalResult(dispatch, origin, {
      ...times,
      outcome: 'failed',
      error: { message: 'x', type: 'FatalError', retryable: false },
    });
    expect(fatal.outcome).toBe(AttemptOutcome.FATAL);
    for (const r of [success, skipped, failed, fatal]) {
      expect(r.startedAt).toMatchObject({ seconds: 1n, nanos: 0 });
      expect(r.finishedAt).toMatchObject({ seconds: 1n, nanos: 250_000_000 });
    }
  });

  it('ends an attempt FATAL when its output is over the size cap', () => {
    const big = finalResult(dispatch, origin, {
      ...times,
      outcome: 'success',
      output: 'x'.repeat(MAX_OUTPUT_BYTES),
    });
    expect(big.outcome).toBe(AttemptOutcome.FATAL);
    expect(big.outputJson).toBeUndefined();
    expect(big.error).toMatchObject({ type: 'OutputTooLargeError', retryable: false });
    expect(MAX_OUTPUT_BYTES).toBe(256 * 1024);
    expect(big.error!.message).toBe(
      `handler output is ${MAX_OUTPUT_BYTES + 2} bytes of JSON, over the limit of 262144 bytes (256 KiB) set by ` +
        'TRIBUTARY_MAX_OUTPUT_BYTES: store large data elsewhere (object storage, a database) and return a reference to it',
    );
    const lowered = finalResult(
      dispatch,
      origin,
      { ...times, outcome: 'success', output: 'x'.repeat(2_000) },
      1_000,
    );
    expect(lowered.error!.message).toMatch(
      /^handler output is 2002 bytes of JSON, over the limit of 1000 bytes set by TRIBUTARY_MAX_OUTPUT_BYTES/,
    );
    const fits = finalResult(dispatch, origin, {
      ...times,
      outcome: 'success',
      output: 'x'.repeat(MAX_OUTPUT_BYTES - 2),
    });
    expect(fits.outcome).toBe(AttemptOutcome.SUCCESS);
  });

  it('repairs error texts and replaces details Postgres cannot store by a note', () => {
    const failed = withError(startedResult(dispatch, origin, 1_000), {
      message: 'bad \u0000 input',
      type: 'Odd\ud800Error',
      retryable: true,
      stack: 'at \u0000',
      details: JSON.parse('{"__proto__": {"x": 1}}'),
    });
    expect(failed.error).toMatchObject({
      message: 'bad \ufffd input',
      type: 'Odd\ufffdError',
      stack: 'at \ufffd',
    });
    expect(jsonFromBytes(failed.error!.detailsJson!)).toEqual({
      ok: true,
      value: {
        detailsError:
          'details/__proto__: the key "__proto__" is not allowed (it reaches the object prototype)',
      },
    });
    const skipped = finalResult(dispatch, origin, { ...times, outcome: 'skipped', reason: 'no \u0000 data' });
    expect(skipped.error!.message).toBe('no \ufffd data');
  });
});
