// The price-history chart of a Pop page, drawn with Chart.js 3 (Debian's libjs-chart.js, served
// from vendor/, loaded on first use). The x axis is linear in epoch milliseconds with date tick
// labels: Chart.js 3's time scale would need a date adapter, which Debian does not ship.

import { money, moneyWhole, moneyRange, date, axisDate, conditionLabel, marketplaceLabel } from "./format.js";

const CHART_SRC = "vendor/chart.js/chart.min.js";
const DAY = 86400000;
let loading = null;

/** Loads Chart.js once; resolves to window.Chart. */
export function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = CHART_SRC;
      script.addEventListener("load", () => (window.Chart ? resolve(window.Chart) : reject(new Error("The chart library did not start."))));
      script.addEventListener("error", () => {
        loading = null;
        script.remove();
        reject(new Error(`The chart library (${CHART_SRC}) could not be loaded.`));
      });
      document.head.append(script);
    });
  }
  return loading;
}

const COLORS = {
  sale: "rgba(37, 99, 235, 0.6)",
  saleBorder: "rgb(29, 78, 216)",
  daily: "rgb(51, 65, 85)",
  band: "rgba(217, 119, 6, 0.2)",
  bandBorder: "rgba(180, 83, 9, 0.7)",
  predicted: "rgb(180, 83, 9)",
  grid: "rgba(100, 116, 139, 0.18)",
  text: "rgb(62, 76, 89)",
  today: "rgba(71, 85, 105, 0.7)",
};

/** Whole-dollar tick labels when every tick is a whole number of dollars. */
function wholeSteps(ticks) {
  return ticks.every((t) => Math.abs(t.value - Math.round(t.value)) < 1e-9);
}

const NICE_STEPS = [1, 2, 7, 14, 30, 61, 91, 182, 365, 730];

/** Draws a dashed vertical "Today" line. */
const todayLine = {
  id: "todayLine",
  afterDatasetsDraw(chart, _args, options) {
    const x = options.at;
    const scale = chart.scales.x;
    if (!Number.isFinite(x) || x < scale.min || x > scale.max) return;
    const px = scale.getPixelForValue(x);
    const { top, bottom } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = COLORS.today;
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = COLORS.text;
    ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    ctx.textAlign = px > chart.chartArea.right - 40 ? "right" : "left";
    ctx.fillText("Today", px + (ctx.textAlign === "left" ? 4 : -4), top + 12);
    ctx.restore();
  },
};

