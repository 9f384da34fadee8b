// The project's HTTP API. Same origin by default; config.js (overwritten at deployment) may give
// another base URL in window.FUNKO_CONFIG.apiBase.

const config = window.FUNKO_CONFIG || {};
export const API_BASE = String(config.apiBase || "").replace(/\/+$/, "");

/** An error answer of the API ({"error":{"code","message","request_id","field"}}) or a network failure. */
export class ApiError extends Error {
  constructor({ status = 0, code = "error", message, field = null, requestId = null, body = null }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.body = body; // the answer's JSON, when it had one
  }
}

export function isAbort(error) {
  return error && error.name === "AbortError";
}

const TIMEOUT_MS = 30000;

async function request(path, { method = "GET", body, signal } = {}) {
  // One controller for the caller's abort (a newer request superseding this one) and the timeout.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, TIMEOUT_MS);
  if (signal) {
    if (signal.aborted) controller.abort();
    else signal.addEventListener("abort", () => controller.abort(), { once: true });
  }
  const init = { method, signal: controller.signal, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  let text;
  try {
    response = await fetch(API_BASE + path, init);
    text = await response.text();
  } catch (error) {
    if (timedOut) {
      throw new ApiError({ code: "timeout", message: `The price service did not answer within ${TIMEOUT_MS / 1000} seconds. Please try again.` });
    }
    if (isAbort(error)) throw error;
    throw new ApiError({ code: "network", message: "Could not reach the price service. Check your connection and try again." });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const e = (data && data.error) || {};
    throw new ApiError({
      status: response.status,
      code: e.code || `http_${response.status}`,
      message: e.message || `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`,
      field: e.field || null,
      requestId: e.request_id || null,
      body: data,
    });
  }
  if (data === null) {
    throw new ApiError({ status: response.status, code: "bad_response", message: "The server's answer could not be read." });
  }
  return data;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") search.set(k, v);
  const s = search.toString();
  return s ? `?${s}` : "";
}

const enc = encodeURIComponent;

export const api = {
  searchPops: ({ q, series, limit }, signal) => request(`/pops${query({ q, series, limit })}`, { signal }),
  pop: (id, signal) => request(`/pops/${enc(id)}`, { signal }),
  predict: (body, signal) => request("/predict", { method: "POST", body, signal }),
  predictBatch: (body, signal) => request("/predict/batch", { method: "POST", body, signal }),
  history: (id, days, signal) => request(`/history/${enc(id)}${query({ days })}`, { signal }),
  modelStatus: (signal) => request("/model/status", { signal }),
  health: (signal) => request("/health", { signal }),
};
