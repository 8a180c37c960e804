/* Live alarms for the guard and dispatcher boards: the list from GET /alarms, refreshed by the
   server-sent event stream while online (read with fetch, so the bearer header goes along). */
import { api, API, authHeaders } from "./api.js";

const RETRY_MS = 5000; // reconnect soon: an alarm board that silently stops is worse than none

export function fetchAlarms(params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  return api(`/alarms${q ? `?${q}` : ""}`);
}

/* Calls onEvent({event, data}) per SSE message; returns stop(). A 404 (no stream on this server)
   stops quietly and the board falls back to refreshing on its timer. */
export function followEvents(onEvent) {
  let stopped = false;
  let controller = null;
  const run = async () => {
    while (!stopped) {
      if (navigator.onLine === false) { await sleep(RETRY_MS); continue; }
      controller = new AbortController();
      try {
        const res = await fetch(`${API}/events/stream`, { headers: { ...(await authHeaders()), Accept: "text/event-stream" }, signal: controller.signal });
        if (res.status === 404 || res.status === 405) return;
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        await readEvents(res.body, onEvent);
      } catch (_) { /* dropped: retry below */ }
      if (!stopped) await sleep(RETRY_MS);
    }
  };
  run();
  return () => { stopped = true; controller?.abort(); };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      let event = "message";
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length || event !== "message") {
        let parsed = data.join("\n");
        try { parsed = JSON.parse(parsed); } catch (_) { /* plain text event */ }
        onEvent({ event, data: parsed });
      }
    }
  }
}
