// What the page recorded, in ms from the callback (its navigation's `fetchStart`): to the app's
// `first-playlist` mark, and to the token request; `library`, from the first request for a page
// of it to the frame after `#load-status` said `done`; `maxRows`; and `count`, the playlists the
// status line says are shown. `arguments[0]` is the API's origin.
const api = arguments[0];
const callback = performance.getEntriesByType("navigation")[0].fetchStart;
const mark = performance.getEntriesByName("first-playlist")[0];
const first = (path) => {
  const starts = performance.getEntriesByType("resource")
    .filter((e) => e.name.startsWith(api + path)).map((e) => e.startTime);
  return starts.length ? Math.min(...starts) : null;
};
const bench = window.__bench;
const done = bench?.states.find((s) => s.state === "done");
const since = (from, to) => (from == null || to == null ? null : to - from);
const status = document.getElementById("load-status");
return {
  firstPlaylist: since(callback, mark?.startTime),
  pageLoad: since(callback, first("/api/token")),
  library: since(first("/v1/me/playlists"), done?.frame),
  maxRows: bench?.maxRows ?? null,
  count: status && Number(status.getAttribute("data-count")),
};
