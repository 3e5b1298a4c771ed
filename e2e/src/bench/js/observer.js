// Runs before the app and changes nothing it sees. `window.__bench` collects `maxRows`, the most
// playlist rows in the DOM at any moment, and `states`, each new `data-state` of `#load-status`
// with when it was set (`at`) and the next animation frame (`frame`). The Resource Timing buffer
// (250 entries by default) is lifted for a 10,000-playlist library's requests.
(() => {
  const bench = (window.__bench = { maxRows: 0, states: [] });
  performance.setResourceTimingBufferSize(100000);
  let last = null;
  new MutationObserver(() => {
    const rows = document.querySelectorAll("ul#playlists > li.playlist").length;
    if (rows > bench.maxRows) bench.maxRows = rows;
    const status = document.getElementById("load-status");
    const state = status && status.getAttribute("data-state");
    if (state !== last) {
      last = state;
      const entry = { state, at: performance.now(), frame: null };
      bench.states.push(entry);
      requestAnimationFrame(() => { entry.frame = performance.now(); });
    }
  }).observe(document, { subtree: true, childList: true, attributeFilter: ["data-state"] });
})();
