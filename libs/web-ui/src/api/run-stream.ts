import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { apiPath } from './api-client';
import { ApiError, apiErrorOfResponse } from './api-error';

export interface RunStreamHandlers {
  /** Each server-sent event: `snapshot` first (the run view), then one per appended run event. */
  onMessage(event: string, data: string): void;
  /** The stream ended (the run finished or the server closed it). */
  onEnd(): void;
  onError(error: ApiError): void;
}

/**
 * `GET /runs/:id/stream` over fetch (EventSource cannot send the bearer header). Reconnects are the
 * caller's: a new stream starts with a fresh snapshot, so nothing is missed.
 */
export function openRunStream(
  runId: string,
  headers: Record<string, string>,
  handlers: RunStreamHandlers,
): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const response = await fetch(apiPath(`/runs/${encodeURIComponent(runId)}/stream`), {
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
