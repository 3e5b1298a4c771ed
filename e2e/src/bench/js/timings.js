// Returns what the page recorded, in ms: `firstPlaylist`, from the callback (the navigation's
// `fetchStart`: the browser, sent back by the provider, starts fetching `/callback`) to the app's
// `first-playlist` mark; `pageLoad`, from the callback to the start of the token request;
// `library`, from the start of the first request for a page of the library to the frame after
// `#load-status` said `done`; `maxRows`; and `count`, the playlists the status line says are
// shown. Requests are Resource Timing's entries for the API, whose origin is `arguments[0]`.
const api = arguments[0];
const callback = performance.getEntriesByType("navigation")[0].fetchStart;
const mark = performance.getEntriesByName("first-playlist")[0];
const first = (path) => {
  const starts = performance.getEntriesByType("resource")
    .filter((e) => e.name.startsWith(api + path)).map((e) => e.startTime);
  return starts.length ? Math.min(...starts) : null;
};
const bench = window.__bench;
const done = bench && bench.states.find((s) => s.state === "done");
const since = (from, to) => (from == null || to == null ? null : to - from);
const status = document.getElementById("load-status");
return {
  firstPlaylist: since(callback, mark ? mark.startTime : null),
  pageLoad: since(callback, first("/api/token")),
  library: since(first("/v1/me/playlists"), done ? done.frame : null),
  maxRows: bench ? bench.maxRows : null,
  count: status && Number(status.getAttribute("data-count")),
};
