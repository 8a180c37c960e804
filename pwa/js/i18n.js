/* Message catalogs (i18n/*.json): every visible string goes through t(); the browser language
   picks the default (any zh → Simplified Chinese), and the choice is remembered per device. */
export const LANGUAGES = ["zh-CN", "en"];
/* Each area of the app keeps its strings in its own catalog (i18n/{area}.{lang}.json) beside the core
   one (i18n/{lang}.json), so the consoles can grow without one file every change touches. */
export const CATALOG_AREAS = ["dispatcher", "supervisor", "admin", "guard", "report", "board", "tech", "systext", "targets", "signoff"];
let catalog = {};
let current = "en";

export function defaultLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    if (/^zh/i.test(tag)) return "zh-CN";
    if (/^en/i.test(tag)) return "en";
  }
  return "zh-CN";
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = "en";
  const files = [`i18n/${lang}.json`, ...CATALOG_AREAS.map((area) => `i18n/${area}.${lang}.json`)];
  const parts = await Promise.all(files.map((f) => fetch(f).then((r) => r.json())));
  catalog = Object.assign({}, ...parts);
  current = lang;
  localStorage.setItem("fieldops.lang", lang);
  document.documentElement.lang = lang;
  translateTree(document);
  return lang;
}

export function initialLanguage() {
  return localStorage.getItem("fieldops.lang") || defaultLanguage();
}

export const language = () => current;

export function t(key, params = {}) {
  const text = catalog[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? `{${k}}`));
}

/* Static markup carries data-i18n="key" (text) or data-i18n-attr="attr:key". */
export function translateTree(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, t(key));
    }
  }
}

/* Times travel as UTC (…Z); people read them in the device's zone and language. */
export function localTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(current, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
