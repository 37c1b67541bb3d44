import { createRequire } from 'node:module';
import type * as ACTypes from 'adaptivecards';

// `import 'adaptivecards'` fails in Node: its ESM `lib/` uses extension-less relative imports. The UMD
// bundle in `dist/` loads fine and parses/validates without any DOM — only rendering needs one — so no
// jsdom shim is needed. It does not enforce the host's schema version, hence the explicit 1.5 context
// (1.6-only elements then show up as unknown types) and our own version check.
const AC: typeof ACTypes = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

export type CardProblem = { phase: 'parse' | 'validate' | 'teams'; event: string; message: string };

/** Problems Teams would have with this card; [] means it is fine to send. */
export function cardProblems(json: unknown): CardProblem[] {
  const problems: CardProblem[] = [];
  const obj = json as { type?: unknown; version?: unknown };
  if (obj?.type !== 'AdaptiveCard')
    problems.push({ phase: 'parse', event: 'MissingCardType', message: 'type' });
  if (obj?.version !== '1.5') {
    problems.push({ phase: 'parse', event: 'UnsupportedCardVersion', message: String(obj?.version) });
  }
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push({ phase: 'parse', event: AC.ValidationEvent[e.event], message: e.message });
  }
  for (const e of card.validateProperties().validationEvents) {
    problems.push({ phase: 'validate', event: AC.ValidationEvent[e.event], message: e.message });
  }
  return problems;
}

// Properties the object model leaves out of `toJSON` on purpose: Teams' own extension, and values
// equal to the schema default.
const EXPECTED_DROPS = [/^\.msteams$/, /\.firstRowAsHeader$/];

/**
 * Paths of properties the `adaptivecards` object model silently dropped when parsing the card — a
 * misspelt or misplaced property that no validation event reports. [] means every property is known.
 */
export function droppedProperties(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const out: string[] = [];
  walk(json, card.toJSON(context), '', out);
  return out.filter((p) => !EXPECTED_DROPS.some((re) => re.test(p)));
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a === null || typeof a !== 'object') {
    if (a !== b) out.push(path);
    return;
  }
  if (b === null || typeof b !== 'object') {
    out.push(path);
    return;
  }
  for (const [k, v] of Object.entries(a)) walk(v, (b as Record<string, unknown>)[k], `${path}.${k}`, out);
}
