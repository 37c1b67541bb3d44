import { describe, expect, it } from 'vitest';
import {
  type KindedName,
  tablesSpeltOut,
  withNamesSpelt,
  withWordsSpelt,
} from '../../../src/agents/analyst/name-words.js';

const NAMES: KindedName<'job' | 'warehouse' | 'team'>[] = [
  { kind: 'job', name: 'prod_operations_backfill' },
  { kind: 'job', name: 'dev_engineering_sync' },
  { kind: 'job', name: 'billing_invoices_daily' },
  { kind: 'job', name: 'billing_invoices_weekly' },
  { kind: 'warehouse', name: 'sales_reporting' },
  { kind: 'team', name: 'customer-success' },
];
const PLAIN = new Set(['the', 'and', 'on', 'is', 'did', 'failed', 'queries']);
const spelt = (question: string) => withNamesSpelt(question, NAMES, (w) => PLAIN.has(w));

describe('withNamesSpelt', () => {
  it('reads shortened words of one name as the name, and says so', () => {
    expect(spelt('did prod ops backfill fail')).toEqual({
      text: 'did prod_operations_backfill fail',
      read: ['"prod ops backfill" read as prod_operations_backfill'],
    });
    expect(spelt('queries on sales rptg').text).toBe('queries on sales_reporting');
    expect(spelt('cust success spend').text).toBe('customer-success spend');
    // The name's own word shortened the other way round: "engineering" for a name that says "eng" is
    // read alike, and a word shortened inside a joined name too.
    expect(spelt('dev_eng_sync status').text).toBe('dev_engineering_sync status');
  });

  it('reads a typo inside one word of a name as the name, word by word', () => {
    expect(spelt('billing_invoces_daily status').text).toBe('billing_invoices_daily status');
    expect(spelt('invoices dialy failed?').text).toBe('billing_invoices_daily failed?');
  });

  it('guesses no name that several fit, and offers them', () => {
    const both = spelt('billing invoces status');
    expect(both.text).toBe('billing invoces status');
    expect(both.ambiguous?.candidates.map((c) => c.name)).toEqual([
      'billing_invoices_daily',
      'billing_invoices_weekly',
    ]);
  });

  it("leaves alone a name typed as it is, plain words, a table's dotted parts and one word alone", () => {
    expect(spelt('did billing_invoices_daily fail').read).toEqual([]);
    expect(spelt('did the sales fail and on').read).toEqual([]);
    expect(spelt('who read main.sales.rptg').read).toEqual([]);
    expect(spelt('rptg failures').read).toEqual([]);
    // A word joined by "_" is read whole or not at all: "billing_invoces_v2" is no name of the workspace.
    expect(spelt('status of billing_invoces_daily_v2').read).toEqual([]);
    // A typo of a shortening is a guess too far: "slaes rptg" fits no word as typed.
    expect(spelt('slaes rptg').read).toEqual([]);
  });
});

describe('tablesSpeltOut', () => {
  const TABLES = [
    'main.sales.invoices',
    'main.sales.invoice_lines',
    'dev.sales.invoices',
    'main.ops.audit_log',
  ];
  const read = (question: string) => tablesSpeltOut(question, TABLES).map((t) => [t.typed, t.table]);

  it("reads a table's schema and name, typed word for word with spaces, as the table", () => {
    expect(read('who changed ops audit log yesterday?')).toEqual([['ops audit log', 'main.ops.audit_log']]);
    expect(read('Sales Invoice Lines downstream')).toEqual([
      ['Sales Invoice Lines', 'main.sales.invoice_lines'],
    ]);
  });

  it('reads no table that several catalogs hold alike, nor one word alone, nor words split by punctuation', () => {
    expect(read('who read sales invoices')).toEqual([]);
    expect(read('who read invoices')).toEqual([]);
    expect(read('who read ops, audit log')).toEqual([]);
    expect(read('who read main.ops.audit_log')).toEqual([]);
  });

  it('reads each table once when it is typed twice, and nothing of hostile or oversized text', () => {
    expect(read('ops audit log vs ops audit log')).toEqual([
      ['ops audit log', 'main.ops.audit_log'],
      ['ops audit log', 'main.ops.audit_log'],
    ]);
    expect(read("ops audit'; DROP TABLE main.ops.audit_log; -- log")).toEqual([]);
    expect(read(`${'ops '.repeat(5_000)}audit`)).toEqual([]);
  });
});

describe('withWordsSpelt', () => {
  const lone = (question: string) => withWordsSpelt(question, NAMES, (w) => PLAIN.has(w));

  it("puts right one misspelt word of a name's, and says how it was read", () => {
    expect(lone('invocies')).toEqual({ text: 'invoices', read: ['"invocies" read as "invoices"'] });
    expect(lone('did custmer fail?').text).toBe('did customer fail?');
    // The nearest word wins: "reportng" is one edit from "reporting" and no other word is as near.
    expect(lone('reportng spend').text).toBe('reporting spend');
  });

  it('offers the names when the word is as near to several words, and guesses none', () => {
    const names: KindedName<'job'>[] = [
      { kind: 'job', name: 'carts_daily' },
      { kind: 'job', name: 'cards_daily' },
      { kind: 'job', name: 'cards_hourly' },
    ];
    const several = withWordsSpelt('status of carxs', names, () => false);
    expect(several.text).toBe('status of carxs');
    expect(several.ambiguous?.candidates.map((c) => c.name)).toEqual([
      'carts_daily',
      'cards_daily',
      'cards_hourly',
    ]);
  });

  it("leaves alone plain words, short words, a name's own words and prefixes, and words joined to others", () => {
    expect(lone('the failed queries').read).toEqual([]);
    expect(lone('custm').read).toEqual([]);
    expect(lone('dly').read).toEqual([]);
    expect(lone('billing invoices').read).toEqual([]);
    expect(lone('invoi').read).toEqual([]);
    expect(lone('billing_invocies_v2 status').read).toEqual([]);
    expect(lone('main.sales.invocies').read).toEqual([]);
  });

  it('reads a word typed twice once, keeps hostile text around it as it is, and bears oversized text', () => {
    expect(lone('invocies vs invocies')).toEqual({
      text: 'invoices vs invoices',
      read: ['"invocies" read as "invoices"'],
    });
    expect(lone("invocies'; DROP TABLE x; --").text).toBe("invoices'; DROP TABLE x; --");
    const long = `${'zzzzz '.repeat(4_000)}invocies`;
    expect(lone(long).text.endsWith('invoices')).toBe(true);
  });
});
