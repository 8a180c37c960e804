/* Names for ids: sites and people as the last pull brought them (types `site` and `user`), so the
   screens say "North Court" and "李师傅", never `north` or a user id; an unknown id shows as is. */
import { listObjects } from "./db.js";

export async function loadNames() {
  const [sites, users] = await Promise.all([listObjects("site"), listObjects("user")]);
  const siteNames = new Map(sites.map((r) => [r.id, r.value?.name]));
  const userNames = new Map(users.map((r) => [r.id, r.value?.name]));
  return {
    site: (id) => siteNames.get(id) || id || "",
    person: (id) => userNames.get(id) || id || "",
  };
}
