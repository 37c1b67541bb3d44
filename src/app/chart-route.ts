import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { type CostChart, renderCostChartPng } from '../cards/cost-chart.js';
import type { Logger } from '../config/logger.js';
import type { Route } from './http-app.js';

const CHART_PATH = '/charts/cost.png';

/** A chart URL longer than this is not one we made (a year of days is about 4 KB). */
const MAX_URL_CHARS = 8_000;
const DAY_MS = 86_400_000;

/**
 * The chart's figures travel in the URL itself, signed: any dbxops process holding the key renders
 * the same PNG from it, nothing is stored, and nobody can make the server draw figures it did not
 * sign. Teams loads it for the card's `Image`; the console loads the same path from its own origin.
 */
const dailyPayloadSchema = z
  .object({
    /** The title. */
    t: z.string().max(300),
    /** The first day, `YYYY-MM-DD`. */
    s: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Cents spent on each consecutive day from `s`: a year fits a URL a chat client will load. */
    c: z.array(z.number().int().finite()).max(400),
  })
  .strict();

/** The digest's chart: per team its label, the day's cents and the average's cents (null: no history). */
const teamsPayloadSchema = z
  .object({
    t: z.string().max(300),
    b: z
      .array(
        z.tuple([
          z.string().max(100),
          z.number().int().nonnegative(),
          z.number().int().nonnegative().nullable(),
        ]),
      )
      .max(60),
  })
  .strict();

const payloadSchema = z.union([dailyPayloadSchema, teamsPayloadSchema]);

/** A cost card's days are consecutive (every day of its period), so the first day and the cents suffice. */
function encodeChart(chart: CostChart): string {
  const toCents = (usd: number) => Math.round(usd * 100);
  const payload =
    chart.kind === 'daily'
      ? { t: chart.title, s: chart.days[0]?.day ?? '1970-01-01', c: chart.days.map((d) => toCents(d.usd)) }
      : {
          t: chart.title,
          b: chart.bars.map((b) => [
            b.label.slice(0, 100),
            toCents(b.usd),
            b.averageUsd === null ? null : toCents(b.averageUsd),
          ]),
        };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeChart(encoded: string): CostChart {
  const p = payloadSchema.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
  if ('b' in p)
    return {
      kind: 'teams',
      title: p.t,
      bars: p.b.map(([label, usd, avg]) => ({
        label,
        usd: usd / 100,
        averageUsd: avg === null ? null : avg / 100,
      })),
    };
  const first = Date.parse(`${p.s}T00:00:00Z`);
  if (!Number.isFinite(first)) throw new Error('not a day');
  return {
    kind: 'daily',
    title: p.t,
    days: p.c.map((cents, i) => ({
      day: new Date(first + i * DAY_MS).toISOString().slice(0, 10),
      usd: cents / 100,
    })),
  };
}

export interface ChartLinks {
  /** The signed absolute URL of `chart`. */
  url(chart: CostChart): string;
  readonly route: Route;
}

/**
 * `baseUrl` is where chat clients reach dbxops (`DBXOPS_PUBLIC_URL`, else the local address).
 * `key` signs the URLs: `DBXOPS_CONSOLE_SESSION_SECRET` when set, so every process of one deployment
 * accepts the others' links; otherwise random per process (links then break on restart).
 */
export function createChartLinks(options: {
  baseUrl: string;
  key?: string | undefined;
  logger: Logger;
}): ChartLinks {
  const key = options.key ?? randomBytes(32).toString('hex');
  const sign = (payload: string) =>
    createHmac('sha256', `dbxops-chart:${key}`).update(payload).digest('base64url');
  const base = options.baseUrl.replace(/\/$/, '');

  const reply = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  };

  async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'GET only');
    const raw = req.url ?? '';
    if (raw.length > MAX_URL_CHARS) return reply(res, 414, 'This chart link is too long.');
    const query = new URL(raw, 'http://local').searchParams;
    const payload = query.get('c');
    const signature = query.get('s');
    if (payload === null || signature === null) return reply(res, 400, 'This chart link is incomplete.');
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return reply(res, 403, 'This chart link is not one dbxops signed (or dbxops restarted since).');
    }
    let chart: CostChart;
    try {
      chart = decodeChart(payload);
    } catch {
      return reply(res, 400, 'This chart link cannot be read.');
    }
    try {
      const png = await renderCostChartPng(chart);
      res
        .writeHead(200, {
          'content-type': 'image/png',
          'content-length': png.length,
          // The URL is the content: the same link always draws the same chart.
          'cache-control': 'private, max-age=86400, immutable',
        })
        .end(req.method === 'HEAD' ? undefined : png);
    } catch (error) {
      options.logger.error({ err: error }, 'a cost chart could not be rendered');
      reply(res, 500, 'The chart could not be drawn.');
    }
  }

  return {
    url(chart) {
      const payload = encodeChart(chart);
      return `${base}${CHART_PATH}?c=${payload}&s=${sign(payload)}`;
    },
    route: { path: CHART_PATH, listener },
  };
}