export class HistoryChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.chart = null;
    this.history = null;
    this.days = 90;
    this.prediction = null;
    this.futureDays = 0;
  }

  /** The number of sale points the chart draws. */
  get salePoints() {
    return this.history ? this.history.sales.length : 0;
  }

  setHistory(history, days) {
    this.history = history;
    this.days = days;
    this.draw();
  }

  /** The prediction to draw ahead of today (null removes it). */
  setPrediction(prediction, futureDays) {
    this.prediction = prediction;
    this.futureDays = Number.isFinite(futureDays) ? futureDays : 0;
    if (this.history) this.draw();
  }

  destroy() {
    if (this.chart) this.chart.destroy();
    this.chart = null;
  }

  /** Today by the server's clock when a prediction says so (prediction_date − horizon), else the browser's. */
  today() {
    if (this.prediction) {
      const t = Date.parse(this.prediction.prediction_date);
      if (Number.isFinite(t)) return t - this.futureDays * DAY;
    }
    return Date.now();
  }

  datasets() {
    const sales = this.history.sales.map((s) => ({
      x: Date.parse(s.sold_at), y: s.price, condition: s.condition, marketplace: s.marketplace,
    }));
    const daily = this.history.daily.map((d) => ({ x: Date.parse(`${d.date}T12:00:00Z`), y: d.avg_price, count: d.count }));
    const sets = [
      {
        type: "scatter", label: "Sales", data: sales, order: 1,
        backgroundColor: COLORS.sale, borderColor: COLORS.saleBorder, borderWidth: 1, pointRadius: 3.5, pointHoverRadius: 6,
      },
      {
        type: "line", label: "Daily average", data: daily, order: 2,
        borderColor: COLORS.daily, backgroundColor: COLORS.daily, borderWidth: 2, pointRadius: 0, pointHitRadius: 6, tension: 0,
      },
    ];
    const p = this.prediction;
    if (p && p.price_range) {
      const start = this.today();
      const end = Math.max(Date.parse(p.prediction_date), start + this.minBandWidth());
      sets.push(
        {
          type: "line", label: "80% range (low)", data: [{ x: start, y: p.price_range.min }, { x: end, y: p.price_range.min }],
          borderColor: COLORS.bandBorder, borderWidth: 1, pointRadius: 0, pointHitRadius: 0, fill: false, order: 4, band: true,
        },
        {
          type: "line", label: "Predicted 80% range", data: [{ x: start, y: p.price_range.max }, { x: end, y: p.price_range.max }],
          borderColor: COLORS.bandBorder, backgroundColor: COLORS.band, borderWidth: 1, pointRadius: 0, pointHitRadius: 8,
          fill: "-1", order: 4, band: true,
        },
        {
          type: "line", label: "Predicted price", data: [{ x: start, y: p.predicted_price }, { x: end, y: p.predicted_price }],
          borderColor: COLORS.predicted, backgroundColor: COLORS.predicted, borderDash: [6, 4], borderWidth: 2,
          pointRadius: [0, 5], pointHoverRadius: [0, 7], order: 3,
        },
      );
    }
    return sets;
  }

  minBandWidth() {
    return Math.max(this.days, 30) * DAY * 0.03;
  }

  bounds() {
    const today = this.today();
    const start = today - this.days * DAY;
    let end = today;
    if (this.prediction) end = Math.max(end, Date.parse(this.prediction.prediction_date) || end, today + this.minBandWidth());
    const span = end - start;
    return { min: start, max: end + span * 0.02, spanDays: span / DAY };
  }

  options() {
    const { min, max, spanDays } = this.bounds();
    const step = NICE_STEPS.find((d) => spanDays / d <= 6) || 730;
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      normalized: true,
      interaction: { mode: "nearest", intersect: false, axis: "xy" },
      scales: {
        x: {
          type: "linear", min, max,
          grid: { color: COLORS.grid },
          ticks: {
            color: COLORS.text, stepSize: step * DAY, maxRotation: 0, autoSkip: true, autoSkipPadding: 12,
            callback: (value) => axisDate(value, spanDays),
          },
        },
        y: {
          grace: "8%",
          grid: { color: COLORS.grid },
          ticks: { color: COLORS.text, maxTicksLimit: 6, callback: (value, _i, ticks) => (wholeSteps(ticks) ? moneyWhole(value) : money(value)) },
          title: { display: false },
        },
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: { color: COLORS.text, usePointStyle: true, boxWidth: 8, filter: (item) => item.text !== "80% range (low)" },
        },
        tooltip: {
          filter: (item) => !(item.dataset.band && item.dataset.label === "80% range (low)"),
          callbacks: {
            title: (items) => (items.length ? date(items[0].parsed.x) : ""),
            label: (item) => this.tooltipLabel(item),
          },
        },
        todayLine: { at: this.today() },
      },
    };
  }

  tooltipLabel(item) {
    const raw = item.raw || {};
    const label = item.dataset.label;
    if (label === "Sales") return `Sale ${money(raw.y)} · ${conditionLabel(raw.condition)} · ${marketplaceLabel(raw.marketplace)}`;
    if (label === "Daily average") return `Daily average ${money(raw.y)} (${raw.count} ${raw.count === 1 ? "sale" : "sales"})`;
    const p = this.prediction;
    if (label === "Predicted 80% range" && p) return `Predicted 80% range ${moneyRange(p.price_range.min, p.price_range.max)}`;
    if (label === "Predicted price" && p) return `Predicted ${money(p.predicted_price)} on ${date(p.prediction_date)}`;
    return `${label}: ${money(raw.y)}`;
  }

  draw() {
    const Chart = window.Chart;
    if (!Chart || !this.history) return;
    if (!this.chart) {
      Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
      this.chart = new Chart(this.canvas, { type: "line", data: { datasets: this.datasets() }, options: this.options(), plugins: [todayLine] });
    } else {
      this.chart.data.datasets = this.datasets();
      this.chart.options = this.options();
      this.chart.update("none");
    }
  }
}
