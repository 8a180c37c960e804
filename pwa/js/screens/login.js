/* Login (POST /auth/login): the token goes to IndexedDB, where sync and the service worker
   find it; a different user on the same device starts with a clean replica. */
import { h, mount } from "../dom.js";
import { t, language } from "../i18n.js";
import { api } from "../api.js";
import { getMeta, setMeta, clearUserData } from "../db.js";
import { syncNow } from "../../sync.js";

export async function showLogin(root) {
  const error = h("p", { class: "error", testid: "login-error", role: "alert" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, testid: "login-username", autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, testid: "login-password" });
  const form = h("form", { class: "card narrow", testid: "login-form", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const res = await api("/auth/login", { method: "POST", body: { username: username.value.trim(), password: password.value } });
      // the replica, outbox and client id belong to one user: the next person starts clean
      const owner = await getMeta("data_owner");
      if (owner && owner !== res.user.id) {
        try { await clearUserData(); } catch (_) { error.textContent = t("auth.other_user_unsent"); return; }
      }
      await setMeta("data_owner", res.user.id);
      await setMeta("auth", { token: res.token, user: res.user, lang: language() });
      await setMeta("time_zone", res.time_zone); // the company's zone: receipts show its times, offline too
      location.hash = "#/";
      syncNow();
    } catch (err) {
      error.textContent = err.status === 401 ? t("auth.bad_credentials")
        : err.status === 429 ? t("auth.throttled") : navigator.onLine ? err.message : t("auth.offline");
    }
  } },
  h("h1", {}, t("auth.title")),
  h("label", {}, t("auth.username"), username),
  h("label", {}, t("auth.password"), password),
  error,
  h("button", { type: "submit", class: "primary", testid: "login-submit" }, t("auth.submit")));
  mount(root, form);
  username.focus();
}
