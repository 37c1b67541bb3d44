import type { ServerResponse } from 'node:http';
import type { Clock } from '../../domain/clock.js';
import type { ChannelEvent, ChannelLog } from './channel-log.js';
import { messageJson, replyJson } from './render.js';

export interface EventStreamOptions {
  readonly log: ChannelLog;
  readonly clock: Clock;
  /** Open pages served at once; one more gets 503 (default 100). */
  readonly maxClients?: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 25 s; 0 disables). */
  readonly heartbeatMs?: number;
  /** A page that stops reading is dropped once this much is queued for it (default 1 MB). */
  readonly maxBufferedBytes?: number;
}

/**
 * Server-Sent Events for open console pages: `message` (a new top-level message), `update` (a card
 * replaced in place) and `reply` (a thread note), made by this web process or another. Each event is
 * rendered once and written to every page.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  readonly #clock: Clock;
  readonly #maxClients: number;
  readonly #maxBuffered: number;
  readonly #log: ChannelLog;
  /** Set while a page is open: with none, no change is read from the store only to be thrown away. */
  #unsubscribe: (() => void) | undefined;
  readonly #heartbeat: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(options: EventStreamOptions) {
    this.#clock = options.clock;
    this.#maxClients = options.maxClients ?? 100;
    this.#maxBuffered = options.maxBufferedBytes ?? 1_048_576;
    this.#log = options.log;
    const every = options.heartbeatMs ?? 25_000;
    if (every > 0) {
      this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), every);
      this.#heartbeat.unref();
    }
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Starts a stream on `res`; false (and nothing written) when the page limit is reached. */
  accept(res: ServerResponse): boolean {
    if (this.#clients.size >= this.#maxClients) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // `retry` makes a dropped page reconnect quickly; it then re-reads the channel it shows.
    res.write('retry: 2000\n: connected\n\n');
    this.#clients.add(res);
    this.#unsubscribe ??= this.#log.subscribe((event) => this.#broadcast(event));
    res.on('close', () => this.#drop(res));
    return true;
  }

  /** Ends every stream and stops listening. */
  close(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #drop(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #broadcast(event: ChannelEvent): void {
    if (this.#clients.size === 0) return;
    if (event.type === 'resync') {
      // Changes made elsewhere may have been missed: each page reconnects (`retry`) and, on reconnecting,
      // reads its channel again, which holds them.
      for (const res of [...this.#clients]) res.end();
      return;
    }
    const now = this.#clock.now();
    const data =
      event.type === 'reply'
        ? { channelId: event.channelId, parentId: event.parentId, reply: replyJson(event.reply, now) }
        : { channelId: event.message.channelId, message: messageJson(event.message, now) };
    this.#seq += 1;
    // JSON has no raw newlines, so one `data:` line carries the whole event.
    this.#write(`id: ${this.#seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  #write(chunk: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > this.#maxBuffered) {
        this.#clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }
}
