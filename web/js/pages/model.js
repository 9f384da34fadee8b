// Model (#/model): which model answers, how it scores against the naive baselines on its
// held-out window, the catalog it knows, and drift.

import { api, isAbort } from "../api.js";
import { h, replace, spinner } from "../dom.js";
import { tableBlock } from "../components.js";
import { number, percent, percentOfFraction, dateTime, date, money } from "../format.js";

const BASELINE_LABELS = {
  last_sale: "Last sale",
  mean_30d: "30-day average",
  base_estimated_value: "Catalog estimated value",
};
const METRICS = [
  { key: "mae", label: "MAE", note: "mean absolute error, USD", fmt: (v) => money(v), lowerIsBetter: true },
  { key: "rmse", label: "RMSE", note: "root mean squared error, USD", fmt: (v) => money(v), lowerIsBetter: true },
  { key: "r2", label: "R²", note: "share of price variance explained", fmt: (v) => number(v, 3) },
  { key: "mape", label: "MAPE", note: "mean absolute percentage error", fmt: (v) => percent(v, 1), lowerIsBetter: true },
  { key: "interval_coverage", label: "80% range coverage", note: "share of held-out sales inside the range", fmt: (v) => percentOfFraction(v, 1) },
];

function baselineLabel(key) {
  return BASELINE_LABELS[key] || key.replace(/_/g, " ");
}

export function render(view, { setTitle }) {
  setTitle("Model");
  const controller = new AbortController();
  const body = h("div", { class: "model-body", "aria-busy": "true" }, h("p", { class: "status-line" }, spinner(), "Loading the model's status…"));
  replace(view, h("section", { class: "card", "aria-labelledby": "model-title" },
    h("h1", { id: "model-title", class: "page-title", tabindex: "-1" }, "The model"),
    h("p", { class: "lead" }, "How the price predictions are made, and how well they did on sales the model never saw."),
    body));

  api.modelStatus(controller.signal).then((s) => {
    body.removeAttribute("aria-busy");
    if (!s.model_version || s.status === "no_model") {
      replace(body,
        h("p", { class: "notice", testid: "no-model-notice" }, "No model is being served yet: prices appear once one has been trained."),
        h("dl", { class: "facts facts-wide" }, h("div", null, h("dt", null, "Status"), h("dd", null, s.status || "—"))),
        catalog(s));
      return;
    }
    replace(body, overview(s), comparison(s), catalog(s), drift(s.drift));
  }).catch((error) => {
    if (isAbort(error)) return;
    body.removeAttribute("aria-busy");
    replace(body,
      h("p", { class: "alert", role: "alert", testid: "error-message" }, error.message),
      error.status === 503 ? h("p", { class: "muted" }, "No model is being served yet: prices appear once one has been trained.") : null);
  });

  return () => controller.abort();
}

function overview(s) {
  const predictor = s.predictor || "model";
  const isBaseline = predictor.startsWith("baseline:");
  const items = [
    ["Model version", h("span", { testid: "model-version", class: "mono" }, s.model_version || "—")],
    ["Trained", dateTime(s.trained_at)],
    ["Predictor", isBaseline ? `Naive baseline (${baselineLabel(predictor.slice("baseline:".length))})` : predictor === "model" ? "XGBoost (gradient-boosted trees)" : predictor],
    ["Inference", s.inference_mode === "sagemaker" ? `SageMaker endpoint${s.endpoint && s.endpoint.name ? ` ${s.endpoint.name}` : ""}` : (s.inference_mode || "—")],
    ["Status", s.status || "—"],
  ];
  if (s.endpoint && s.endpoint.status && s.endpoint.status !== "not_used") items.push(["Endpoint status", s.endpoint.status]);
  return h("section", { class: "model-section", "aria-labelledby": "overview-title" },
    h("h2", { id: "overview-title" }, "Serving now"),
    isBaseline
      ? h("p", { class: "notice", testid: "baseline-notice" },
        `No trained model beat the naive baselines on its held-out sales, so prices come from the ${baselineLabel(predictor.slice("baseline:".length)).toLowerCase()} baseline for now.`)
      : null,
    h("dl", { class: "facts facts-wide" }, items.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v)))));
}

