/* The sensor device registry (supervisors of a site, admins): register a sensor to a site and zone,
   see when each was last heard, its battery and whether it is online, change its zone or kind, and
   retire it. Loaded on demand; online (POST /devices, update_device, retire_device). */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { api } from "../api.js";
import { consoleNav, siteNames, siteName, errorText, errorSummary, mutate, keepFresh } from "./console.js";

// server/directory.py DeviceKind and Source: what the registry accepts
export const DEVICE_KINDS = ["water_leak", "smoke", "fire", "gas", "carbon_monoxide", "fire_panel", "door", "temperature", "other"];
const SOURCES = ["native", "zigbee2mqtt", "shelly"];

const kindOptions = (selected) => DEVICE_KINDS.map((k) => h("option", { value: k, selected: k === selected }, t(`supervisor.device_kind.${k}`)));
const field = (key, input, hint) => h("label", {}, t(key), hint ? h("span", { class: "hint block" }, t(hint)) : null, input);

function addForm(sites, names, done) {
  const error = errorSummary("device-error");
  const id = h("input", { name: "id", required: true, testid: "device-id", autocapitalize: "none", pattern: "[A-Za-z0-9_-]{1,64}" });
  const site = h("select", { name: "site_id", testid: "device-site" }, sites.map((s) => h("option", { value: s }, siteName(names, s))));
  const zone = h("input", { name: "zone", required: true, testid: "device-zone" });
  const kind = h("select", { name: "kind", testid: "device-kind" }, kindOptions("water_leak"));
  const source = h("select", { name: "source", testid: "device-source" }, SOURCES.map((s) => h("option", { value: s }, t(`supervisor.source.${s}`))));
  const name = h("input", { name: "name", testid: "device-name", autocapitalize: "none" });
  return h("form", { class: "card", testid: "device-add", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const body = { id: id.value.trim(), site_id: site.value, zone: zone.value.trim(), kind: kind.value, source: source.value };
    if (name.value.trim()) body.name = name.value.trim();
    try { await api("/devices", { method: "POST", body }); e.target.reset(); done(t("supervisor.device_added", { id: body.id })); }
    catch (err) { error.textContent = errorText(err); id.focus(); }
  } },
  h("h2", {}, t("supervisor.device_add")), error,
  h("div", { class: "grid2" }, field("supervisor.device_id", id, "supervisor.device_id_hint"), field("supervisor.device_site", site),
    field("supervisor.device_zone", zone), field("supervisor.device_kind_label", kind), field("supervisor.device_source", source),
    field("supervisor.device_name", name, "supervisor.device_name_hint")),
  h("button", { type: "submit", class: "primary", testid: "device-submit" }, t("supervisor.device_submit")));
}

function liveness(d) {
  if (!d.last_seen) return h("span", { class: "chip", testid: "device-online" }, t("supervisor.never_heard"));
  return [h("span", { class: `chip ${d.online ? "ok" : "overdue"}`, testid: "device-online" }, t(d.online ? "supervisor.online" : "supervisor.offline")),
    " ", h("span", { testid: "device-last-seen" }, t("supervisor.last_seen", { at: localTime(d.last_seen) })),
    d.battery !== null && d.battery !== undefined ? [" ", h("span", { testid: "device-battery" }, t("supervisor.battery", { n: d.battery }))] : null];
}

function deviceItem(d, names, done) {
  const error = errorSummary("device-item-error");
  const zone = h("input", { name: "zone", value: d.zone, required: true, testid: "device-edit-zone" });
  const kind = h("select", { name: "kind", testid: "device-edit-kind" }, kindOptions(d.kind));
  const fail = (err) => { error.textContent = errorText(err); };
  return h("li", { class: "device", testid: "device-item", "data-device-id": d.id },
    h("strong", {}, d.id), d.name ? [" ", h("code", {}, d.name)] : null, " ",
    h("span", {}, `${siteName(names, d.site_id)} · ${t(`supervisor.source.${d.source}`)}`), h("div", { class: "row" }, liveness(d)),
    h("span", { class: "hint" }, `${t("supervisor.device_zone")}: ${d.zone} · ${t(`supervisor.device_kind.${d.kind}`)}`), error,
    h("details", {}, h("summary", { testid: "device-edit" }, t("supervisor.device_edit")), h("form", { class: "inline", onsubmit: async (e) => {
      e.preventDefault();
      try { await mutate("update_device", { device_id: d.id, zone: zone.value.trim(), kind: kind.value }); done(t("supervisor.device_saved", { id: d.id })); }
      catch (err) { fail(err); }
    } }, field("supervisor.device_zone", zone), field("supervisor.device_kind_label", kind),
      h("button", { type: "submit", testid: "device-save" }, t("supervisor.device_save")))),
    h("details", {}, h("summary", { testid: "device-retire-open" }, t("supervisor.device_retire")),
      h("p", {}, t("supervisor.device_retire_explain")),
      h("button", { type: "button", class: "danger", testid: "device-retire", onclick: async () => {
        try { await mutate("retire_device", { device_id: d.id }); done(t("supervisor.device_retired", { id: d.id })); }
        catch (err) { fail(err); }
      } }, t("supervisor.device_retire_confirm"))));
}

export async function showDevices(root, { user }) {
  const route = root.dataset.route;
  const names = await siteNames();
  if (root.dataset.route !== route) return; // the user moved on while this loaded: paint nothing over their screen
  const sites = user.role === "admin" ? [...names.keys()] : (user.site_ids || []);
  const status = h("p", { class: "hint", role: "status", testid: "devices-status" });
  const list = h("ul", { class: "plain devices", testid: "device-list" });
  const refresh = async (message) => {
    if (typeof message === "string") status.textContent = message;
    try {
      const devices = await api("/devices");
      mount(list, devices.length ? devices.map((d) => deviceItem(d, names, refresh)) : h("li", { class: "empty" }, t("supervisor.no_devices")));
    } catch (err) { status.textContent = errorText(err); }
  };
  mount(root, h("section", { class: "console", testid: "devices-screen" },
    consoleNav(user, "devices"),
    h("h1", {}, t("supervisor.devices")),
    status,
    h("h2", {}, t("supervisor.registered")), list,
    addForm(sites, names, refresh)));
  keepFresh("devices", () => { if (!root.contains(document.activeElement) || document.activeElement === document.body) refresh(); }, { stream: false });
  await refresh();
}
