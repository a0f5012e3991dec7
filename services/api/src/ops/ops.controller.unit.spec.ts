import { describe, expect, it } from 'vitest';
import type { Infrastructure } from '@tributary/runtime';
import type { ApiResponse } from '../http/http-types.js';
import { HttpMetrics } from './http-metrics.js';
import { OpsController } from './ops.controller.js';
import { renderPrometheus } from './prometheus.js';

function fakeResponse() {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    status(code: number) {
      sent.status = code;
      return res;
    },
    json(body: unknown) {
      sent.body = body;
      return res;
    },
  };
  return { res: res as unknown as ApiResponse, sent };
}

const infraWith = (db: unknown, nc: unknown) => ({ db, nc }) as unknown as Infrastructure;

describe('healthz', () => {
  it('answers 503 naming what is down, without the reason (issue #10: that goes to the log)', async () => {
    const db = {
      getExecutor: () => {
        throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
      },
    };
    const nc = { isClosed: () => true, flush: async () => undefined };
    const { res, sent } = fakeResponse();
    await new OpsController(infraWith(db, nc), new HttpMetrics()).health(res);
    expect(sent.status).toBe(503);
    expect(sent.body).toEqual({ status: 'unavailable', postgres: 'unavailable', nats: 'unavailable' });
    expect(JSON.stringify(sent.body)).not.toContain('10.1.2.3');
  });
});

describe('prometheus text', () => {
  it('escapes label values and types each family', () => {
    const text = renderPrometheus([
      { name: 'x_total', help: 'X.', type: 'counter', samples: [{ labels: { route: 'a"b\\c' }, value: 2 }] },
    ]);
    expect(text).toBe('# HELP x_total X.\n# TYPE x_total counter\nx_total{route="a\\"b\\\\c"} 2\n');
  });
});
