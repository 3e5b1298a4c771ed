// From the app's `app-start` mark to its `first-playlist` mark, in ms, or `null`.
const start = performance.getEntriesByName('app-start')[0];
const shown = performance.getEntriesByName('first-playlist')[0];
return start && shown ? shown.startTime - start.startTime : null;
