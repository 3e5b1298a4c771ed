// How long after the app started (its `app-start` mark) the first playlist was on screen (the app's
// `first-playlist` mark), in ms; `null` when either is missing.
const start = performance.getEntriesByName('app-start')[0];
const shown = performance.getEntriesByName('first-playlist')[0];
return start && shown ? shown.startTime - start.startTime : null;
