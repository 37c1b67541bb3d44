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
      title: 'Daily spend · team finance · last 7 days (UTC)',
      days: week,
    });
    expect(decodePng(png)).toEqual({
      width: CHART_SIZE.width * CHART_SIZE.pixelRatio,
      height: CHART_SIZE.height * CHART_SIZE.pixelRatio,
    });
  });

  it('draws one bar per day with the day as its label, and escapes a hostile title', async () => {
    const svg = await renderCostChartSvg({ title: '<script>alert(1)</script> & "team"', days: week });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Nov 16');
    expect(svg).toContain('Nov 22');
    expect(costChartSpec({ title: 't', days: week }).data).toEqual({
      values: week.map((d) => expect.objectContaining({ day: d.day, usd: d.usd })),
    });
  });

  it('renders a month of days and an all-zero week without failing', async () => {
    const month = Array.from({ length: 30 }, (_, i) => ({
      day: `2026-11-${String(i + 1).padStart(2, '0')}`,
      usd: i,
    }));
    expect(decodePng(await renderCostChartPng({ title: 'month', days: month })).width).toBe(1600);
    const zero = week.map((d) => ({ ...d, usd: 0 }));
    expect(decodePng(await renderCostChartPng({ title: 'nothing', days: zero })).height).toBe(640);
  });
});
