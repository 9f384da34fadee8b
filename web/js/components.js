// Pieces shared by several pages: badges, the Pop thumbnail, field errors.

import { h } from "./dom.js";

/** The chase / exclusive / vaulted badges of a Pop (an empty array when it has none). */
export function badges(pop) {
  const list = [];
  if (pop.is_chase) list.push(h("span", { class: "badge badge-chase" }, "Chase"));
  if (pop.is_exclusive) list.push(h("span", { class: "badge badge-exclusive" }, "Exclusive"));
  if (pop.is_vaulted) list.push(h("span", { class: "badge badge-vaulted" }, "Vaulted"));
  return list;
}

/** The picture URL the app may load (https:, data:image or same-origin), or null. */
export function usableImageUrl(raw) {
  if (!raw || typeof raw !== "string") return null;
  if (/^data:image\//i.test(raw)) return raw;
  let url;
  try {
    url = new URL(raw, location.href);
  } catch {
    return null;
  }
  if (url.origin === location.origin) return url.href;
  if (url.protocol !== "https:") return null; // the page's CSP allows only https: pictures
  return url.href;
}

/** A Pop's picture, or a tile with its initials when it has none (or the picture fails). */
export function popThumb(pop, size = "small") {
  const initials = (pop.character || pop.funko_name || "?")
    .split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
  const placeholder = h("span", { class: `thumb thumb-${size} thumb-placeholder`, "aria-hidden": "true" }, initials);
  const src = usableImageUrl(pop.image_url);
  if (!src) return placeholder;
  const img = h("img", {
    class: `thumb thumb-${size}`,
    src,
    alt: size === "small" ? "" : `Box picture of ${pop.funko_name}`,
    loading: "lazy",
    decoding: "async",
    referrerpolicy: "no-referrer",
  });
  img.addEventListener("error", () => img.replaceWith(placeholder), { once: true });
  return img;
}

/**
 * Shows (message) or clears (null) the error of a form control: the message element is
 * associated with the control through aria-describedby and the control gets aria-invalid.
 */
export function setFieldError(control, messageEl, message) {
  const ids = new Set((control.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
  if (message) {
    messageEl.textContent = message;
    messageEl.hidden = false;
    control.setAttribute("aria-invalid", "true");
    ids.add(messageEl.id);
  } else {
    messageEl.textContent = "";
    messageEl.hidden = true;
    control.removeAttribute("aria-invalid");
    ids.delete(messageEl.id);
  }
  if (ids.size) control.setAttribute("aria-describedby", [...ids].join(" "));
  else control.removeAttribute("aria-describedby");
}

/** The paragraph under a control that shows its error (hidden until there is one). */
export function fieldErrorEl(id) {
  return h("p", { class: "field-error", id, testid: "error-message", hidden: true });
}

/** A general error box for errors that concern no single control. */
export function alertBox(id) {
  return h("div", { class: "alert", id, role: "alert", testid: "error-message", hidden: true });
}

export function showAlert(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

/** A <select> with the given values and labels. */
export function select({ id, testid, values, label, selected, describedby }) {
  return h("select", { id, testid, "aria-describedby": describedby },
    values.map((v) => h("option", { value: v, selected: v === selected }, label(v))));
}

/**
 * A data table in its own horizontal scroll container, titled by a paragraph above it (a
 * <caption> would scroll away with the table on a phone).
 */
export function tableBlock({ id, title, table, label }) {
  table.setAttribute("aria-labelledby", id);
  return [
    h("p", { class: "table-title", id }, title),
    h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label || title }, table),
  ];
}
