import type { DigestCardView, DigestSection } from './card-views.js';
import { chartLines, digestChartAltText } from './digest-chart.js';
import { safeHttpUrl } from './html-escape.js';
import type { AdaptiveCardJson } from './teams-cards.js';
import { TEAMS_LIMITS } from './teams-limits.js';
import { takeWithRest, truncate } from './truncate.js';

type AcElement = { type: string } & Record<string, unknown>;

/** Lines per section before "and N more"; fewer while the card is over the payload ceiling. */
const LINES_PER_SECTION = [8, 4, 2, 1];

// Untrusted text goes into TextRuns, which Teams shows verbatim (no markdown, no mentions).
const run = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'TextRun', text, ...extra });
const para = (runs: ReturnType<typeof run>[], extra: Record<string, unknown> = {}): AcElement => ({
  type: 'RichTextBlock',
  inlines:
    runs.filter((r) => r.text.length > 0).length > 0 ? runs.filter((r) => r.text.length > 0) : [run('—')],
  ...extra,
});

function line(l: DigestSection['lines'][number]): AcElement {
  const url = safeHttpUrl(l.url);
  const runs = [
    run(`• ${truncate(l.text, 500)}`, url === null ? {} : { selectAction: { type: 'Action.OpenUrl', url } }),
    ...(l.command === null
      ? []
      : [run(` · ${truncate(l.command, 200)}`, { fontType: 'Monospace', isSubtle: true })]),
  ];
  return para(runs, { spacing: 'None' });
}

function sectionElements(s: DigestSection, perSection: number): AcElement[] {
  const head = para([run(truncate(s.title, 200), { weight: 'Bolder' })], {
    separator: true,
    spacing: 'Medium',
  });
  if (s.missing !== null)
    return [head, para([run(`⚠️ Missing: ${truncate(s.missing, 1000)}`, { color: 'Warning' })])];
  const { shown, rest } = takeWithRest(s.lines, perSection);
  const out = [head, ...shown.map(line)];
  if (rest > 0) out.push(para([run(`and ${rest} more`, { isSubtle: true })], { spacing: 'None' }));
  if (s.chart !== null && s.chart.bars.length > 0) {
    out.push(para([run(truncate(s.chart.title, 200), { isSubtle: true })]));
    const image = safeHttpUrl(s.chart.url);
    // The PNG dbxops serves at a signed URL; text bars only when no URL is known (no public address).
    if (image !== null)
      out.push({ type: 'Image', url: image, altText: digestChartAltText(s.chart), size: 'Stretch' });
    else
      for (const text of chartLines(s.chart, perSection * 2))
        out.push(para([run(text, { fontType: 'Monospace' })], { spacing: 'None' }));
  }
  return out;
}

/**
 * A digest as an Adaptive Card 1.5: each section's lines open their incident when selected and name
 * the `/dbx` command with the detail; the spend chart is an `Image` of the PNG dbxops serves (monospace
 * bars when dbxops has no address to serve it at). Cut to fewer lines
 * per section until the card fits the payload ceiling.
 */
export function renderDigestCardTeams(view: DigestCardView): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const perSection of LINES_PER_SECTION) {
    const body: AcElement[] = [para([run(truncate(view.title, 200), { weight: 'Bolder', size: 'Large' })])];
    if (view.late !== null) body.push(para([run(`⏰ ${truncate(view.late, 300)}`, { color: 'Warning' })]));
    if (view.subtitle !== null) body.push(para([run(truncate(view.subtitle, 500), { isSubtle: true })]));
    for (const s of view.sections) body.push(...sectionElements(s, perSection));
    card = {
      type: 'AdaptiveCard',
      version: TEAMS_LIMITS.cardVersion,
      body,
      msteams: { width: 'Full' },
      fallbackText: truncate(`${view.late === null ? '' : 'Late: '}${view.title}`, 300),
    };
    if (Buffer.byteLength(JSON.stringify(card)) <= TEAMS_LIMITS.payloadBytes) return card;
  }
  return card!;
}
