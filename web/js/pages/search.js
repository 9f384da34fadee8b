// Search (#/): search as you type over GET /pops, with an optional series filter.
// Results are plain links; ArrowDown/ArrowUp move between the box and the results, Enter opens,
// Escape clears.

import { api, isAbort } from "../api.js";
import { h, replace, spinner, announce } from "../dom.js";
import { badges, popThumb, alertBox, showAlert } from "../components.js";
import { money, date, plural } from "../format.js";

const DEBOUNCE_MS = 200;
const LIMIT = 20;
const knownSeries = new Set(); // series seen in any answer (the API has no series list)

export function render(view, { params, setTitle, firstRender }) {
  setTitle("");
  const state = { q: params.q || "", series: params.series || "", seq: 0, controller: null, timer: 0 };

  const input = h("input", {
    id: "search-input", testid: "search-input", type: "search", value: state.q,
    autocomplete: "off", spellcheck: "false", placeholder: "Batman, Gengar, 3…",
    "aria-describedby": "search-hint", "aria-controls": "search-results", "data-autofocus": true,
  });
  const seriesSelect = h("select", { id: "series-filter", "aria-controls": "search-results" });
  const status = h("p", { id: "search-status", class: "status-line", role: "status" });
  const list = h("ul", { id: "search-results", class: "result-list", "aria-label": "Search results" });
  const errorBox = alertBox("search-error");
  const results = h("div", { class: "results" }, status, errorBox, list);

  replace(view, h("section", { class: "card search-card", "aria-labelledby": "search-title" },
    h("h1", { id: "search-title", class: "page-title", tabindex: "-1" }, "Find a Pop"),
    h("p", { class: "lead" }, "What is it worth? Search the catalog, open a Pop and see its predicted price, range and sales history."),
    h("form", { role: "search", class: "search-form", on: { submit: (e) => { e.preventDefault(); searchNow(); } } },
      h("div", { class: "field field-grow" },
        h("label", { for: "search-input" }, "Search by name, character or box number"),
        input,
        h("p", { id: "search-hint", class: "hint" }, "Results appear as you type. Use ↓ and ↑ to move through them, Enter to open, Esc to clear.")),
      h("div", { class: "field" },
        h("label", { for: "series-filter" }, "Series"),
        seriesSelect))),
  h("section", { class: "card", "aria-label": "Results" }, results));

  fillSeries();

  function fillSeries() {
    if (state.series) knownSeries.add(state.series);
    const options = [h("option", { value: "" }, "All series")];
    for (const s of [...knownSeries].sort((a, b) => a.localeCompare(b))) {
      options.push(h("option", { value: s, selected: s === state.series }, s));
    }
    replace(seriesSelect, options);
    seriesSelect.value = state.series;
  }

  function updateUrl() {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    if (state.series) p.set("series", state.series);
    const s = p.toString();
    const hash = s ? `#/?${s}` : "#/";
    history.replaceState(null, "", hash);
    try { sessionStorage.setItem("funko.lastSearch", hash); } catch { /* storage may be off */ }
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(searchNow, DEBOUNCE_MS);
  }

  async function searchNow() {
    clearTimeout(state.timer);
    state.timer = 0;
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const seq = ++state.seq;
    const q = state.q.trim();
    results.setAttribute("aria-busy", "true");
    replace(status, spinner(), q ? `Searching for “${q}”…` : "Loading the catalog…");
    try {
      const answer = await api.searchPops({ q, series: state.series, limit: LIMIT }, controller.signal);
      if (seq !== state.seq) return; // a newer search has started: ignore this answer
      showAlert(errorBox, "");
      show(answer, q);
    } catch (error) {
      if (isAbort(error) || seq !== state.seq) return;
      replace(list);
      replace(status, "");
      showAlert(errorBox, error.message);
    } finally {
      if (seq === state.seq) results.removeAttribute("aria-busy");
    }
  }

  function show(answer, q) {
    const pops = answer.pops || [];
    let grew = false;
    for (const p of pops) if (p.series && !knownSeries.has(p.series)) { knownSeries.add(p.series); grew = true; }
    if (grew) fillSeries();
    const total = Number.isFinite(answer.total) ? answer.total : pops.length;
    const where = state.series ? ` in ${state.series}` : "";
    let text;
    if (!pops.length) text = q ? `No Pops match “${q}”${where}.` : `No Pops${where} in the catalog yet.`;
    else if (!q) text = `Browsing ${plural(total, "Pop")}${where}${total > pops.length ? ` (first ${pops.length})` : ""}. Type to search.`;
    else if (total > pops.length) text = `${plural(total, "match", "matches")} for “${q}”${where}: showing the best ${pops.length}. Type more to narrow it down.`;
    else text = `${plural(total, "match", "matches")} for “${q}”${where}.`;
    replace(status, text);
    replace(list, pops.map(resultItem));
    list.dataset.query = q; // which search the list shows (tests wait on it)
    if (q) announce(text);
  }

  function resultItem(pop) {
    const sale = pop.last_sale;
    return h("li", null,
      h("a", { class: "result", href: `#/pop/${encodeURIComponent(pop.funko_pop_id)}`, testid: "search-result", dataset: { popId: pop.funko_pop_id } },
        popThumb(pop),
        h("span", { class: "result-main" },
          h("span", { class: "result-name" }, pop.funko_name),
          h("span", { class: "result-meta" },
            h("span", null, pop.series),
            h("span", { "aria-hidden": "true" }, " · "),
            h("span", null, `#${pop.funko_number}`),
            badges(pop).length ? h("span", { class: "badges" }, badges(pop)) : null)),
        h("span", { class: "result-price" },
          sale ? [h("span", { class: "price-sm" }, money(sale.price)), h("span", { class: "muted small" }, `sold ${date(sale.sold_at)}`)]
            : h("span", { class: "muted small" }, "No sales yet"))));
  }

  function links() {
    return [...list.querySelectorAll("a.result")];
  }

  function clear() {
    input.value = "";
    state.q = "";
    updateUrl();
    input.focus();
    searchNow();
  }

  input.addEventListener("input", () => {
    state.q = input.value;
    updateUrl();
    schedule();
  });
  seriesSelect.addEventListener("change", () => {
    state.series = seriesSelect.value;
    updateUrl();
    searchNow();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      const first = links()[0];
      if (first) { event.preventDefault(); first.focus(); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      clear();
    } else if (event.key === "Enter") {
      // Enter in the box opens the first result when the answer for the current text is shown.
      const first = links()[0];
      if (first && !results.hasAttribute("aria-busy") && !state.timer) { event.preventDefault(); first.click(); }
    }
  });
  list.addEventListener("keydown", (event) => {
    const all = links();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      all[Math.min(i + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (i === 0 ? input : all[i - 1]).focus();
    } else if (event.key === "Home") {
      event.preventDefault();
      all[0].focus();
    } else if (event.key === "End") {
      event.preventDefault();
      all[all.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      clear();
    }
  });

  if (firstRender) input.focus({ preventScroll: true });
  searchNow();

  return () => {
    clearTimeout(state.timer);
    if (state.controller) state.controller.abort();
    state.seq++;
  };
}
