// `arguments[1]` plain `GET`s (no preflight) of `arguments[0]`, each on a URL of its own so that no
// cache answers; calls back with each one's ms as Resource Timing measures the app's requests, or
// around the `fetch` when there is no entry.
const [url, n, done] = arguments;
(async () => {
  const took = [];
  for (let i = 0; i < n; i++) {
    const probe = `${url}?bench-probe=${i}-${Math.random()}`;
    const t0 = performance.now();
    try {
      await (await fetch(probe, { credentials: "omit", referrerPolicy: "no-referrer" })).text();
    } catch (e) {
      return done({ error: String(e) });
    }
    const around = performance.now() - t0;
    const entry = performance.getEntriesByName(probe)[0];
    took.push(entry ? entry.responseEnd - entry.startTime : around);
  }
  done(took);
})();
