// Scrolls to the end in `arguments[0]` steps and back, two frames a step; calls back with the
// observer's `maxRows`.
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
