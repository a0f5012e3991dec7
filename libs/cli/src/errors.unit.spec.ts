import { describe, expect, it } from 'vitest';
import { apiErrorOf } from './api/api-client.js';
import {
  ApiError,
  CliError,
  UsageError,
  exitCodeOf,
  formatApiError,
  formatError,
  formatSpecProblem,
} from './errors.js';

describe('error formatting', () => {
  it('shows an api error as `error: <code>: <message>` and each detail as `  <path>: <message>`', () => {
    const error = apiErrorOf(422, {
      error: {
        code: 'invalid_params',
        message: 'params do not match the params schema',
        details: [
          { path: '/params/markets/0', message: 'must be one of LU, PT, GR' },
          { path: '', message: 'must have required property markets' },
        ],
      },
    });
    expect(formatApiError(error)).toBe(
      [
        'error: invalid_params: params do not match the params schema',
        '  /params/markets/0: must be one of LU, PT, GR',
        '  /: must have required property markets',
      ].join('\n'),
    );
    expect(exitCodeOf(error)).toBe(1);
  });

  it('reads answers that are not the error envelope', () => {
    expect(formatError(apiErrorOf(502, 'Bad Gateway'))).toBe('error: http_502: Bad Gateway');
    expect(formatError(apiErrorOf(401, null))).toMatch(
      /^error: http_401: not authenticated: set TRIBUTARY_API_TOKEN/,
    );
  });

  it('prints a spec problem compiler-style, with or without a position', () => {
    expect(
      formatSpecProblem('p.yaml', {
        path: '/stages/0/bogus',
        message: 'unknown key "bogus"',
        line: 5,
        column: 5,
      }),
    ).toBe('p.yaml:5:5 /stages/0/bogus: unknown key "bogus"');
    expect(formatSpecProblem('p.yaml', { path: '/consolidate', message: 'required' })).toBe(
      'p.yaml /consolidate: required',
    );
  });

  it('maps usage errors to exit 2 and other failures to exit 1', () => {
    expect(exitCodeOf(new UsageError('give --params or --params-file, not both'))).toBe(2);
    expect(exitCodeOf(new CliError('broken'))).toBe(1);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(formatError(new ApiError(0, 'unreachable', 'cannot reach the api'))).toBe(
      'error: unreachable: cannot reach the api',
    );
  });
});
