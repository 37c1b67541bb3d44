import type { DigestCardView } from './card-views.js';
import { chartLines } from './digest-chart.js';

/**
 * A digest as plain text for a terminal (`dbxops digest --print`): every section and line, links and
 * commands after the figure they detail, the chart as text bars. Nothing is cut: a terminal scrolls.
 */
export function renderDigestCardText(view: DigestCardView): string {
  const out = [view.title, '='.repeat(Math.min(view.title.length, 100))];
  if (view.late !== null) out.push(view.late);
  if (view.subtitle !== null) out.push(view.subtitle);
  for (const s of view.sections) {
    out.push('', s.title, '-'.repeat(Math.min(s.title.length, 100)));
    if (s.missing !== null) {
      out.push(`  Missing: ${s.missing}`);
      continue;
    }
    for (const l of s.lines) {
      const detail = [l.url, l.command].filter((x) => x !== null).join(' · ');
      out.push(`  • ${l.text}${detail === '' ? '' : `  [${detail}]`}`);
    }
    if (s.chart !== null && s.chart.bars.length > 0) {
      out.push('', `  ${s.chart.title}`);
      for (const line of chartLines(s.chart, s.chart.bars.length)) out.push(`    ${line}`);
    }
  }
  return `${out.join('\n')}\n`;
}
