import type { DigestCardView, DigestSection } from './card-views.js';
import { formatUsd } from './card-format.js';
import { digestChartAltText } from './digest-chart.js';
import { escapeHtml as e, safeHttpUrl, sameOriginPath } from './html-escape.js';
import { takeWithRest, truncate } from './truncate.js';

/** The console has no payload limit; a section still stops at a readable length. */
const LINES_PER_SECTION = 50;

const t = (text: string, max: number) => e(truncate(text, max));

function line(l: DigestSection['lines'][number]): string {
  const url = safeHttpUrl(l.url);
  const text =
    url === null
      ? t(l.text, 500)
      : `<a href="${e(url)}" target="_blank" rel="noopener noreferrer">${t(l.text, 500)}</a>`;
  const command = l.command === null ? '' : ` <code class="dbx-command">${t(l.command, 200)}</code>`;
  return `<li>${text}${command}</li>`;
}

/**
 * The chart as the PNG dbxops draws (loaded from the console's own origin); without a chart URL, bars as
 * widths in percent of the largest figure: the day filled, its average as a marker.
 */
function chart(c: NonNullable<DigestSection['chart']>): string {
  const image = sameOriginPath(c.url);
  if (image !== null)
    return `<figure class="dbx-chart"><img src="${e(image)}" alt="${t(digestChartAltText(c), 1000)}" width="800" height="320" loading="lazy"></figure>`;
  const top = Math.max(0, ...c.bars.map((b) => Math.max(b.value, b.baseline ?? 0)));
  const pct = (usd: number) => (top === 0 ? 0 : Math.round((usd / top) * 1000) / 10);
  const rows = c.bars
    .slice(0, LINES_PER_SECTION)
    .map((b) => {
      const avg =
        b.baseline === null
          ? ''
          : `<span class="dbx-bar-avg" style="left:${pct(b.baseline)}%" title="average ${e(formatUsd(b.baseline))}"></span>`;
      return `<div class="dbx-bar-row"><span class="dbx-bar-label">${t(b.label, 100)}</span><span class="dbx-bar-track"><span class="dbx-bar" style="width:${pct(b.value)}%"></span>${avg}</span><span class="dbx-bar-value">${e(formatUsd(b.value))}${b.baseline === null ? '' : ` <span class="dbx-note">avg ${e(formatUsd(b.baseline))}</span>`}</span></div>`;
    })
    .join('');
  return `<figure class="dbx-chart"><figcaption>${t(c.title, 200)}</figcaption>${rows}</figure>`;
}

function section(s: DigestSection): string {
  const head = `<h4>${t(s.title, 200)}</h4>`;
  if (s.missing !== null)
    return `<section class="dbx-digest-missing">${head}<p>⚠️ Missing: ${t(s.missing, 2000)}</p></section>`;
  const { shown, rest } = takeWithRest(s.lines, LINES_PER_SECTION);
  const lines = `<ul>${shown.map(line).join('')}${rest > 0 ? `<li>and ${rest} more</li>` : ''}</ul>`;
  const bars = s.chart !== null && s.chart.bars.length > 0 ? chart(s.chart) : '';
  const sql =
    s.sql === null
      ? ''
      : `<details class="dbx-sql"><summary>Show SQL</summary><pre>${t(s.sql, 20_000)}</pre></details>`;
  return `<section>${head}${lines}${bars}${sql}</section>`;
}

/** A digest for the console: every section, its chart as bars, and the SQL behind it under "Show SQL". */
export function renderDigestCardHtml(view: DigestCardView): string {
  const late = view.late === null ? '' : `<p class="dbx-digest-late">⏰ ${t(view.late, 300)}</p>`;
  const subtitle = view.subtitle === null ? '' : `<p class="dbx-note">${t(view.subtitle, 500)}</p>`;
  return `<article class="dbx-card dbx-digest"><h3>${t(view.title, 300)}</h3>${late}${subtitle}${view.sections.map(section).join('')}</article>`;
}
