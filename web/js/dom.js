// Tiny DOM builder: elements are made with createElement and text nodes only (no innerHTML, no
// inline style attributes), which keeps the app within a strict Content-Security-Policy.

/**
 * h("a", { class: "x", href: "#/", dataset: { testid: "y" }, on: { click: fn } }, "text", child)
 * Attributes whose value is null, undefined or false are left out; true sets an empty attribute.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
      else if (key === "text") el.textContent = value;
      else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
      else if (key === "dataset") for (const [k, v] of Object.entries(value)) { if (v !== null && v !== undefined) el.dataset[k] = v; }
      else if (key === "testid") el.setAttribute("data-testid", value);
      else if (key === "value" || key === "checked" || key === "selected" || key === "disabled" || key === "hidden") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), nodes and (nested) arrays; skips null, undefined and false. */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces all children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A polite live-region announcement for screen readers. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node in a new task makes screen readers announce a repeated message too.
  setTimeout(() => { region.textContent = message; }, 30);
}

/** The spinner shown next to "Loading…" texts (decorative: the text says it). */
export function spinner() {
  return h("span", { class: "spinner", "aria-hidden": "true" });
}

let uid = 0;
/** A document-unique id with the given prefix. */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
