//! The JavaScript the benchmark runs in the page. Every time is `performance.now()` of the page
//! (milliseconds since the document's time origin), so times taken in the page compare directly
//! with the Navigation and Resource Timing entries and the app's `first-playlist` mark.

/// Put in the `<head>` of the served copy of `index.html` for the library runs, so that it runs
/// before the app and misses nothing of a load that can end within 200 ms of the callback (a
/// script run over WebDriver only starts once the callback document is there, and would race
/// it). It observes the page; it changes nothing the app sees.
///
/// `window.__bench` collects: `maxRows`, the most `ul#playlists > li.playlist` in the DOM at any
/// moment, and `firstRow`, when the first one was there; `states`, each new `data-state` of
/// `#load-status` with the time it was set (`at`) and of the next animation frame (`frame`, when
/// it is on screen); `appStarted`, when Trunk's loader had started the app; `longestFrame`, the
/// longest time between two animation frames until the load is done (the main thread busy for
/// that long). It also lifts the Resource Timing buffer (250 entries by default, fewer than a
/// 10,000-playlist library's requests).
pub const OBSERVER: &str = r#"(() => {
  const bench = (window.__bench = { maxRows: 0, firstRow: null, states: [], appStarted: null,
                                    longestFrame: 0 });
  performance.setResourceTimingBufferSize(100000);
  addEventListener("TrunkApplicationStarted", () => { bench.appStarted = performance.now(); });
  let previous = null;
  const frame = (now) => {
    if (previous !== null) bench.longestFrame = Math.max(bench.longestFrame, now - previous);
    previous = now;
    if (!bench.states.some((s) => s.state === "done")) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  let last = null;
  new MutationObserver(() => {
    const rows = document.querySelectorAll("ul#playlists > li.playlist").length;
    if (rows > bench.maxRows) bench.maxRows = rows;
    if (rows > 0 && bench.firstRow === null) bench.firstRow = performance.now();
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

/// Returns the state of `#load-status` (`loading`, `done`, `failed`), or null before it exists.
pub const LOAD_STATE: &str = r#"
  const status = document.getElementById("load-status");
  return status ? status.getAttribute("data-state") : null;"#;

/// Returns what the browser recorded: the navigation entry, the `first-playlist` mark, every
/// resource entry for the API (`arguments[0]` is its origin) and `window.__bench`.
pub const TIMINGS: &str = r#"
  const api = arguments[0];
  const nav = performance.getEntriesByType("navigation")[0] || null;
  const mark = performance.getEntriesByName("first-playlist")[0] || null;
  const status = document.getElementById("load-status");
  return {
    nav: nav && {
      fetchStart: nav.fetchStart,
      responseEnd: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
    },
    firstPlaylist: mark && mark.startTime,
    resources: performance.getEntriesByType("resource")
      .filter((e) => e.name.startsWith(api))
      .map((e) => ({ name: e.name.slice(api.length), type: e.initiatorType,
                     start: e.startTime, end: e.responseEnd })),
    bench: window.__bench || null,
    count: status && Number(status.getAttribute("data-count")),
    total: status && Number(status.getAttribute("data-total")),
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
/// frame. Calls back with, per keystroke, the query, `ms` (t1 - t0, or null when the DOM did not
/// change within a second), `handler_ms` (how long the `input` event's handlers ran) and
/// `changed_ms` (when the first change was seen).
pub const KEYSTROKES: &str = r#"
  const [queries, done] = arguments;
  const input = document.querySelector("input#find");
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const one = (query) => new Promise((resolve) => {
    let t0 = 0, handled = 0, changed = null, finished = false;
    const finish = (result) => {
      if (finished) return;
      finished = true;
      observer.disconnect();
      resolve(result);
    };
    const observer = new MutationObserver(() => {
      if (changed !== null) return;
      changed = performance.now();
      requestAnimationFrame(() => {
        const t1 = performance.now();
        finish({ query, ms: t1 - t0, handler_ms: handled - t0, changed_ms: changed - t0 });
      });
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true,
                                      characterData: true });
    input.value = query;
    t0 = performance.now();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    handled = performance.now();
    setTimeout(() => finish({ query, ms: null, handler_ms: handled - t0, changed_ms: null }), 1000);
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
