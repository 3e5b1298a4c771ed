//! A list that renders only the rows near the viewport, whatever its length: the list keeps the height of all
//! its rows (so the page's scrollbar is true to the whole list), and only the rows that can be seen, plus a
//! margin, are in the DOM. Rows have one fixed height, so nothing shifts as rows come and go.
//!
//! Keyboard: in the list, the arrow keys, Page Up/Down, Home and End move the focus from row to row (scrolling
//! rows into the DOM first), so every row is reachable without a mouse.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::viewport::rows_to_render as window_of;

/// A virtual `<ul>` of `count` rows, each `row_px` high. `key` names the item at a position (a row is made again
/// only when its position shows another item) and `row` renders it; the `<li>` is `row`'s to make, and must
/// carry `data-pos` (its position) and be focusable, or hold a focusable link. Not generic (`key` and `row` are
/// callbacks, and a row is an [`AnyView`]), so that the list is compiled once for every list of the app.
#[component]
pub fn VirtualList(
    id: &'static str,
    class: &'static str,
    /// What the list is, for assistive technology.
    label: &'static str,
    count: Signal<usize>,
    row_px: u32,
    key: Callback<usize, Option<String>>,
    row: Callback<usize, AnyView>,
) -> impl IntoView {
    let list = NodeRef::<html::Ul>::new();
    let range = RwSignal::new((0usize, 0usize));
    let row_f = f64::from(row_px);
    let measure = move || {
        let (Some(ul), Some(window)) = (list.get_untracked(), web_sys::window()) else {
            return;
        };
        let top = ul.get_bounding_client_rect().top();
        let viewport = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(800.0);
        let next = window_of(top, viewport, row_f, count.get_untracked());
        if range.get_untracked() != next {
            range.set(next);
        }
    };
    let on_scroll = window_event_listener(ev::scroll, move |_| measure());
    let on_resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || {
        on_scroll.remove();
        on_resize.remove();
    });
    // Measure again when the list grows or its order changes, and once it is in the page.
    Effect::new(move || {
        count.track();
        list.track();
        measure();
    });

    let focus_row = move |pos: usize| {
        let Some(ul) = list.get_untracked() else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let top = ul.get_bounding_client_rect().top() + window.scroll_y().unwrap_or(0.0);
        let row_top = top + pos as f64 * row_f;
        let viewport = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(800.0);
        let scroll = window.scroll_y().unwrap_or(0.0);
        // Keep clear of the sticky header.
        let margin = 2.0 * row_f;
        if row_top < scroll + margin || row_top + row_f > scroll + viewport {
            window.scroll_to_with_x_and_y(0.0, (row_top - viewport / 2.0).max(0.0));
        }
        measure();
        // The row exists once the render after `measure` has run.
        request_animation_frame(move || {
            let selector = format!("li[data-pos=\"{pos}\"]");
            let Some(li) = ul.query_selector(&selector).ok().flatten() else {
                return;
            };
            let target = li.query_selector("a").ok().flatten().unwrap_or(li);
            if let Ok(target) = target.dyn_into::<web_sys::HtmlElement>() {
                let _ = target.focus();
            }
        });
    };
    let on_key = move |event: ev::KeyboardEvent| {
        let n = count.get_untracked();
        if n == 0 {
            return;
        }
        let current = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("li[data-pos]").ok().flatten())
            .and_then(|li| li.get_attribute("data-pos"))
            .and_then(|p| p.parse::<usize>().ok());
        let page = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
            .map_or(10, |h| ((h / row_f) as usize).max(1));
        let target = match (event.key().as_str(), current) {
            ("ArrowDown", Some(p)) => (p + 1).min(n - 1),
            ("ArrowDown", None) => 0,
            ("ArrowUp", Some(p)) => p.saturating_sub(1),
            ("PageDown", Some(p)) => (p + page).min(n - 1),
            ("PageUp", Some(p)) => p.saturating_sub(page),
            ("Home", _) => 0,
            ("End", _) => n - 1,
            _ => return,
        };
        event.prevent_default();
        focus_row(target);
    };

    let rows = move || {
        let (first, last) = range.get();
        (first..last.min(count.get())).collect::<Vec<_>>()
    };
    view! {
        <ul id=id class=class aria-label=label node_ref=list tabindex="0" on:keydown=on_key
            style:height=move || format!("{}px", count.get() * row_px as usize)
            style:padding-top=move || format!("{}px", range.get().0.min(count.get()) * row_px as usize)>
            <For each=rows key=move |pos| (*pos, key.run(*pos)) let:pos>
                {row.run(pos)}
            </For>
        </ul>
    }
}
