// A Pop's page (#/pop/<id>): what it is, its predicted price for a chosen condition,
// marketplace and horizon, the five conditions side by side, and its sales history.

import { api, isAbort } from "../api.js";
import { h, replace, spinner, announce } from "../dom.js";
import { badges, popThumb, fieldErrorEl, setFieldError, alertBox, showAlert, select, tableBlock } from "../components.js";
import {
  CONDITIONS, MARKETPLACES, DAY_CHOICES, money, moneyRange, percentOfFraction, date,
  conditionLabel, marketplaceLabel, plural, number,
} from "../format.js";
import { HistoryChart, loadChartJs } from "../history-chart.js";

const HORIZON_DEBOUNCE_MS = 350;

/** The search the visitor came from (kept by the search page), so "Back" restores it. */
function lastSearch() {
  try {
    const hash = sessionStorage.getItem("funko.lastSearch");
    return hash && hash.startsWith("#/") ? hash : "#/";
  } catch {
    return "#/";
  }
}
const TABLE_ROWS = 25;

export function render(view, { id, params, setTitle }) {
  setTitle("Pop");
  const state = {
    condition: CONDITIONS.includes(params.condition) ? params.condition : "mint",
    marketplace: MARKETPLACES.includes(params.marketplace) ? params.marketplace : "ebay",
    horizon: params.horizon !== undefined ? params.horizon : "30",
    days: DAY_CHOICES.includes(Number(params.days)) ? Number(params.days) : 90,
    predictions: {},
    predSeq: 0, predController: null, horizonTimer: 0, lastKey: null,
    histSeq: 0, histController: null, popController: new AbortController(),
    showAllSales: false, history: null, alive: true,
  };

  // ----- skeleton -----
  // The heading element stays the same node while the Pop loads, so focus placed on it survives.
  const title = h("h1", { id: "pop-name", class: "page-title", testid: "pop-name", tabindex: "-1" },
    h("span", { class: "visually-hidden" }, "Loading the Pop…"));
  const thumbSlot = h("div", { class: "skeleton skeleton-thumb" });
  const details = h("div", { class: "pop-details" }, h("p", { class: "muted status-line" }, spinner(), "Loading…"));
  const hero = h("section", { class: "card pop-hero", "aria-busy": "true", "aria-labelledby": "pop-name" },
    thumbSlot, h("div", { class: "pop-hero-text" }, title, details));

  const conditionSel = select({ id: "condition-select", testid: "condition-select", values: CONDITIONS, label: conditionLabel, selected: state.condition });
  const marketplaceSel = select({ id: "marketplace-select", testid: "marketplace-select", values: MARKETPLACES, label: marketplaceLabel, selected: state.marketplace });
  const horizonInput = h("input", {
    id: "horizon-input", testid: "horizon-input", type: "number", inputmode: "numeric", min: "0", max: "365", step: "1",
    value: state.horizon, "aria-describedby": "horizon-hint",
  });
  const conditionErr = fieldErrorEl("condition-error");
  const marketplaceErr = fieldErrorEl("marketplace-error");
  const horizonErr = fieldErrorEl("horizon-error");
  const predictAlert = alertBox("predict-error");

  const priceEl = h("p", { class: "price-big", testid: "predicted-price" }, "—");
  const rangeEl = h("span", { class: "range-text", testid: "price-range" }, "—");
  const confidenceEl = h("span", { class: "confidence-value", testid: "confidence" }, "—");
  const rangeMarker = h("span", { class: "range-marker" });
  const rangeBar = h("div", { class: "range-bar", "aria-hidden": "true" },
    h("span", { class: "range-band" }), rangeMarker);
  const contextEl = h("p", { class: "muted small estimate-context" });
  const estimateBody = h("div", { class: "estimate-body is-empty", "aria-live": "polite" },
    h("p", { class: "eyebrow", id: "estimate-label" }, "Predicted price"),
    priceEl,
    h("div", { class: "range-row" },
      h("span", { class: "range-label" }, "80% range"),
      rangeEl),
    rangeBar,
    h("p", { class: "confidence-row" }, h("span", { class: "muted" }, "Confidence "), confidenceEl),
    contextEl);

  const estimate = h("section", { class: "card estimate", "aria-labelledby": "estimate-title" },
    h("h2", { id: "estimate-title" }, "Price estimate"),
    h("form", { class: "controls", on: { submit: (e) => { e.preventDefault(); predictAll(true); } } },
      h("div", { class: "field" }, h("label", { for: "condition-select" }, "Condition"), conditionSel, conditionErr),
      h("div", { class: "field" }, h("label", { for: "marketplace-select" }, "Marketplace"), marketplaceSel, marketplaceErr),
      h("div", { class: "field" },
        h("label", { for: "horizon-input" }, "Days ahead"),
        horizonInput,
        h("p", { id: "horizon-hint", class: "hint" }, "0 (today) to 365"),
        horizonErr)),
    predictAlert,
    estimateBody);

  const matrixList = h("ul", { class: "matrix-list" });
  const matrixNote = h("p", { class: "muted small matrix-note" });
  const matrix = h("section", { class: "card", testid: "condition-matrix", "aria-labelledby": "matrix-title" },
    h("h2", { id: "matrix-title" }, "By condition"),
    matrixNote,
    matrixList);

  const daysSel = h("select", { id: "history-days" },
    DAY_CHOICES.map((d) => h("option", { value: String(d), selected: d === state.days }, d === 1095 ? "3 years" : d === 365 ? "1 year" : `${d} days`)));
  const canvas = h("canvas", { role: "img", "aria-label": "Price history chart", "aria-describedby": "history-summary" },
    "Price history chart (the sales are listed in the table below).");
  const chartBox = h("div", { class: "chart-box", testid: "history-chart" }, canvas);
  const summaryEl = h("p", { id: "history-summary", class: "visually-hidden" });
  const historyStatus = h("p", { class: "status-line", role: "status" });
  const historyAlert = alertBox("history-error");
  const statsEl = h("dl", { class: "stats" });
  const tableWrap = h("div", { class: "sales" });
  const historyCard = h("section", { class: "card history", "aria-labelledby": "history-title" },
    h("div", { class: "card-head" },
      h("h2", { id: "history-title" }, "Price history"),
      h("div", { class: "field field-inline" }, h("label", { for: "history-days" }, "Period"), daysSel)),
    historyStatus, historyAlert, statsEl, chartBox, summaryEl, tableWrap);

  replace(view,
    h("p", { class: "back" }, h("a", { href: lastSearch() }, "← Back to search")),
    h("div", { class: "pop-grid" }, hero, estimate),
    matrix,
    historyCard);

  const chart = new HistoryChart(canvas);

  // ----- the Pop -----
  api.pop(id, state.popController.signal).then((pop) => {
    if (!state.alive) return;
    setTitle(pop.funko_name);
    const sale = pop.last_sale;
    replace(title, pop.funko_name);
    thumbSlot.replaceWith(popThumb(pop, "large"));
    replace(details,
      h("p", { class: "pop-meta" },
        h("span", { class: "series" }, pop.series),
        h("span", { "aria-hidden": "true" }, " · "),
        h("span", null, `Box #${pop.funko_number}`)),
      badges(pop).length ? h("p", { class: "badges" }, badges(pop)) : null,
      h("dl", { class: "facts" },
        h("div", null, h("dt", null, "Character"), h("dd", null, pop.character)),
        h("div", null, h("dt", null, "Released"), h("dd", null, date(pop.release_date))),
        h("div", null, h("dt", null, "Last sale"), h("dd", null, sale ? `${money(sale.price)} on ${date(sale.sold_at)}` : "No sales yet")),
        h("div", null, h("dt", null, "Catalog id"), h("dd", null, pop.funko_pop_id))));
    hero.removeAttribute("aria-busy");
  }).catch((error) => {
    if (isAbort(error) || !state.alive) return;
    if (error.status === 404) return showMissing(error);
    hero.removeAttribute("aria-busy");
    thumbSlot.remove();
    replace(title, `Pop ${id}`);
    replace(details, h("p", { class: "alert", role: "alert", testid: "error-message" }, error.message));
  });

  function showMissing(error) {
    stopAll();
    setTitle("Unknown Pop");
    replace(view, h("section", { class: "card" },
      h("h1", { class: "page-title", tabindex: "-1" }, "No such Pop"),
      h("p", { class: "alert", role: "alert", testid: "error-message" }, error.message),
      h("p", null, h("a", { href: "#/" }, "Search the catalog"))));
    view.querySelector("h1").focus();
  }

  // ----- predictions: the five conditions in parallel, the chosen one shown large -----
  function horizonValue() {
    const raw = horizonInput.value.trim();
    // Sent as typed (no client-side range check): the API's own message explains a bad value.
    return raw === "" ? "" : Number(raw);
  }

  function updateUrl() {
    const p = new URLSearchParams({ condition: state.condition, marketplace: state.marketplace, horizon: horizonInput.value, days: String(state.days) });
    history.replaceState(null, "", `#/pop/${encodeURIComponent(id)}?${p}`);
  }

  async function predictAll(force = false) {
    const futureDays = horizonValue();
    const key = JSON.stringify([state.condition, state.marketplace, futureDays]);
    if (!force && key === state.lastKey) return;
    state.lastKey = key;
    updateUrl();
    if (state.predController) state.predController.abort();
    const controller = new AbortController();
    state.predController = controller;
    const seq = ++state.predSeq;
    estimate.setAttribute("aria-busy", "true");
    matrix.setAttribute("aria-busy", "true");
    estimateBody.classList.add("is-loading");
    matrix.classList.add("is-loading");
    const requests = CONDITIONS.map((condition) => api.predict(
      { funko_pop_id: id, condition, marketplace: state.marketplace, future_days: futureDays }, controller.signal));
    const settled = await Promise.allSettled(requests);
    if (seq !== state.predSeq || !state.alive) return; // superseded by a newer choice
    estimate.removeAttribute("aria-busy");
    matrix.removeAttribute("aria-busy");
    estimateBody.classList.remove("is-loading");
    matrix.classList.remove("is-loading");

    const predictions = {};
    let error = null;
    settled.forEach((r, i) => {
      if (r.status === "fulfilled") predictions[CONDITIONS[i]] = r.value;
      else if (!isAbort(r.reason) && !error) error = r.reason;
    });
    state.predictions = predictions;
    if (error && error.status === 404) return showMissing(error); // no such Pop
    showPredictError(error);
    showEstimate(Number.isFinite(futureDays) ? futureDays : 0);
    showMatrix(error);
  }

  function showPredictError(error) {
    const byField = { condition: [conditionSel, conditionErr], marketplace: [marketplaceSel, marketplaceErr], future_days: [horizonInput, horizonErr] };
    const target = error && error.field ? byField[error.field] : null;
    for (const [field, [control, el]] of Object.entries(byField)) {
      setFieldError(control, el, target && error.field === field ? error.message : null);
    }
    showAlert(predictAlert, error && !target ? error.message : "");
    if (error) announce(error.message);
  }

  function showEstimate(futureDays) {
    const p = state.predictions[state.condition];
    chart.setPrediction(p || null, futureDays);
    if (state.history) describe(state.history, state.days); // keep the chart's text summary in step
    if (!p) {
      estimateBody.classList.add("is-empty");
      priceEl.textContent = "—";
      rangeEl.textContent = "—";
      confidenceEl.textContent = "—";
      contextEl.textContent = "";
      return;
    }
    estimateBody.classList.remove("is-empty");
    priceEl.textContent = money(p.predicted_price);
    rangeEl.textContent = moneyRange(p.price_range.min, p.price_range.max);
    confidenceEl.textContent = percentOfFraction(p.confidence_score);
    const { min, max } = p.price_range;
    const pos = max > min ? (p.predicted_price - min) / (max - min) : 0.5;
    rangeMarker.style.left = `${Math.min(1, Math.max(0, pos)) * 100}%`;
    const when = futureDays === 0 ? "today" : `on ${date(p.prediction_date)} (in ${plural(futureDays, "day")})`;
    contextEl.textContent = `${conditionLabel(state.condition)} condition, sold on ${marketplaceLabel(state.marketplace)} ${when}. ` +
      `80% of sales are expected within the range. Model ${p.model_version}.`;
  }

  function showMatrix(error) {
    const any = CONDITIONS.some((c) => state.predictions[c]);
    matrixNote.textContent = any
      ? `${marketplaceLabel(state.marketplace)}, ${horizonInput.value === "0" ? "today" : `${horizonInput.value} days ahead`}. Choose one to see it above.`
      : (error ? "No prices for this choice: see the message above." : "");
    replace(matrixList, CONDITIONS.map((c) => {
      const p = state.predictions[c];
      return h("li", null,
        h("button", {
          type: "button", class: "matrix-item", "aria-pressed": c === state.condition ? "true" : "false",
          dataset: { condition: c }, on: { click: () => choose(c) },
        },
        h("span", { class: "matrix-condition" }, conditionLabel(c)),
        h("span", { class: "matrix-price", dataset: { testid: "matrix-price" } }, p ? money(p.predicted_price) : "—"),
        h("span", { class: "matrix-range" }, p ? moneyRange(p.price_range.min, p.price_range.max) : "no price")));
    }));
  }

  function choose(condition) {
    conditionSel.value = condition;
    state.condition = condition;
    predictAll();
  }

  conditionSel.addEventListener("change", () => { state.condition = conditionSel.value; predictAll(); });
  marketplaceSel.addEventListener("change", () => { state.marketplace = marketplaceSel.value; predictAll(); });
  horizonInput.addEventListener("input", () => {
    clearTimeout(state.horizonTimer);
    state.horizonTimer = setTimeout(() => predictAll(), HORIZON_DEBOUNCE_MS);
  });
  horizonInput.addEventListener("change", () => { clearTimeout(state.horizonTimer); predictAll(); });

  // ----- history -----
  async function loadHistory() {
    if (state.histController) state.histController.abort();
    const controller = new AbortController();
    state.histController = controller;
    const seq = ++state.histSeq;
    const days = state.days;
    historyCard.setAttribute("aria-busy", "true");
    chartBox.classList.add("is-loading");
    replace(historyStatus, spinner(), `Loading ${days === 1095 ? "3 years" : days === 365 ? "a year" : `${days} days`} of sales…`);
    try {
      const [history] = await Promise.all([api.history(id, days, controller.signal), loadChartJs().catch((e) => e)]);
      if (seq !== state.histSeq || !state.alive) return;
      state.history = history;
      showAlert(historyAlert, "");
      replace(historyStatus, "");
      showStats(history.summary || {});
      if (window.Chart) {
        chart.setHistory(history, days);
        chartBox.dataset.points = String(chart.salePoints);
        chartBox.dataset.days = String(days);
        chartBox.hidden = false;
      } else {
        chartBox.hidden = true;
        showAlert(historyAlert, "The chart could not be drawn (its library is missing); the sales are listed below.");
      }
      describe(history, days);
      showSales(history);
    } catch (error) {
      if (isAbort(error) || seq !== state.histSeq) return;
      replace(historyStatus, "");
      showAlert(historyAlert, error.message);
    } finally {
      if (seq === state.histSeq) {
        historyCard.removeAttribute("aria-busy");
        chartBox.classList.remove("is-loading");
      }
    }
  }

  function showStats(s) {
    const items = [
      ["Sales", Number.isFinite(s.count) ? number(s.count) : "—"],
      ["Median", money(s.median)],
      ["Low – high", Number.isFinite(s.min) ? moneyRange(s.min, s.max) : "—"],
      ["7-day avg", money(s.avg_price_7d)],
      ["30-day avg", money(s.avg_price_30d)],
      ["30-day volatility", money(s.price_volatility_30d)],
    ];
    replace(statsEl, items.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v))));
  }

  function describe(history, days) {
    const s = history.summary || {};
    const n = history.sales.length;
    const span = days === 1095 ? "3 years" : days === 365 ? "year" : `${days} days`;
    let text = n
      ? `Price history chart for the last ${span}: ${plural(n, "sale")} from ${money(s.min)} to ${money(s.max)}, median ${money(s.median)}.`
      : `No sales in the last ${span}.`;
    const p = state.predictions[state.condition];
    if (p) text += ` Predicted ${money(p.predicted_price)} (80% range ${moneyRange(p.price_range.min, p.price_range.max)}) on ${date(p.prediction_date)}.`;
    summaryEl.textContent = text;
  }

  function showSales(history) {
    const sales = [...history.sales].sort((a, b) => Date.parse(b.sold_at) - Date.parse(a.sold_at));
    if (!sales.length) {
      replace(tableWrap, h("p", { class: "muted", testid: "sales-table" }, "No sales in this period."));
      return;
    }
    const shown = state.showAllSales ? sales : sales.slice(0, TABLE_ROWS);
    const table = h("table", { class: "data-table", testid: "sales-table" },
      h("thead", null, h("tr", null,
        h("th", { scope: "col" }, "Date"), h("th", { scope: "col", class: "num" }, "Price"),
        h("th", { scope: "col" }, "Condition"), h("th", { scope: "col" }, "Marketplace"))),
      h("tbody", null, shown.map((s) => h("tr", null,
        h("td", { class: "nowrap" }, date(s.sold_at)), h("td", { class: "num" }, money(s.price)),
        h("td", null, conditionLabel(s.condition)), h("td", null, marketplaceLabel(s.marketplace))))));
    const more = sales.length > TABLE_ROWS
      ? h("button", {
        type: "button", class: "button button-quiet",
        on: { click: () => { state.showAllSales = !state.showAllSales; showSales(history); } },
      }, state.showAllSales ? "Show fewer sales" : `Show all ${plural(sales.length, "sale")}`)
      : null;
    replace(tableWrap, tableBlock({
      id: "sales-title", table, label: "Recent sales",
      title: `Recent sales, newest first (${shown.length === sales.length ? "all" : shown.length} of ${plural(sales.length, "sale")})`,
    }), more);
  }

  daysSel.addEventListener("change", () => {
    state.days = Number(daysSel.value);
    state.showAllSales = false;
    updateUrl();
    loadHistory();
  });

  predictAll();
  loadHistory();

  function stopAll() {
    state.alive = false;
    clearTimeout(state.horizonTimer);
    state.popController.abort();
    if (state.predController) state.predController.abort();
    if (state.histController) state.histController.abort();
    chart.destroy();
  }
  return stopAll;
}
