//! Views the first page does not download. [`split_view!`] makes a function whose code the release build
//! (`cargo xtask build`, which sets `--cfg pkce_split`) moves out of the first wasm into a module of its own,
//! fetched the first time the view is shown; [`deferred`] shows it once it is there. Without the cfg (a plain
//! `trunk build`, the wasm tests) the same function is compiled in and called at once.
//!
//! The split is wasm-split's (the `wasm_split_helpers` macros that Leptos's `#[lazy]` uses, and `wasm-split-cli`
//! in the build). A module that cannot be fetched is an error the page shows, with a way to try again: the
//! `fallible` form, since a panic aborts the whole app.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;

pub use leptos::wasm_split::SplitLoaderError;

/// What a split view returns: the view, or why its code could not be fetched.
pub type Loaded = Result<AnyView, SplitLoaderError>;

/// `split_view!(pub fn name(arg: Type, …) { view })`: an `async fn name(…) -> Loaded` whose body, in the release
/// build, is in a wasm module of its own (named after the function), fetched on the first call.
macro_rules! split_view {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$attr])*
        #[cfg(pkce_split)]
        #[::leptos::wasm_split::wasm_split($name, wasm_split_path = ::leptos::wasm_split, fallible)]
        $vis fn $name($($arg: $ty),*) -> $crate::ui::split::Loaded {
            let view = $body;
            Ok(::leptos::prelude::IntoAny::into_any(view))
        }

        $(#[$attr])*
        #[cfg(not(pkce_split))]
        $vis async fn $name($($arg: $ty),*) -> $crate::ui::split::Loaded {
            let view = $body;
            Ok(::leptos::prelude::IntoAny::into_any(view))
        }
    };
}
pub(crate) use split_view;

/// The view `load` makes, once its code is there (nothing shows before: a split module is a few tens of KB).
/// A failed fetch shows `#split-failed` with a button that tries again; nothing else on the page is lost.
pub fn deferred<Fut>(load: impl Fn() -> Fut + Send + Sync + 'static) -> impl IntoView
where
    Fut: Future<Output = Loaded> + 'static,
{
    let load: Loader = Arc::new(move || Box::pin(load()));
    deferred_view(load)
}

/// How [`deferred`] starts a load: one type, so that the view around it is compiled once.
type Loader = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Loaded>>> + Send + Sync>;

fn deferred_view(load: Loader) -> AnyView {
    let again = Trigger::new();
    let view = move || {
        again.track();
        let pending = send_wrapper::SendWrapper::new(load());
        Suspend::new(async move {
            pending.await.unwrap_or_else(|_| {
                view! {
                    <div id="split-failed" class="error" role="alert">
                        <p>"This part of the app could not be downloaded. Check your connection, then try again."</p>
                        <button type="button" on:click=move |_| again.notify()>"Try again"</button>
                    </div>
                }
                .into_any()
            })
        })
    };
    view.into_any()
}
