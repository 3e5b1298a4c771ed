// Types the queries of `arguments[0]` into `input#find`, one keystroke at a time, as a user
// would: the input's value set and an `input` event dispatched at `t0 = performance.now()`;
// then `t1 = performance.now()` in the first animation frame after the page's DOM changed. Each
// keystroke starts some time after the previous one has settled, at no particular point of the
// frame. Calls back with, per keystroke, t1 - t0, or null when the DOM did not change within a
// second.
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
})();