function comparison(s) {
  const m = s.metrics || {};
  const baselines = Object.entries(s.baselines || {});
  // With a baseline serving, `metrics` are that baseline's own, its calibrated range included.
  const servedBaseline = (s.predictor || "").startsWith("baseline:");
  const first = servedBaseline ? `Served: ${baselineLabel(s.predictor.slice("baseline:".length))} with its range` : "Model";
  const rows = [[first, m, true], ...baselines.map(([k, v]) => [`Baseline: ${baselineLabel(k)}`, v || {}, false])];
  let headline = null;
  const best = baselines.filter(([, v]) => v && Number.isFinite(v.mae)).sort((a, b) => a[1].mae - b[1].mae)[0];
  if (!servedBaseline && best && Number.isFinite(m.mae) && best[1].mae > 0) {
    const gain = (1 - m.mae / best[1].mae) * 100;
    headline = h("p", { class: "headline", testid: "model-headline" },
      gain >= 0
        ? `The model's MAE (${money(m.mae)}) is ${gain.toFixed(1)}% below the best baseline (${baselineLabel(best[0]).toLowerCase()}, ${money(best[1].mae)}).`
        : `The model's MAE (${money(m.mae)}) is ${(-gain).toFixed(1)}% above the best baseline (${baselineLabel(best[0]).toLowerCase()}, ${money(best[1].mae)}).`);
  }
  const vsModel = (values, isModel) => {
    if (isModel || !Number.isFinite(values.mae) || !Number.isFinite(m.mae) || values.mae <= 0) return "—";
    const gain = (1 - m.mae / values.mae) * 100;
    return `${Math.abs(gain).toFixed(1)}% ${gain >= 0 ? "below" : "above"}`;
  };
  const table = h("table", { class: "data-table metrics-table", testid: "model-metrics" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Predictor"),
      METRICS.map((k) => h("th", { scope: "col", class: "num" }, h("abbr", { title: k.note }, k.label))),
      h("th", { scope: "col", class: "num" }, "Model's MAE"))),
    h("tbody", null, rows.map(([label, values, isModel]) => h("tr", { class: isModel ? "is-model" : null },
      h("th", { scope: "row" }, label),
      METRICS.map((k) => h("td", { class: "num" }, Number.isFinite(values[k.key]) ? k.fmt(values[k.key]) : "—")),
      h("td", { class: "num" }, vsModel(values, isModel))))));
  return h("section", { class: "model-section", "aria-labelledby": "comparison-title" },
    h("h2", { id: "comparison-title" }, "Against the naive baselines"),
    headline,
    tableBlock({ id: "metrics-title", table, label: "Model and baseline scores",
      title: "Scores on the held-out time window (lower is better for MAE, RMSE and MAPE)" }),
    h("p", { class: "muted small table-note" }, "Baselines give a single price, so they have no range coverage."));
}

function catalog(s) {
  const c = s.catalog || {};
  return h("section", { class: "model-section", "aria-labelledby": "catalog-title" },
    h("h2", { id: "catalog-title" }, "Catalog"),
    h("dl", { class: "facts facts-wide" },
      h("div", null, h("dt", null, "Pops"), h("dd", null, number(c.pops))),
      h("div", null, h("dt", null, "Sales"), h("dd", null, number(c.sales))),
      h("div", null, h("dt", null, "First sale"), h("dd", null, date(c.first_sale))),
      h("div", null, h("dt", null, "Last sale"), h("dd", null, date(c.last_sale)))));
}

function psiTable(entries, drifted, threshold) {
  return tableBlock({
    id: `drift-title-${Math.random().toString(36).slice(2, 8)}`, label: "Drift per feature",
    title: `Population stability index (PSI) per feature${Number.isFinite(threshold) ? `: drift above ${threshold}` : ""}`,
    table: h("table", { class: "data-table", testid: "drift-table" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Feature"), h("th", { scope: "col", class: "num" }, "PSI"), h("th", { scope: "col" }, "Drifted"))),
      h("tbody", null, entries.map(([name, psi]) => h("tr", { class: drifted.has(name) ? "is-drifted" : null },
        h("th", { scope: "row", class: "mono" }, name),
        h("td", { class: "num" }, Number.isFinite(psi) ? psi.toFixed(3) : String(psi)),
        h("td", null, drifted.has(name) ? "Yes" : "No"))))),
  });
}

function drift(d) {
  const section = h("section", { class: "model-section", "aria-labelledby": "drift-title", testid: "model-drift" },
    h("h2", { id: "drift-title" }, "Drift"));
  if (!d || typeof d !== "object") {
    section.append(h("p", { class: "muted" }, "No drift report yet: one is made once the service has answered enough questions."));
    return section;
  }
  const drifted = new Set(Array.isArray(d.drifted_features) ? d.drifted_features : []);
  if (typeof d.drifted === "boolean") {
    section.append(h("p", { class: d.drifted ? "notice notice-warn" : "notice notice-ok" },
      d.drifted ? `Drift detected${drifted.size ? ` in ${[...drifted].join(", ")}` : " in the predicted prices"}.` : "No drift: served questions look like the training data."));
  }
  // Scalars as facts, objects of numbers (per-feature PSI) as tables, whatever else as text.
  const facts = [];
  const tables = [];
  for (const [key, value] of Object.entries(d)) {
    if (key === "drifted" || key === "drifted_features") continue;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const entries = Object.entries(value).sort((a, b) => (Number(b[1]) || 0) - (Number(a[1]) || 0));
      tables.push(psiTable(entries, drifted, d.threshold));
    } else if (Array.isArray(value)) {
      facts.push([key, value.join(", ") || "none"]);
    } else {
      facts.push([key, typeof value === "number" ? (Number.isInteger(value) ? number(value) : value.toFixed(3)) : String(value)]);
    }
  }
  if (facts.length) section.append(h("dl", { class: "facts facts-wide drift-facts" }, facts.map(([k, v]) => h("div", null, h("dt", null, k.replace(/_/g, " ")), h("dd", null, v)))));
  for (const t of tables) section.append(...t);
  return section;
}
