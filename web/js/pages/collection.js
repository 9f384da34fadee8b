// Collection (#/collection): paste or upload Pop ids (optionally with a condition), value them
// through POST /predict/batch (100 ids per call, one call per condition, a few at a time), see
// each Pop and the total with its range, export CSV. The pasted text survives a reload.

import { api, isAbort } from "../api.js";
import { h, replace, spinner, announce } from "../dom.js";
import { fieldErrorEl, setFieldError, alertBox, showAlert, select, tableBlock } from "../components.js";
import { CONDITIONS, MARKETPLACES, money, moneyRange, conditionLabel, marketplaceLabel, plural } from "../format.js";
import { parseCollection, planBatches, runPool, summarize, keyOf, toCSV, CONCURRENCY } from "../collection-core.js";

const STORE_KEY = "funko.collection.v1";

function load() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY)) || {};
  } catch {
    return {};
  }
}

function save(data) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(data));
  } catch {
    /* storage full or off: the collection still works for this visit */
  }
}

export function render(view, { setTitle }) {
  setTitle("Collection");
  const saved = load();
  const state = { controller: null, seq: 0, summary: null, saveTimer: 0, countTimer: 0 };

  const textarea = h("textarea", {
    id: "collection-input", testid: "collection-input", rows: "10", spellcheck: "false", autocomplete: "off",
    "aria-describedby": "collection-hint", placeholder: "10001\n10002,near_mint\n10003,good",
  });
  textarea.value = saved.text || "";
  const textErr = fieldErrorEl("collection-input-error");
  const lineInfo = h("p", { class: "hint", id: "collection-count", "aria-live": "polite" });
  const fileInput = h("input", { id: "collection-file", type: "file", accept: ".csv,.txt,text/csv,text/plain" });
  const conditionSel = select({
    id: "collection-condition", values: CONDITIONS, label: conditionLabel,
    selected: CONDITIONS.includes(saved.condition) ? saved.condition : "mint",
  });
  const marketplaceSel = select({
    id: "collection-marketplace", testid: "collection-marketplace", values: MARKETPLACES, label: marketplaceLabel,
    selected: MARKETPLACES.includes(saved.marketplace) ? saved.marketplace : "ebay",
  });
  const horizonInput = h("input", {
    id: "collection-horizon", testid: "collection-horizon", type: "number", inputmode: "numeric", min: "0", max: "365", step: "1",
    value: saved.horizon !== undefined ? saved.horizon : "0", "aria-describedby": "collection-horizon-hint",
  });
  const conditionErr = fieldErrorEl("collection-condition-error");
  const marketplaceErr = fieldErrorEl("collection-marketplace-error");
  const horizonErr = fieldErrorEl("collection-horizon-error");
  const valueButton = h("button", { type: "submit", class: "button button-primary", testid: "collection-value" }, "Value collection");
  const clearButton = h("button", { type: "button", class: "button button-quiet" }, "Clear");
  const generalAlert = alertBox("collection-error");

  const progress = h("progress", { max: "1", value: "0", "aria-labelledby": "collection-progress-text" });
  const progressText = h("span", { id: "collection-progress-text" });
  const progressBox = h("div", { class: "progress", role: "status", hidden: true }, progressText, progress);

  const totalEl = h("div", { class: "total", testid: "collection-total", hidden: true });
  const exportButton = h("button", { type: "button", class: "button", testid: "collection-export", disabled: true }, "Export CSV");
  const resultsEl = h("div", { class: "collection-results" });
  const problemsEl = h("div", { class: "collection-problems" });
  const resultsCard = h("section", { class: "card", "aria-labelledby": "collection-results-title" },
    h("div", { class: "card-head" }, h("h2", { id: "collection-results-title" }, "Value"), exportButton),
    progressBox, generalAlert, totalEl, problemsEl, resultsEl);

  replace(view,
    h("section", { class: "card", "aria-labelledby": "collection-title" },
      h("h1", { id: "collection-title", class: "page-title", tabindex: "-1" }, "Your collection"),
      h("p", { class: "lead" }, "Paste one Pop per line: its id, or id,condition. The same id twice counts twice. Your list stays in this browser."),
      h("form", { class: "collection-form", on: { submit: (e) => { e.preventDefault(); valueCollection(); } } },
        h("div", { class: "field" },
          h("label", { for: "collection-input" }, "Pop ids, one per line"),
          textarea,
          h("p", { id: "collection-hint", class: "hint" },
            `Conditions: ${CONDITIONS.join(", ")}. A header line such as “id,condition” is skipped.`),
          lineInfo,
          textErr),
        h("div", { class: "field" },
          h("label", { for: "collection-file" }, "Or load a CSV or text file"),
          fileInput),
        h("div", { class: "controls" },
          h("div", { class: "field" }, h("label", { for: "collection-condition" }, "Default condition"), conditionSel, conditionErr),
          h("div", { class: "field" }, h("label", { for: "collection-marketplace" }, "Marketplace"), marketplaceSel, marketplaceErr),
          h("div", { class: "field" },
            h("label", { for: "collection-horizon" }, "Days ahead"), horizonInput,
            h("p", { id: "collection-horizon-hint", class: "hint" }, "0 (today) to 365"), horizonErr)),
        h("div", { class: "actions" }, valueButton, clearButton))),
    resultsCard);

  function persist() {
    save({ text: textarea.value, condition: conditionSel.value, marketplace: marketplaceSel.value, horizon: horizonInput.value });
  }

  function countLines() {
    const { items, invalid } = parseCollection(textarea.value, conditionSel.value);
    lineInfo.textContent = items.length || invalid.length
      ? `${plural(items.length, "Pop")}${invalid.length ? `, ${plural(invalid.length, "line")} to fix` : ""}.`
      : "";
  }

  textarea.addEventListener("input", () => {
    clearTimeout(state.saveTimer);
    state.saveTimer = setTimeout(() => { persist(); countLines(); }, 250);
  });
  for (const control of [conditionSel, marketplaceSel, horizonInput]) control.addEventListener("change", persist);
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    try {
      textarea.value = await file.text();
      persist();
      countLines();
      announce(`Loaded ${file.name}.`);
    } catch {
      setFieldError(textarea, textErr, `Could not read ${file.name}.`);
    }
  });
  clearButton.addEventListener("click", () => {
    if (state.controller) state.controller.abort();
    state.seq++;
    textarea.value = "";
    fileInput.value = "";
    persist();
    countLines();
    clearErrors();
    progressBox.hidden = true;
    valueButton.disabled = false;
    resultsCard.removeAttribute("aria-busy");
    totalEl.hidden = true;
    replace(resultsEl);
    replace(problemsEl);
    exportButton.disabled = true;
    state.summary = null;
    textarea.focus();
  });
  exportButton.addEventListener("click", exportCSV);

  const fieldTargets = {
    funko_pop_ids: [textarea, textErr], funko_pop_id: [textarea, textErr], condition: [conditionSel, conditionErr],
    marketplace: [marketplaceSel, marketplaceErr], future_days: [horizonInput, horizonErr],
  };

  function clearErrors() {
    for (const [control, el] of Object.values(fieldTargets)) setFieldError(control, el, null);
    showAlert(generalAlert, "");
  }

  async function valueCollection() {
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const seq = ++state.seq;
    persist();
    clearErrors();
    const { items, invalid } = parseCollection(textarea.value, conditionSel.value);
    if (!items.length && !invalid.length) {
      setFieldError(textarea, textErr, "Paste or load at least one Pop id.");
      textarea.focus();
      return;
    }
    const raw = horizonInput.value.trim();
    const futureDays = raw === "" ? "" : Number(raw); // sent as typed: the API explains a bad value
    const tasks = planBatches(items);
    const pairs = tasks.reduce((n, t) => n + t.ids.length, 0);
    let done = 0;
    const answers = new Map();

    resultsCard.setAttribute("aria-busy", "true");
    valueButton.disabled = true;
    exportButton.disabled = true;
    progressBox.hidden = pairs === 0;
    progress.hidden = false;
    progress.max = Math.max(pairs, 1);
    progress.value = 0;
    replace(progressText, spinner(), `Valuing ${plural(pairs, "Pop")}…`);

    const results = await runPool(tasks, CONCURRENCY, async (task) => {
      const answer = await api.predictBatch({
        funko_pop_ids: task.ids, condition: task.condition, marketplace: marketplaceSel.value, future_days: futureDays,
      }, controller.signal);
      if (seq !== state.seq) return;
      for (const p of answer.predictions || []) answers.set(keyOf(p.funko_pop_id, task.condition), { prediction: p });
      for (const e of answer.errors || []) answers.set(keyOf(e.funko_pop_id, task.condition), { error: e.error || { message: "No price." } });
      done += task.ids.length;
      progress.value = done;
      replace(progressText, spinner(), `Valued ${done} of ${plural(pairs, "Pop")}…`);
    });
    if (seq !== state.seq) return; // a newer run (or Clear) took over

    let firstError = null;
    results.forEach((r, i) => {
      if (r.status !== "rejected" || isAbort(r.reason)) return;
      firstError = firstError || r.reason;
      for (const id of tasks[i].ids) answers.set(keyOf(id, tasks[i].condition), { error: { code: r.reason.code, message: r.reason.message } });
    });
    if (firstError) {
      const target = firstError.field && fieldTargets[firstError.field];
      if (target) setFieldError(target[0], target[1], firstError.message);
      else showAlert(generalAlert, firstError.message);
    }

    const summary = summarize(items, answers);
    state.summary = summary;
    resultsCard.removeAttribute("aria-busy");
    valueButton.disabled = false;
    replace(progressText, `Valued ${plural(summary.distinct, "Pop")} of ${pairs} asked (${plural(tasks.length, "batch call")}).`);
    progress.hidden = true;
    showTotal(summary, items.length);
    showProblems(invalid, summary);
    showRows(summary);
    exportButton.disabled = summary.rows.length === 0;
    announce(summary.rows.length
      ? `Collection valued at ${money(summary.total)}, 80% range ${moneyRange(summary.min, summary.max)}.`
      : "No Pop in the list could be valued.");
  }

  function showTotal(summary, lines) {
    totalEl.hidden = false;
    totalEl.dataset.total = summary.total.toFixed(2);
    totalEl.dataset.min = summary.min.toFixed(2);
    totalEl.dataset.max = summary.max.toFixed(2);
    totalEl.dataset.pops = String(summary.pops);
    const left = lines - summary.pops;
    replace(totalEl,
      h("p", { class: "eyebrow" }, "Total value"),
      h("p", { class: "price-big" }, money(summary.total)),
      h("p", { class: "range-row" }, h("span", { class: "range-label" }, "80% range"), h("span", { class: "range-text" }, moneyRange(summary.min, summary.max))),
      h("p", { class: "muted small" },
        `${plural(summary.pops, "Pop")} valued on ${marketplaceLabel(marketplaceSel.value)}${left > 0 ? `; ${plural(left, "line")} not valued (see below)` : ""}. ` +
        "The range adds up each Pop's 80% range."));
  }

  function showProblems(invalid, summary) {
    const blocks = [];
    if (summary.unknown.length) {
      blocks.push(h("section", { class: "problem", testid: "collection-unknown", "aria-labelledby": "unknown-title" },
        h("h3", { id: "unknown-title" }, `Unknown ids (${summary.unknown.length})`),
        h("ul", null, summary.unknown.map((row) => h("li", { dataset: { unknownId: row.id } },
          h("code", null, row.id), " — ", row.error.message, lineNote(row.lines))))));
    }
    if (invalid.length) {
      blocks.push(h("section", { class: "problem", testid: "collection-invalid", "aria-labelledby": "invalid-title" },
        h("h3", { id: "invalid-title" }, `Lines not valued (${invalid.length})`),
        h("ul", null, invalid.map((p) => h("li", null, p.message, " ", h("code", null, p.text))))));
    }
    if (summary.failed.length) {
      blocks.push(h("section", { class: "problem", testid: "collection-failed", "aria-labelledby": "failed-title" },
        h("h3", { id: "failed-title" }, `Not valued (${summary.failed.length})`),
        h("ul", null, summary.failed.map((row) => h("li", null,
          h("code", null, row.id), ` (${conditionLabel(row.condition)}) — `, (row.error && row.error.message) || "No answer.", lineNote(row.lines))))));
    }
    replace(problemsEl, blocks);
  }

  function lineNote(lines) {
    return ` (line${lines.length > 1 ? "s" : ""} ${lines.join(", ")})`;
  }

  function showRows(summary) {
    if (!summary.rows.length) {
      replace(resultsEl);
      return;
    }
    // Explicit roles keep the table's semantics when the phone layout turns rows into cards.
    const cols = ["Pop", "Condition", "Qty", "Price", "80% range", "Value"];
    const table = h("table", { class: "data-table reflow", testid: "collection-table", role: "table" },
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, cols.map((c, i) =>
        h("th", { scope: "col", role: "columnheader", class: i >= 2 ? "num" : null }, c)))),
      h("tbody", { role: "rowgroup" }, summary.rows.map((row) => {
        const p = row.prediction;
        const cell = (i, content, cls) => h("td", { role: "cell", class: cls, dataset: { label: cols[i] } }, content);
        return h("tr", { role: "row", dataset: { popId: row.id } },
          cell(0, [h("a", { href: `#/pop/${encodeURIComponent(row.id)}?condition=${row.condition}` }, p.funko_name),
            h("span", { class: "muted small block" }, `${p.series} · id ${row.id}`)], "cell-pop"),
          cell(1, conditionLabel(row.condition)),
          cell(2, String(row.quantity), "num"),
          cell(3, money(p.predicted_price), "num"),
          cell(4, moneyRange(p.price_range.min, p.price_range.max), "num nowrap"),
          cell(5, money(Math.round(p.predicted_price * 100) * row.quantity / 100), "num"));
      })));
    replace(resultsEl, tableBlock({ id: "collection-table-title", table, label: "Valued Pops", title: `${plural(summary.rows.length, "distinct Pop")} in your collection` }));
  }

  function exportCSV() {
    if (!state.summary || !state.summary.rows.length) return;
    const blob = new Blob([toCSV(state.summary.rows)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: `funko-collection-${new Date().toISOString().slice(0, 10)}.csv`, class: "visually-hidden" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  countLines();

  return () => {
    clearTimeout(state.saveTimer);
    if (state.controller) state.controller.abort();
    state.seq++;
    persist();
  };
}
