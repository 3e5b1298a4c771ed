// Types `arguments[0]` into `input#find`, one query per keystroke, each some time after the last
// settled (at no particular point of a frame); calls back with, per keystroke, the ms from the
// `input` event to the first animation frame after the DOM changed, or null after a second.
const [queries, done] = arguments;
const input = document.querySelector("input#find");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const one = (query) => new Promise((resolve) => {
  let t0 = 0, changed = false;
  const finish = (ms) => { observer.disconnect(); resolve(ms); };
  const observer = new MutationObserver(() => {
    if (!changed) requestAnimationFrame(() => finish(performance.now() - t0));
    changed = true;
  });
  const all = { subtree: true, childList: true, attributes: true, characterData: true };
  observer.observe(document.body, all);
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
