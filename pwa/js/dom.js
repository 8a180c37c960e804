/* A tiny element builder for the screens: h("button", {testid: "accept", onclick}, t("…")). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "testid") el.dataset.testid = v;
    else if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== "list" && k !== "form") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/* Replaces the screen's content. A screen redraws whenever the server says something changed (an alarm,
   a colleague's step) and builds the new content while loading its data, so the field the user is typing
   in carries over: focused, with its caret, and with what was typed meanwhile (the old field holds it until
   it is replaced). Not once its form was submitted (the redraw shows the saved result), nor on a new route. */
export function mount(root, ...children) {
  const same = root.dataset.mounted === (root.dataset.route ?? "");
  const typing = same ? typingIn(root) : null;
  // a section the user opened (a form folded in <details>) stays open over the redraw
  const opened = same ? [...root.querySelectorAll("details[open][data-testid]")].map((d) => placeOf(d, root)) : [];
  root.replaceChildren(...children.flat(Infinity).filter(Boolean));
  root.dataset.mounted = root.dataset.route ?? "";
  for (const selector of opened) root.querySelector(selector)?.setAttribute("open", "");
  if (typing) resumeTyping(root, typing);
}

// fields whose form was submitted and not typed in since: their text is saved, a redraw may clear them
const submitted = new WeakSet();
document.addEventListener("submit", (e) => { for (const el of e.target.elements || []) submitted.add(el); }, true);
document.addEventListener("input", (e) => submitted.delete(e.target), true);

const TYPED = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const idAttributes = (node) => [...node.attributes].filter((a) => a.name.startsWith("data-") && a.name.endsWith("-id"));

/* A selector naming a form field so it is found again after a redraw: its testid (or id, or name) inside
   the nearest element that says which thing it is about (data-alarm-id, data-order-id, …), so the note
   typed for one alarm never lands in another's. Null for a field nobody could find again. */
export function fieldSelector(el, root = document.body) {
  if (!el || !TYPED.has(el.tagName) || (!el.dataset.testid && !el.name && !el.id)) return null;
  return placeOf(el, root);
}

/* An element's testid (or id, or name) inside the nearest element that carries an id of what it is about. */
function placeOf(el, root) {
  const own = el.dataset.testid ? `[data-testid="${CSS.escape(el.dataset.testid)}"]`
    : el.id ? `#${CSS.escape(el.id)}` : `[name="${CSS.escape(el.name)}"]`;
  let holder = el.parentElement;
  while (holder && holder !== root && !idAttributes(holder).length) holder = holder.parentElement;
  const scope = holder && holder !== root
    ? idAttributes(holder).map((a) => `[${a.name}="${CSS.escape(a.value)}"]`).join("") + " " : "";
  return `${scope}${el.tagName.toLowerCase()}${own}`;
}

/* The focused field inside root, with its caret. */
function typingIn(root) {
  const el = document.activeElement;
  const selector = root.contains(el) ? fieldSelector(el, root) : null;
  if (!selector) return null;
  let caret = null;
  try { caret = [el.selectionStart, el.selectionEnd]; } catch (_) { /* a select or a number field has none */ }
  return { selector, value: el.value, caret, saved: submitted.has(el) };
}

function resumeTyping(root, { selector, value, caret, saved }) {
  const el = root.querySelector(selector);
  if (!el) return;
  if (!saved && el.tagName !== "SELECT" && el.type !== "file" && el.value !== value) {
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true })); // the screen's drafts learn it too
  }
  el.focus({ preventScroll: true });
  if (caret && caret[0] !== null && el.value === value) { try { el.setSelectionRange(caret[0], caret[1]); } catch (_) { /* not a text field */ } }
}
