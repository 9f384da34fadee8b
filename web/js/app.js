// Hash router: #/ search, #/pop/<id>, #/collection, #/model. Hash routes let a static host
// (S3 + CloudFront) serve the one page without rewrite rules.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import * as searchPage from "./pages/search.js";
import * as popPage from "./pages/pop.js";
import * as collectionPage from "./pages/collection.js";
import * as modelPage from "./pages/model.js";

const APP_NAME = "Funko Pop Price Guide";
const view = document.getElementById("view");
const main = document.getElementById("main");
let cleanup = null;
let firstRender = true;

/** Splits "#/pop/10001?x=1" into { path: ["pop", "10001"], params: {x: "1"} }; null for other hashes. */
export function parseHash(hash) {
  if (hash === "" || hash === "#") return { path: [], params: {} };
  if (!hash.startsWith("#/")) return null; // an in-page anchor such as #main: not a route
  const [pathPart, queryPart = ""] = hash.slice(2).split("?");
  const path = pathPart.split("/").filter(Boolean).map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  });
  return { path, params: Object.fromEntries(new URLSearchParams(queryPart)) };
}

function resolve(route) {
  const [first, second] = route.path;
  if (!first) return { page: searchPage, nav: "search", args: { params: route.params } };
  if (first === "pop" && second) return { page: popPage, nav: "search", args: { id: second, params: route.params } };
  if (first === "collection") return { page: collectionPage, nav: "collection", args: { params: route.params } };
  if (first === "model") return { page: modelPage, nav: "model", args: { params: route.params } };
  return null;
}

function setNav(current) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function setTitle(title) {
  document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
}

function notFound() {
  setTitle("Page not found");
  replace(view, h("section", { class: "card" },
    h("h1", { class: "page-title", tabindex: "-1" }, "Page not found"),
    h("p", null, "There is nothing at this address. ", h("a", { href: "#/" }, "Search the catalog"), " instead.")));
  return null;
}

function render() {
  const route = parseHash(location.hash);
  if (route === null) return; // in-page anchor: keep the current page
  if (cleanup) {
    try { cleanup(); } catch (error) { console.warn(error); }
    cleanup = null;
  }
  const target = resolve(route);
  view.replaceChildren();
  view.removeAttribute("aria-busy");
  if (!target) {
    setNav(null);
    notFound();
  } else {
    setNav(target.nav);
    cleanup = target.page.render(view, { ...target.args, setTitle, firstRender }) || null;
  }
  if (!firstRender) {
    // Move focus to the new page's heading (or its own chosen control) so keyboard and
    // screen-reader users start at the top of the new content.
    const focusTarget = view.querySelector("[data-autofocus]") || view.querySelector("h1");
    if (focusTarget) focusTarget.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
  main.scrollIntoView();
});

window.addEventListener("hashchange", render);
render();

// Footer: which model answers (quietly; the pages show their own errors).
const status = document.getElementById("footer-status");
api.health().then((health) => {
  status.textContent = health.model_version ? `Model ${health.model_version}` : "No model loaded";
}).catch((error) => {
  const body = error.body || {};
  if (!error.status) status.textContent = "Price service unreachable";
  else if (body.checks && body.checks.model && body.checks.model !== "ok") status.textContent = "No model loaded yet";
  else status.textContent = `Price service ${body.status || "unavailable"}`;
});
