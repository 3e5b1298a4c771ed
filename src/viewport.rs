//! Which rows of a long list to render: the arithmetic of the virtual list, kept pure so it is host-tested.

/// Rows rendered above and below the visible ones. The list is rendered again on every scroll event, before
/// the frame is painted, so a few are enough to show no blank rows; every row more is built again on every
/// keystroke in the find box.
pub const OVERSCAN: usize = 4;
/// A list this short is rendered whole: it costs little, and nothing changes as it is scrolled.
pub const WHOLE_UP_TO: usize = 30;
/// The most rows ever rendered at once, however tall the window.
pub const MAX_ROWS: usize = 150;

/// The positions `[first, last)` to render of a list of `count` rows of `row_px` each, whose top is at
/// `list_top_px` relative to a viewport `viewport_px` high (negative once the list's top has scrolled past).
pub fn rows_to_render(
    list_top_px: f64,
    viewport_px: f64,
    row_px: f64,
    count: usize,
) -> (usize, usize) {
    if count <= WHOLE_UP_TO {
        return (0, count);
    }
    let row_px = row_px.max(1.0);
    let scrolled = (-list_top_px).max(0.0);
    let first_visible = (scrolled / row_px).floor() as usize;
    // The part of the viewport the list can fill: below its top while that is in view.
    let shown_px = (viewport_px - list_top_px.max(0.0)).max(0.0);
    let visible = (shown_px / row_px).ceil() as usize + 1;
    let first = first_visible.saturating_sub(OVERSCAN).min(count);
    let last = (first_visible + visible + OVERSCAN)
        .min(count)
        .min(first + MAX_ROWS);
    (first, last.max(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against rendering the whole list, or leaving a gap at the top, in the middle or at the end.
    #[test]
    fn renders_only_what_can_be_seen() {
        // 700 px of the list in view: 10 rows, one that may be cut, and the overscan below.
        assert_eq!(rows_to_render(100.0, 800.0, 72.0, 10_000), (0, 15));
        // Below the fold: nothing.
        assert_eq!(rows_to_render(900.0, 800.0, 72.0, 10_000), (0, 5));
        assert_eq!(
            rows_to_render(-72.0 * 5_000.0, 800.0, 72.0, 10_000),
            (4_996, 5_017)
        );
        assert_eq!(
            rows_to_render(-72.0 * 10_000.0, 800.0, 72.0, 10_000),
            (9_996, 10_000)
        );
        assert_eq!(rows_to_render(0.0, 800.0, 72.0, 3), (0, 3));
        // A short list is rendered whole, wherever it is.
        assert_eq!(
            rows_to_render(5_000.0, 800.0, 72.0, WHOLE_UP_TO),
            (0, WHOLE_UP_TO)
        );
        assert_eq!(
            rows_to_render(-1e9, 800.0, 72.0, WHOLE_UP_TO),
            (0, WHOLE_UP_TO)
        );
        assert_eq!(rows_to_render(0.0, 800.0, 72.0, 0), (0, 0));
        let (first, last) = rows_to_render(0.0, 100_000.0, 72.0, 10_000);
        assert_eq!(first, 0);
        assert_eq!(last, MAX_ROWS);
        // Scrolled far past a list that shrank: nothing, not a panic.
        assert_eq!(rows_to_render(-1e9, 800.0, 72.0, 100), (100, 100));
    }
}
