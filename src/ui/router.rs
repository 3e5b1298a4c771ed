//! The app's three routes over `history.pushState` and `popstate`. The address bar's path is a signal;
//! [`Route::parse`] (pure, host-tested) turns it into the page to show. A click on a link to a path of this app
//! becomes a `pushState`, unless a modifier key or another button is held, the link opens elsewhere (`target`,
//! `download`, `rel="external"`), or someone else has handled the click: then the browser does what it always
//! does (new tab, new window, download). Back and forward come in as `popstate`.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::route::is_in_app;
pub use crate::route::Route;

/// The address bar's path, as a signal. `Copy`: closures capture it.
#[derive(Clone, Copy)]
pub struct Router {
    path: RwSignal<String>,
}

fn pathname() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

impl Router {
    /// Follows the address bar: `popstate`, and clicks on links to paths of this app. The listeners go when the
    /// owner that made the router goes.
    pub fn start() -> Router {
        let router = Router {
            path: RwSignal::new(pathname()),
        };
        provide_context(router);
        let on_pop = window_event_listener(leptos::ev::popstate, move |_| {
            router.path.try_set(pathname());
        });
        let on_click = window_event_listener(leptos::ev::click, move |ev| {
            if let Some(href) = in_app_link(&ev) {
                ev.prevent_default();
                router.navigate(&href, false);
            }
        });
        on_cleanup(move || {
            on_pop.remove();
            on_click.remove();
        });
        router
    }

    /// The page the address bar names.
    pub fn route(&self) -> Memo<Route> {
        let path = self.path;
        Memo::new(move |_| path.with(|p| Route::parse(p)))
    }

    /// Goes to `to` (a path of this app) without loading a page; `replace` replaces the current history entry
    /// instead of adding one. Scrolls to the top, as a page load would.
    pub fn navigate(&self, to: &str, replace: bool) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(history) = window.history() {
            let _ = if replace {
                history.replace_state_with_url(&JsValue::NULL, "", Some(to))
            } else {
                history.push_state_with_url(&JsValue::NULL, "", Some(to))
            };
        }
        window.scroll_to_with_x_and_y(0.0, 0.0);
        self.path.try_set(crate::route::path_of(to).to_owned());
    }
}

/// The app's router, when there is one (views mounted alone in tests have none).
pub fn use_router() -> Option<Router> {
    use_context::<Router>()
}

/// The path of the in-app link that `ev` (a click) follows, when the app should follow it itself.
fn in_app_link(ev: &web_sys::MouseEvent) -> Option<String> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let anchor = target.closest("a[href]").ok()??;
    if anchor.has_attribute("target")
        || anchor.has_attribute("download")
        || anchor
            .get_attribute("rel")
            .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "external"))
    {
        return None;
    }
    let href = anchor.get_attribute("href")?;
    is_in_app(&href).then_some(href)
}
