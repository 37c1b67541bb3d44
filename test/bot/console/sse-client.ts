/** One Server-Sent Event as the browser's EventSource would dispatch it. */
interface SseEvent {
  readonly type: string;
  readonly data: unknown;
}

/**
 * A minimal EventSource over fetch for tests: collects events and waits for the next of a type.
 * Speaks the real protocol (event/data/id lines, blank-line separated), nothing console-specific.
 */
export async function openEventStream(url: string): Promise<{
  readonly status: number;
  next(type: string, timeoutMs?: number): Promise<unknown>;
  /** Settles when the server ends the stream (or `close` aborts it). */
  readonly ended: Promise<void>;
  close(): void;
}> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  const queue: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  if (res.body !== null && res.ok) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return end();
          buffer += value;
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) {
              queue.push({ type, data: JSON.parse(data.join('\n')) });
              for (const w of waiters.splice(0)) w();
            }
            cut = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // Aborted by close().
        end();
      }
    })();
  }
  return {
    status: res.status,
    async next(type, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = queue.findIndex((e) => e.type === type);
        if (at >= 0) return queue.splice(at, 1)[0]?.data;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    ended,
    close: () => abort.abort(),
  };
}
