//! The JavaScript the benchmark runs in the page, in `js/` (each file says what it does). Every
//! time is `performance.now()` of the page (milliseconds since the document's time origin), so
//! times taken in the page compare directly with the Navigation and Resource Timing entries and
//! the app's `first-playlist` mark. All but the observer are bodies of WebDriver scripts:
//! `arguments` holds their arguments, and an asynchronous one calls back with its result.

/// Put first in the `<head>` of the served page for the library runs.
pub const OBSERVER: &str = include_str!("js/observer.js");
/// What the page recorded of the run.
pub const TIMINGS: &str = include_str!("js/timings.js");
/// Round trips to the provider from the page (asynchronous).
pub const ROUND_TRIPS: &str = include_str!("js/round_trips.js");
/// Scrolls to the end and back (asynchronous).
pub const SCROLL_THROUGH: &str = include_str!("js/scroll_through.js");
/// Types into the find box (asynchronous).
pub const KEYSTROKES: &str = include_str!("js/keystrokes.js");
/// From the app's start to its library on screen.
pub const APP_START_TO_LIBRARY: &str = include_str!("js/app_start_to_library.js");
