/** One server-sent event as the api writes it (`event`, `id`, JSON `data`). */
export interface SseMessage {
  event: string;
  id: string;
  data: any;
}

/**
 * Reads a `text/event-stream` response one message at a time (comment lines skipped); `next()` rejects
 * with "stream ended" when the api closes the stream.
 */
export function sseReader(res: Response): { next(): Promise<SseMessage> } {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) continue;
          const field = (name: string) =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))
              ?.slice(name.length + 2) ?? '';
          return { event: field('event'), id: field('id'), data: JSON.parse(field('data')) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    },
  };
}
