/**
 * Approximate list prices (docs/databricks.md, Prices and sizes: premium tier, US regions) for turning idle or runaway
 * compute into dollars when billing has not caught up yet. Callers may inject real `list_prices` rows.
 */
export interface ListPrices {
  /** USD per DBU by warehouse type (CLASSIC, PRO, SERVERLESS). */
  readonly sqlUsdPerDbu: Readonly<Record<string, number>>;
  /** DBU per hour per running warehouse cluster, by normalised size (X_SMALL, SMALL …). */
  readonly warehouseDbuPerHour: Readonly<Record<string, number>>;
}

export const DEFAULT_LIST_PRICES: ListPrices = {
  sqlUsdPerDbu: { CLASSIC: 0.22, PRO: 0.55, SERVERLESS: 0.7 },
  warehouseDbuPerHour: {
    '2X_SMALL': 4,
    X_SMALL: 6,
    SMALL: 12,
    MEDIUM: 24,
    LARGE: 40,
    X_LARGE: 80,
    '2X_LARGE': 144,
    '3X_LARGE': 272,
    '4X_LARGE': 528,
  },
};

/** `X-Small`, `x_small` and `X_SMALL` are the same size. */
function normaliseSize(size: string): string {
  return size.toUpperCase().replace(/[-\s]/g, '_');
}

/**
 * Dollars a warehouse burns while running: DBU/h × clusters × hours × $/DBU. Unknown size or type falls
 * back to Small / Pro so that an idle warehouse never costs "nothing" on the card.
 */
export function warehouseCostUsd(
  input: { size?: string | undefined; warehouseType?: string | undefined; clusters: number; minutes: number },
  prices: ListPrices = DEFAULT_LIST_PRICES,
): number {
  const dbuPerHour =
    prices.warehouseDbuPerHour[normaliseSize(input.size ?? 'SMALL')] ??
    prices.warehouseDbuPerHour.SMALL ??
    12;
  const usdPerDbu =
    prices.sqlUsdPerDbu[(input.warehouseType ?? 'PRO').toUpperCase()] ?? prices.sqlUsdPerDbu.PRO ?? 0.55;
  const usd = dbuPerHour * Math.max(1, input.clusters) * (Math.max(0, input.minutes) / 60) * usdPerDbu;
  return Math.round(usd * 100) / 100;
}
