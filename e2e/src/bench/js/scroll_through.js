// Scrolls the page to the end in `arguments[0]` steps and back to the top, two animation
// frames per step; calls back with the most playlist rows the observer saw in the DOM.
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
})();
