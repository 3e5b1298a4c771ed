// What the page recorded, in ms from the callback (its navigation's `fetchStart`): to the app's
// `first-playlist` mark, and to the token request; `library`, from the first request for a page
// of it to the frame after `#load-status` said `done`; `maxRows`; `count`, the playlists the
// status line says are shown; the app's files fetched besides the page (a cache hit has
// `transferSize` 0), and the bytes of those and the page. `arguments[0]` is the API's origin.
const api = arguments[0];
const [navigation] = performance.getEntriesByType("navigation");
const resources = performance.getEntriesByType("resource");
const mark = performance.getEntriesByName("first-playlist")[0];
const first = (path) => {
  const starts = resources.filter((e) => e.name.startsWith(api + path)).map((e) => e.startTime);
  return starts.length ? Math.min(...starts) : null;
};
const app = (e) => new URL(e.name).origin === location.origin && e.transferSize > 0;
const bench = window.__bench;
const done = bench?.states.find((s) => s.state === "done");
const since = (from, to) => (from == null || to == null ? null : to - from);
const status = document.getElementById("load-status");
return {
  firstPlaylist: since(navigation.fetchStart, mark?.startTime),
  pageLoad: since(navigation.fetchStart, first("/api/token")),
  library: since(first("/v1/me/playlists"), done?.frame),
  maxRows: bench?.maxRows ?? null,
  count: status && Number(status.getAttribute("data-count")),
  fetched: resources.filter(app).map((e) => new URL(e.name).pathname),
  bytes: [navigation, ...resources].filter(app).reduce((sum, e) => sum + e.transferSize, 0),
};
