import { describe, expect, it } from 'vitest';
import {
  CHART_SIZE,
  costChartSpec,
  renderCostChartPng,
  renderCostChartSvg,
} from '../../src/cards/cost-chart.js';
import { decodePng } from '../support/png.js';

const week = Array.from({ length: 7 }, (_, i) => ({ day: `2026-11-${16 + i}`, usd: 40 + i * 12.5 }));

describe('the daily spend chart', () => {
  it('renders to a PNG that decodes, at twice the chart size', async () => {
    const png = await renderCostChartPng({
      kind: 'daily',
      title: 'Daily spend · team finance · last 7 days (UTC)',
      days: week,
    });
    expect(decodePng(png)).toEqual({
      width: CHART_SIZE.width * CHART_SIZE.pixelRatio,
      height: CHART_SIZE.height * CHART_SIZE.pixelRatio,
    });
  });

  it('draws one bar per day with the day as its label, and escapes a hostile title', async () => {
    const svg = await renderCostChartSvg({
      kind: 'daily',
      title: '<script>alert(1)</script> & "team"',
      days: week,
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Nov 16');
    expect(svg).toContain('Nov 22');
    expect(costChartSpec({ kind: 'daily', title: 't', days: week }).data).toEqual({
      values: week.map((d) => expect.objectContaining({ day: d.day, usd: d.usd })),
    });
  });

  it('renders a month of days and an all-zero week without failing', async () => {
    const month = Array.from({ length: 30 }, (_, i) => ({
      day: `2026-11-${String(i + 1).padStart(2, '0')}`,
      usd: i,
    }));
    expect(decodePng(await renderCostChartPng({ kind: 'daily', title: 'month', days: month })).width).toBe(
      1600,
    );
    const zero = week.map((d) => ({ ...d, usd: 0 }));
    expect(decodePng(await renderCostChartPng({ kind: 'daily', title: 'nothing', days: zero })).height).toBe(
      640,
    );
  });
});

describe("the digest's spend-per-team chart", () => {
  const bars = [
    { label: 'data-platform', usd: 412.5, averageUsd: 380.25 },
    { label: 'finance', usd: 117.57, averageUsd: 102.34 },
    { label: 'untagged', usd: 12, averageUsd: null },
  ];

  it('draws each team with the day beside its average, through the same renderer as the cost card', async () => {
    const chart = { kind: 'teams' as const, title: '2026-11-21 against the 7-day average, per team', bars };
    expect(decodePng(await renderCostChartPng(chart))).toEqual({ width: 1600, height: 640 });
    const svg = await renderCostChartSvg(chart);
    for (const label of ['data-platform', 'finance', 'untagged', 'reported day', 'average'])
      expect(svg).toContain(label);
    // A team without history has only its day's bar: no average is invented.
    expect(costChartSpec(chart).data).toEqual({
      values: [
        { order: 0, team: 'data-platform', series: 'reported day', usd: 412.5 },
        { order: 0, team: 'data-platform', series: 'average', usd: 380.25 },
        { order: 1, team: 'finance', series: 'reported day', usd: 117.57 },
        { order: 1, team: 'finance', series: 'average', usd: 102.34 },
        { order: 2, team: 'untagged', series: 'reported day', usd: 12 },
      ],
    });
  });

  it('escapes hostile team names and draws a day without spend', async () => {
    const svg = await renderCostChartSvg({
      kind: 'teams',
      title: 'x',
      bars: [{ label: '<script>alert(1)</script>', usd: 0, averageUsd: 0 }],
    });
    expect(svg).not.toContain('<script>');
  });
});
