import { ConfigError } from '@tributary/runtime';
import { describe, expect, it } from 'vitest';
import { traceUrlTemplate } from './trace-url.js';

describe('TRIBUTARY_TRACE_URL', () => {
  it('is null when unset or blank', () => {
    expect(traceUrlTemplate({})).toBeNull();
    expect(traceUrlTemplate({ TRIBUTARY_TRACE_URL: '  ' })).toBeNull();
  });

  it('keeps a template with {traceId} and appends the id otherwise', () => {
    expect(traceUrlTemplate({ TRIBUTARY_TRACE_URL: 'http://jaeger:16686/trace/{traceId}' })).toBe(
      'http://jaeger:16686/trace/{traceId}',
    );
    expect(traceUrlTemplate({ TRIBUTARY_TRACE_URL: 'https://tempo.example/t' })).toBe(
      'https://tempo.example/t/{traceId}',
    );
  });

  it('refuses what is not an http(s) URL, naming the variable', () => {
    expect(() => traceUrlTemplate({ TRIBUTARY_TRACE_URL: 'jaeger' })).toThrow(ConfigError);
    expect(() => traceUrlTemplate({ TRIBUTARY_TRACE_URL: 'javascript:alert(1)/{traceId}' })).toThrow(
      /TRIBUTARY_TRACE_URL.*scheme/,
    );
  });
});
