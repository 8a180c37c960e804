/* Text the server writes for people, read in the reader's language: a sensor ticket's title and
   description, system notes on an order, a dead letter's reason arrive as a code and arguments
   (server/domain/system_texts.py) beside an English fallback. The code is worded from the `systext`
   catalog; an unknown code (a newer server) or a person's own text shows the fallback as it is. */
import { t, localTime } from "./i18n.js";

/* `names`: optional {site(id), person(id)} from the replica, so a renamed site or person reads as now. */
export function systemText(code, args, fallback, names) {
  const key = `systext.${code}`;
  if (!code || t(key) === key) return fallback ?? "";
  const a = args || {};
  const params = { ...a };
  if (a.kind) params.kind = t(`systext.kind.${a.kind}`) !== `systext.kind.${a.kind}` ? t(`systext.kind.${a.kind}`) : a.kind;
  const site = a.site_id && names?.site ? names.site(a.site_id) : "";
  params.site = (site && site !== a.site_id ? site : "") || a.site_name || a.site_id || "";
  params.place = a.zone || a.device || "";
  const person = a.actor_id && names?.person ? names.person(a.actor_id) : "";
  params.actor = (person && person !== a.actor_id ? person : "") || a.actor_name || "";
  if (a.at) params.at = localTime(a.at);
  for (const [k, v] of Object.entries(params)) if (v === null || v === undefined) params[k] = "";
  return t(key, params);
}

export const orderTitle = (o, names) => systemText(o?.title_code, o?.title_args, o?.title, names);
export const orderDescription = (o, names) => systemText(o?.description_code, o?.description_args, o?.description, names);
export const noteText = (n, names) => systemText(n?.note_code, n?.note_args, n?.text, names);
export const deadLetterReason = (d) => systemText(d?.reason_code, d?.reason_args, d?.reason);
