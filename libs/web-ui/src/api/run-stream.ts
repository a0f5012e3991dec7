import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { apiPath } from './api-client';
import { ApiError, apiErrorOfResponse } from './api-error';

export interface RunStreamHandlers {
  /**
   * Each server-sent event: `snapshot` first (the run view), then one per appended run event — or, with
   * `progressMs`, a `progress` message per interval standing for them, and the final event.
   */
  onMessage(event: string, data: string): void;
  /** The stream ended (the run finished or the server closed it). */
  onEnd(): void;
  onError(error: ApiError): void;
}

/**
 * `GET /runs/:id/stream` over fetch (EventSource cannot send the bearer header). Reconnects are the
 * caller's: a new stream starts with a fresh snapshot, so nothing is missed. `progressMs`: the api sends
 * at most one `progress` message per this many ms instead of every event (a run of 100 000 instances
 * makes ~300 000 events; a page that refetches aggregates needs none of them).
 */
export function openRunStream(
  runId: string,
  headers: Record<string, string>,
  handlers: RunStreamHandlers,
  options: { progressMs?: number } = {},
): () => void {
  const controller = new AbortController();
  const query = options.progressMs === undefined ? '' : `?progress=${options.progressMs}`;
  void (async () => {
    try {
      const response = await fetch(apiPath(`/runs/${encodeURIComponent(runId)}/stream${query}`), {
        headers: { ...headers, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw await apiErrorOfResponse(response);
      const parser = createParser({
        onEvent: (message: EventSourceMessage) =>
          handlers.onMessage(message.event ?? 'message', message.data),
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      handlers.onEnd();
    } catch (error) {
      if (controller.signal.aborted) return;
      handlers.onError(
        error instanceof ApiError ? error : new ApiError(0, 'network', (error as Error).message),
      );
    }
  })();
  return () => controller.abort();
}
