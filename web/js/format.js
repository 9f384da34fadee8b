// Formatting helpers: prices in USD (en-US), dates in UTC (the API's sales and daily buckets are UTC).

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const usdWhole = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const dateFmt = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const dateTimeFmt = new Intl.DateTimeFormat("en-US", {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short",
});
const monthDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const monthYear = new Intl.DateTimeFormat("en-US", { month: "short", year: "2-digit", timeZone: "UTC" });
const numberFmt = new Intl.NumberFormat("en-US");

export const CONDITIONS = ["mint", "near_mint", "good", "fair", "poor"];
export const MARKETPLACES = ["ebay", "mercari", "amazon", "whatnot", "facebook", "funko_shop", "other"];
export const DAY_CHOICES = [30, 90, 365, 1095];

const CONDITION_LABELS = { mint: "Mint", near_mint: "Near mint", good: "Good", fair: "Fair", poor: "Poor" };
const MARKETPLACE_LABELS = {
  ebay: "eBay", mercari: "Mercari", amazon: "Amazon", whatnot: "Whatnot",
  facebook: "Facebook Marketplace", funko_shop: "Funko Shop", other: "Other",
};

export function money(value) {
  return Number.isFinite(value) ? usd.format(value) : "—";
}

export function moneyWhole(value) {
  return Number.isFinite(value) ? usdWhole.format(value) : "—";
}

/** "$14.24 – $18.53" */
export function moneyRange(min, max) {
  return `${money(min)} – ${money(max)}`;
}

/** 0.7 → "70%" */
export function percentOfFraction(fraction, digits = 0) {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : "—";
}

/** 8.754 → "8.75%" (a value already in percent) */
export function percent(value, digits = 1) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}%` : "—";
}

export function number(value, digits) {
  if (!Number.isFinite(value)) return "—";
  return digits === undefined ? numberFmt.format(value) : value.toFixed(digits);
}

/** Parses "2026-11-14" (as UTC midnight) or a full ISO timestamp; NaN when absent or invalid. */
export function parseDate(text) {
  if (!text) return NaN;
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
}

export function date(text) {
  const t = typeof text === "number" ? text : parseDate(text);
  return Number.isFinite(t) ? dateFmt.format(t) : "—";
}

export function dateTime(text) {
  const t = parseDate(text);
  return Number.isFinite(t) ? dateTimeFmt.format(t) : "—";
}

/** Axis tick for epoch milliseconds: "Nov 14" for spans under a year, "Nov 26" beyond. */
export function axisDate(ms, spanDays) {
  return spanDays > 400 ? monthYear.format(ms).replace(" ", " ’") : monthDay.format(ms);
}

export function conditionLabel(c) {
  return CONDITION_LABELS[c] || c;
}

export function marketplaceLabel(m) {
  return MARKETPLACE_LABELS[m] || m;
}

export function plural(n, one, many = `${one}s`) {
  return `${numberFmt.format(n)} ${n === 1 ? one : many}`;
}
