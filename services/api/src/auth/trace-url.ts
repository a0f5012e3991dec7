import { ConfigError } from '@tributary/runtime';

export const TRACE_URL = Symbol('TRACE_URL');

/**
 * `TRIBUTARY_TRACE_URL`: where a trace id opens in the trace UI the team runs (Jaeger, Tempo, …), e.g.
 * `http://jaeger:16686/trace/{traceId}` (without `{traceId}`, the id is appended). Clients (the web UI)
 * get it from `GET /session` and link every run and task instance to its trace. Unset: no links.
 */
export function traceUrlTemplate(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env.TRIBUTARY_TRACE_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw.replace('{traceId}', 'TRACE'));
  } catch {
    throw new ConfigError(
      `TRIBUTARY_TRACE_URL must be an http(s) URL such as http://jaeger:16686/trace/{traceId}, got ${JSON.stringify(raw)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`TRIBUTARY_TRACE_URL must be an http(s) URL, got the scheme ${url.protocol}`);
  return raw.includes('{traceId}') ? raw : `${raw}${raw.endsWith('/') ? '' : '/'}{traceId}`;
}
