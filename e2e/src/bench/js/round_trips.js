// `arguments[1]` plain `GET`s of `arguments[0]` one after another (a CORS request with no
// preflight: no credentials, no custom header), each on a URL of its own so that no cache can
// answer; calls back with how long each took, in milliseconds, as Resource Timing measures it
// (from the start of the fetch to the end of the answer, as for the app's own requests), or
// around the `fetch` when there is no entry.
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
})();
