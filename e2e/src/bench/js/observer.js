// Put in the `<head>` of the served copy of `index.html` for the library runs, so that it runs
// before the app and misses nothing of a load that can end within 200 ms of the callback (a
// script run over WebDriver only starts once the callback document is there, and would race
// it). It observes the page; it changes nothing the app sees.
//
// `window.__bench` collects `maxRows`, the most `ul#playlists > li.playlist` in the DOM at any
// moment, and `states`, each new `data-state` of `#load-status` with the time it was set (`at`)
// and of the next animation frame (`frame`, when it is on screen). It also lifts the Resource
// Timing buffer (250 entries by default, fewer than a 10,000-playlist library's requests).
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
  }).observe(document, { subtree: true, childList: true, attributes: true,
                         attributeFilter: ["data-state"] });
})();
