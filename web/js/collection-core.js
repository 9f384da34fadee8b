// The collection's logic, free of the DOM: parsing pasted lines, grouping them into batch calls,
// running those with a concurrency limit, and adding the answers up in cents.

import { CONDITIONS } from "./format.js";

export const BATCH_SIZE = 100; // POST /predict/batch takes 1-100 ids
export const CONCURRENCY = 3;

// The API also takes 5..1 for the conditions; common spellings are accepted too.
const CONDITION_ALIASES = {
  "5": "mint", "4": "near_mint", "3": "good", "2": "fair", "1": "poor",
  nm: "near_mint", nearmint: "near_mint", m: "mint",
};

/** "Near Mint" → "near_mint"; null when it is no condition. */
export function normalizeCondition(text) {
  const t = String(text).trim().toLowerCase().replace(/[\s-]+/g, "_");
  if (CONDITIONS.includes(t)) return t;
  return CONDITION_ALIASES[t.replace(/_/g, "")] || CONDITION_ALIASES[t] || null;
}

function unquote(field) {
  const t = field.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
}

const HEADER_IDS = new Set(["id", "funko_pop_id", "pop_id", "funko_id", "pop", "funko_pop"]);

/**
 * Lines "id" or "id,condition" (comma, semicolon or tab; blank lines and # comments skipped; a
 * first line naming the columns is skipped). → { items: [{line, id, condition}], invalid: [{line, text, message}], header }
 */
export function parseCollection(text, defaultCondition = "mint") {
  const items = [];
  const invalid = [];
  let header = false;
  let seenData = false;
  const lines = String(text).split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#")) return;
    const fields = trimmed.split(/[,;\t]/).map(unquote);
    const id = fields[0];
    if (!seenData) {
      seenData = true;
      const second = (fields[1] || "").toLowerCase();
      if (HEADER_IDS.has(id.toLowerCase().replace(/[\s-]+/g, "_")) || second === "condition") {
        header = true;
        return;
      }
    }
    if (!id) {
      invalid.push({ line, text: trimmed, message: `Line ${line}: no Pop id before the comma.` });
      return;
    }
    let condition = defaultCondition;
    if (fields.length > 1 && fields[1] !== "") {
      condition = normalizeCondition(fields[1]);
      if (!condition) {
        invalid.push({
          line, text: trimmed,
          message: `Line ${line}: condition “${fields[1]}” is not one of ${CONDITIONS.join(", ")}.`,
        });
        return;
      }
    }
    items.push({ line, id, condition });
  });
  return { items, invalid, header };
}

/**
 * One task per condition per 100 distinct ids: [{condition, ids}]. An id listed twice with the
 * same condition is asked once and counted twice (see `summarize`).
 */
export function planBatches(items, size = BATCH_SIZE) {
  const byCondition = new Map();
  for (const { id, condition } of items) {
    if (!byCondition.has(condition)) byCondition.set(condition, new Set());
    byCondition.get(condition).add(id);
  }
  const tasks = [];
  for (const [condition, ids] of byCondition) {
    const list = [...ids];
    for (let i = 0; i < list.length; i += size) tasks.push({ condition, ids: list.slice(i, i + size) });
  }
  return tasks;
}

/** Runs `worker(task)` over tasks with at most `limit` at a time; resolves to their settled results in order. */
export async function runPool(tasks, limit, worker) {
  const results = new Array(tasks.length);
  let next = 0;
  async function lane() {
    while (next < tasks.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await worker(tasks[i], i) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

export const keyOf = (id, condition) => `${condition}\u0000${id}`;
const cents = (x) => Math.round(x * 100);

/**
 * Rows (one per distinct id and condition, first-seen order, with quantity), unknown ids and
 * the totals. `answers` maps keyOf(id, condition) → {prediction} | {error}.
 */
export function summarize(items, answers) {
  const rows = new Map();
  for (const { id, condition, line } of items) {
    const k = keyOf(id, condition);
    if (!rows.has(k)) rows.set(k, { id, condition, quantity: 0, lines: [], ...answers.get(k) });
    const row = rows.get(k);
    row.quantity += 1;
    row.lines.push(line);
  }
  let total = 0; let min = 0; let max = 0; let valued = 0; let pops = 0;
  const valuedRows = [];
  const unknown = [];
  const failed = [];
  for (const row of rows.values()) {
    if (row.prediction) {
      const p = row.prediction;
      total += cents(p.predicted_price) * row.quantity;
      min += cents(p.price_range.min) * row.quantity;
      max += cents(p.price_range.max) * row.quantity;
      valued += 1;
      pops += row.quantity;
      valuedRows.push(row);
    } else if (row.error && row.error.code === "not_found") {
      unknown.push(row);
    } else {
      failed.push(row);
    }
  }
  return { rows: valuedRows, unknown, failed, pops, distinct: valued, total: total / 100, min: min / 100, max: max / 100 };
}

function csvField(value) {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** id,name,condition,predicted_price,range_min,range_max: one line per Pop owned (quantities repeat). */
export function toCSV(rows) {
  const out = ["id,name,condition,predicted_price,range_min,range_max"];
  for (const row of rows) {
    const p = row.prediction;
    const line = [row.id, p.funko_name, row.condition, p.predicted_price.toFixed(2), p.price_range.min.toFixed(2), p.price_range.max.toFixed(2)]
      .map(csvField).join(",");
    for (let i = 0; i < row.quantity; i++) out.push(line);
  }
  return `${out.join("\r\n")}\r\n`;
}
