//! The JavaScript the benchmark runs in the page. Every time is `performance.now()` of the page
//! (milliseconds since the document's time origin), so times taken in the page compare directly
//! with the Navigation and Resource Timing entries and the app's `first-playlist` mark.

/// Put in the `<head>` of the served copy of `index.html` for the library runs, so that it runs
/// before the app and misses nothing of a load that can end within 200 ms of the callback (a
/// script run over WebDriver only starts once the callback document is there, and would race
/// it). It observes the page; it changes nothing the app sees.
///
/// `window.__bench` collects `maxRows`, the most `ul#playlists > li.playlist` in the DOM at any
/// moment, and `states`, each new `data-state` of `#load-status` with the time it was set (`at`)
/// and of the next animation frame (`frame`, when it is on screen). It also lifts the Resource
/// Timing buffer (250 entries by default, fewer than a 10,000-playlist library's requests).
pub const OBSERVER: &str = r#"(() => {
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
})();"#;

/// Returns what the page recorded, in ms: `firstPlaylist`, from the callback (the navigation's
/// `fetchStart`: the browser, sent back by the provider, starts fetching `/callback`) to the app's
/// `first-playlist` mark; `pageLoad`, from the callback to the start of the token request;
/// `library`, from the start of the first request for a page of the library to the frame after
/// `#load-status` said `done`; `maxRows`; and `count`, the playlists the status line says are
/// shown. Requests are Resource Timing's entries for the API, whose origin is `arguments[0]`.
pub const TIMINGS: &str = r#"
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
  };"#;

/// `arguments[1]` plain `GET`s of `arguments[0]` one after another (a CORS request with no
/// preflight: no credentials, no custom header), each on a URL of its own so that no cache can
/// answer; calls back with how long each took, in milliseconds, as Resource Timing measures it
/// (from the start of the fetch to the end of the answer, as for the app's own requests), or
/// around the `fetch` when there is no entry.
pub const ROUND_TRIPS: &str = r#"
  const [url, n, done] = arguments;
  (async () => {
    const took = [];
    for (let i = 0; i < n; i++) {
      const probe = `${url}?bench-probe=${i}-${Math.random()}`;
      const t0 = performance.now();
      try {
        const response = await fetch(probe, { credentials: "omit", referrerPolicy: "no-referrer" });
        await response.text();
      } catch (e) {
        done({ error: String(e) });
        return;
      }
      const around = performance.now() - t0;
      const entry = performance.getEntriesByName(probe)[0];
      took.push(entry ? entry.responseEnd - entry.startTime : around);
    }
    done(took);
  })();"#;

/// Scrolls the page to the end in `arguments[0]` steps and back to the top, two animation
/// frames per step; calls back with the most playlist rows the observer saw in the DOM.
pub const SCROLL_THROUGH: &str = r#"
  const [steps, done] = arguments;
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const to = (i) => {
    const end = document.documentElement.scrollHeight - innerHeight;
    scrollTo({ top: (end * i) / steps, behavior: "instant" });
  };
  (async () => {
    for (let i = 1; i <= steps; i++) { to(i); await frame(); await frame(); }
    for (let i = steps - 1; i >= 0; i--) { to(i); await frame(); await frame(); }
    await frame();
    done(window.__bench ? window.__bench.maxRows : null);
  })();"#;

/// Types the queries of `arguments[0]` into `input#find`, one keystroke at a time, as a user
/// would: the input's value set and an `input` event dispatched at `t0 = performance.now()`;
/// then `t1 = performance.now()` in the first animation frame after the page's DOM changed. Each
/// keystroke starts some time after the previous one has settled, at no particular point of the
/// frame. Calls back with, per keystroke, t1 - t0, or null when the DOM did not change within a
/// second.
pub const KEYSTROKES: &str = r#"
  const [queries, done] = arguments;
  const input = document.querySelector("input#find");
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const one = (query) => new Promise((resolve) => {
    let t0 = 0, changed = false;
    const finish = (ms) => { observer.disconnect(); resolve(ms); };
    const observer = new MutationObserver(() => {
      if (changed) return;
      changed = true;
      requestAnimationFrame(() => finish(performance.now() - t0));
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true,
                                      characterData: true });
    input.value = query;
    t0 = performance.now();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => { if (!changed) finish(null); }, 1000);
  });
  (async () => {
    const results = [];
    input.focus();
    for (const [i, query] of queries.entries()) {
      await sleep(120 + ((i * 37) % 17));
      results.push(await one(query));
    }
    done(results);
  })();"#;

/// How long after the app started (its `app-start` mark) the first playlist was on screen (the app's
/// `first-playlist` mark), in ms; `null` when either is missing.
pub const APP_START_TO_LIBRARY: &str = r#"
    const start = performance.getEntriesByName('app-start')[0];
    const shown = performance.getEntriesByName('first-playlist')[0];
    return start && shown ? shown.startTime - start.startTime : null;
"#;
