/* The admin's console: sites (add, rename) and users (add, change role and sites, deactivate or
   reactivate, reset the password) — everything `fieldops site add` and `user add` do, and more.
   Devices have their own screen (#/devices). Loaded on demand; online only: passwords go straight
   to /accounts and never into the offline outbox. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { consoleNav, siteNames, errorText, errorSummary, mutate } from "./console.js";

const ROLES = ["dispatcher", "technician", "guard", "supervisor", "admin"];
const field = (key, input, hint) => h("label", {}, t(key), hint ? h("span", { class: "hint block" }, t(hint)) : null, input);
const roleSelect = (selected, testid) => h("select", { name: "role", testid }, ROLES.map((r) => h("option", { value: r, selected: r === selected }, t(`admin.role.${r}`))));

function siteChecks(names, chosen, testid) {
  const boxes = [...names].map(([id, name]) => {
    const box = h("input", { type: "checkbox", name: "site_ids", value: id, checked: chosen.includes(id), testid: `${testid}-${id}` });
    return h("label", { class: "check" }, box, name);
  });
  const group = h("fieldset", { class: "sites" }, h("legend", {}, t("admin.user_sites")), boxes);
  group.value = () => [...group.querySelectorAll("input:checked")].map((b) => b.value);
  return group;
}

function sitesSection(names, done) {
  const error = errorSummary("site-error");
  const id = h("input", { name: "id", required: true, testid: "site-id", autocapitalize: "none", pattern: "[A-Za-z0-9_-]{1,64}" });
  const name = h("input", { name: "name", required: true, testid: "site-name" });
  const add = h("form", { class: "card", testid: "site-add", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    try { await mutate("add_site", { id: id.value.trim(), name: name.value.trim() }); done(t("admin.site_added", { name: name.value.trim() })); }
    catch (err) { error.textContent = errorText(err); id.focus(); }
  } }, h("h3", {}, t("admin.site_add")), error,
  h("div", { class: "grid2" }, field("admin.site_id", id, "admin.site_id_hint"), field("admin.site_name", name)),
  h("button", { type: "submit", class: "primary", testid: "site-submit" }, t("admin.site_submit")));
  const rows = [...names].map(([siteId, siteName]) => {
    const rename = h("input", { name: "name", value: siteName, required: true, testid: "site-rename-name" });
    const rowError = errorSummary("site-rename-error");
    return h("li", { testid: "site-item", "data-site-id": siteId }, h("strong", {}, siteName), " ", h("code", {}, siteId), rowError,
      h("details", {}, h("summary", { testid: "site-edit" }, t("admin.site_rename")), h("form", { class: "inline", onsubmit: async (e) => {
        e.preventDefault();
        try { await mutate("rename_site", { site_id: siteId, name: rename.value.trim() }); done(t("admin.site_renamed", { name: rename.value.trim() })); }
        catch (err) { rowError.textContent = errorText(err); }
      } }, field("admin.site_name", rename), h("button", { type: "submit", testid: "site-rename" }, t("admin.site_rename")))));
  });
  return [h("h2", {}, t("admin.sites")), h("ul", { class: "plain", testid: "site-list" }, rows), add];
}

function addUserForm(names, done) {
  const error = errorSummary("user-error");
  const username = h("input", { name: "username", required: true, testid: "user-username", autocapitalize: "none", autocomplete: "off" });
  const name = h("input", { name: "name", testid: "user-name", autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", required: true, minLength: 8, testid: "user-password", autocomplete: "new-password" });
  const role = roleSelect("technician", "user-role");
  const sites = siteChecks(names, [], "user-site");
  return h("form", { class: "card", testid: "user-add", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const body = { username: username.value.trim(), password: password.value, role: role.value, site_ids: sites.value() };
    if (name.value.trim()) body.name = name.value.trim();
    try { await api("/accounts", { method: "POST", body }); done(t("admin.user_added", { username: body.username })); }
    catch (err) { error.textContent = errorText(err); username.focus(); }
  } }, h("h3", {}, t("admin.user_add")), error,
  h("div", { class: "grid2" }, field("admin.user_username", username, "admin.user_username_hint"), field("admin.user_name", name),
    field("admin.user_password", password, "admin.user_password_hint"), field("admin.user_role", role)),
  sites, h("button", { type: "submit", class: "primary", testid: "user-submit" }, t("admin.user_submit")));
}

function userItem(u, names, me, done) {
  const error = errorSummary("user-item-error");
  const fail = (err) => { error.textContent = errorText(err); };
  const role = roleSelect(u.role, "user-edit-role");
  const sites = siteChecks(names, u.site_ids, "user-edit-site");
  const password = h("input", { name: "password", type: "password", required: true, minLength: 8, testid: "user-new-password", autocomplete: "new-password" });
  const toggle = u.active
    ? h("button", { type: "button", class: "danger", testid: "user-deactivate", disabled: u.id === me.id, onclick: async () => {
        try { await mutate("deactivate_user", { user_id: u.id }); done(t("admin.user_deactivated", { username: u.username })); } catch (err) { fail(err); }
      } }, t("admin.user_deactivate"))
    : h("button", { type: "button", testid: "user-reactivate", onclick: async () => {
        try { await mutate("reactivate_user", { user_id: u.id }); done(t("admin.user_reactivated", { username: u.username })); } catch (err) { fail(err); }
      } }, t("admin.user_reactivate"));
  const sitesText = u.site_ids.length ? u.site_ids.map((id) => names.get(id) || id).join("、") : t("admin.user_no_sites");
  // the facts on one line, the changes folded away: a phone lists a dozen colleagues without scrolling forever
  return h("li", { class: `user${u.active ? "" : " inactive"}`, testid: "user-item", "data-username": u.username, "data-active": String(u.active) },
    h("strong", {}, u.name), " ", h("code", {}, u.username), " ", h("span", { class: "chip" }, t(`admin.role.${u.role}`)), " ",
    h("span", { class: "hint" }, sitesText), u.active ? null : [" ", h("span", { class: "chip overdue" }, t("admin.user_inactive"))], error,
    h("details", {}, h("summary", { testid: "user-edit" }, t("admin.user_edit", { username: u.username })),
      h("form", { onsubmit: async (e) => {
        e.preventDefault();
        try { await mutate("update_user", { user_id: u.id, role: role.value, site_ids: sites.value() }); done(t("admin.user_saved", { username: u.username })); }
        catch (err) { fail(err); }
      } }, field("admin.user_role", role), sites, h("button", { type: "submit", testid: "user-save" }, t("admin.user_save"))),
      h("form", { class: "inline", onsubmit: async (e) => {
        e.preventDefault();
        try { await api(`/accounts/${encodeURIComponent(u.id)}/password`, { method: "POST", body: { password: password.value } });
          done(t("admin.password_reset_done", { username: u.username })); }
        catch (err) { fail(err); }
      } }, field("admin.user_new_password", password, "admin.user_password_hint"), h("button", { type: "submit", testid: "user-reset-password" }, t("admin.password_reset"))),
      toggle));
}

export async function showAdmin(root, { user }) {
  const status = h("p", { class: "hint", role: "status", testid: "admin-status" });
  const body = h("div", {});
  const refresh = async (message) => {
    try {
      const [names, accounts] = await Promise.all([siteNames(), api("/accounts")]);
      mount(body, sitesSection(names, refresh), h("h2", {}, t("admin.users")), addUserForm(names, refresh),
        h("ul", { class: "plain", testid: "user-list" }, accounts.map((u) => userItem(u, names, user, refresh))));
      if (typeof message === "string") status.textContent = message;
    } catch (err) { status.textContent = errorText(err); }
  };
  mount(root, h("section", { class: "console", testid: "admin-screen" },
    consoleNav(user, "admin"),
    h("h1", {}, t("admin.title")),
    h("p", {}, h("a", { href: "#/devices", testid: "admin-devices" }, t("admin.devices_link"))),
    status, body));
  await refresh();
}
