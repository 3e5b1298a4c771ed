//! `/`: the signed-in user's library. The library is kept in the app's state, so that leaving for a playlist
//! and coming back does not read it again.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::export::export_view;
use super::login::LoginButton;
use super::paged::{Explained, Load, LoadStatus, PagedList, Sink};
use super::split::deferred;
use super::virtual_list::VirtualList;
use super::When;
use super::{use_app, AppState};
use crate::browser::{local_copy, location, session, text, BrowserSession, Fetch, SessionTokens};
use crate::session::copy::{Freshness, LibraryCopy};
use crate::session::{sign_in_ends_at, sign_in_ends_soon, LibraryRead, SessionError, TokenStore};
use crate::spotify::arrange::{words, Arranger, SearchKey, Sort};
use crate::spotify::paging::PLAYLISTS_PAGE_LIMIT;
use crate::spotify::{Access, ItemsAccess, Playlist, PlaylistId, User};

/// A playlist of the library, with what it is found and sorted by (made once, when it arrives).
pub struct Listed {
    pub playlist: Playlist,
    pub key: SearchKey,
}

impl Listed {
    pub fn new(playlist: Playlist) -> Self {
        let key = SearchKey::of(&playlist, &text::decompose);
        Listed { playlist, key }
    }
}

/// The size covers are shown at, in CSS pixels.
const COVER_PX: u32 = 64;

/// The signed-in user and their library, as far as it has been read, and what the API has shown this app may
/// read. Lives as long as the session: log out forgets it.
#[derive(Clone, Copy)]
pub struct Library {
    pub user: RwSignal<Option<User>>,
    pub list: PagedList<Arc<Listed>>,
    pub access: RwSignal<ItemsAccess>,
    /// Where the read of the library stands, so that "Try again" resumes it.
    read: StoredValue<LibraryRead>,
    /// When what is shown was read, when it comes from the session's local copy.
    pub read_at: RwSignal<Option<u64>>,
    /// How many Liked Songs the user has, once read.
    pub liked_total: RwSignal<Option<u32>>,
}

impl Library {
    pub fn new() -> Self {
        Library {
            user: RwSignal::new(None),
            list: PagedList::new(),
            access: RwSignal::new(ItemsAccess::default()),
            read: StoredValue::new(LibraryRead::default()),
            read_at: RwSignal::new(None),
            liked_total: RwSignal::new(None),
        }
    }

    /// The playlist `id`, when the library holds it.
    pub fn find(&self, id: &PlaylistId) -> Option<Playlist> {
        self.list
            .items
            .try_with_untracked(|all| {
                all.iter()
                    .find(|p| &p.playlist.id == id)
                    .map(|p| p.playlist.clone())
            })
            .flatten()
    }

    /// Forgets everything (log out, or a new sign-in).
    pub fn reset(&self) {
        self.list.reset();
        self.user.set(None);
        self.access.set(ItemsAccess::default());
        self.read.set_value(LibraryRead::default());
        self.read_at.set(None);
        self.liked_total.set(None);
    }

    /// The signed-in user's id, once known (empty before).
    pub fn user_id(&self) -> String {
        self.user.get_untracked().map(|u| u.id).unwrap_or_default()
    }

    /// The playlists read so far, in the library's order.
    pub fn playlists(&self) -> Vec<Playlist> {
        self.list
            .items
            .try_with_untracked(|all| all.iter().map(|p| p.playlist.clone()).collect())
            .unwrap_or_default()
    }

    /// What a copy of the library holds now, read at `now_ms`.
    fn copy(&self, user: User, now_ms: u64) -> Option<LibraryCopy> {
        let playlists = self
            .list
            .items
            .try_with_untracked(|all| all.iter().map(|p| p.playlist.clone()).collect())?;
        Some(LibraryCopy {
            read_at_ms: now_ms,
            user,
            total: self.list.total.try_get_untracked().flatten()?,
            playlists,
            skipped: self.list.skipped.try_get_untracked()?,
            access: self.access.try_get_untracked()?,
            liked_total: self.liked_total.try_get_untracked()?,
        })
    }
}

/// Shows the library from `copy`, as read at its time.
fn show_copy(sink: &Sink<Arc<Listed>>, library: Library, copy: &LibraryCopy) {
    sink.set(library.user, Some(copy.user.clone()));
    sink.set(library.access, copy.access);
    sink.set(library.read_at, Some(copy.read_at_ms));
    sink.set(library.liked_total, copy.liked_total);
    let _ = sink.push(
        copy.playlists
            .iter()
            .cloned()
            .map(|p| Arc::new(Listed::new(p))),
        copy.total,
        copy.skipped,
    );
    sink.flush();
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

/// Asks the API, once per kind, whether this app may read the entries of a playlist the user only follows and
/// of one of Spotify's own, so the list can mark what cannot be opened. A failure leaves it unknown.
async fn learn_access(session: &BrowserSession<'_>, library: Library, user: &User) {
    for kind in [Access::Followed, Access::SpotifyOwned] {
        // The page may be gone after any await: every read of its state is a `try_`.
        let Some(mut access) = library.access.try_get_untracked() else {
            return;
        };
        if access.readable(kind).is_some() {
            continue;
        }
        let sample = library.list.items.try_with_untracked(|all| {
            all.iter()
                .find(|p| p.playlist.access_for(&user.id) == kind)
                .map(|p| p.playlist.id.clone())
        });
        let Some(sample) = sample.flatten() else {
            continue;
        };
        if let Ok(readable) = session.can_read_items(&sample).await {
            access.learn(kind, readable);
            library.access.try_set(access);
        }
    }
}

/// How a load of the library starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// The session's local copy when there is a good one (checked with two calls), else Spotify.
    Copy,
    /// Spotify, in full (the user asked, with Refresh).
    Spotify,
    /// On from where the last read stopped, keeping what is shown ("Try again").
    Resume,
}

/// Reads the user and the library into the app's state, as `from` says; a complete read is kept as the session's
/// local copy.
fn load(app: AppState, from: Start) {
    let library = app.library;
    let from = match from {
        // Nothing to resume (nothing read yet, or the copy shown unchecked): start again from the copy.
        Start::Resume
            if library
                .read
                .with_value(|r| r.cursor.total.is_none() || r.cursor.done) =>
        {
            Start::Copy
        }
        other => other,
    };
    let resume = from == Start::Resume;
    // While the daily quota is spent, Refresh keeps what is shown and says why it does not read.
    if from == Start::Spotify {
        if let Some(pause) = session(app.config, &Fetch::default()).quota_pause() {
            library
                .list
                .load
                .set(Load::Failed(SessionError::Quota(pause)));
            return;
        }
    }
    if !resume {
        library.read.set_value(LibraryRead::default());
    }
    if from == Start::Copy {
        library.read_at.set(None);
    }
    let task = move |sink: Sink<Arc<Listed>>, fetch: Fetch| async move {
        let session = session(app.config, &fetch);
        let Some(mut read) = library.read.try_get_value() else {
            return Ok(());
        };
        let key = SessionTokens.load().map(|t| t.key);
        let copy = match (&key, from) {
            (Some(key), Start::Copy) => local_copy::library(key).await,
            _ => None,
        };
        let now = js_sys::Date::now() as u64;
        // While the daily quota is spent, the copy is shown as it is, however old, and not checked.
        let paused = session.quota_pause();
        let usable = |c: &LibraryCopy| {
            paused.is_some()
                || c.freshness(now, app.config.library_max_age_hours) == Freshness::Check
        };
        if let Some(copy) = copy.filter(usable) {
            show_copy(&sink, library, &copy);
            if let Some(pause) = paused {
                if sink.is_current() {
                    library.read.set_value(LibraryRead::finished(copy.total));
                }
                return Err(SessionError::Quota(pause));
            }
            // Two calls say whether anything changed at the top of the library since the copy was read.
            let (me, first) =
                futures::future::join(session.me(), session.library_first_page()).await;
            let (me, first) = match (me, first) {
                (Ok(me), Ok(first)) => (me, first),
                (Err(a), Err(b)) => return Err(telling(a, b)),
                (Err(e), _) | (_, Err(e)) => return Err(e),
            };
            if copy.unchanged(&me, &first) {
                sink.set(library.user, Some(me));
                if sink.is_current() {
                    library.read.set_value(LibraryRead::finished(copy.total));
                }
                return Ok(());
            }
            // It changed: read it again, going on after the first page just read.
            sink.clear();
            sink.set(library.read_at, None);
            sink.set(library.user, Some(me));
            let total = first.total;
            let skipped = first.skipped;
            let (after_first, added) = LibraryRead::after_first_page(first, PLAYLISTS_PAGE_LIMIT);
            read = after_first;
            let _ = sink.push(
                added.into_iter().map(|p| Arc::new(Listed::new(p))),
                total,
                skipped,
            );
        }
        // Who the user is and the first page of the library are asked for at once: the first playlist shows
        // after one round trip, not two.
        let known = library.user.try_get_untracked().flatten();
        let me = async {
            match known {
                Some(me) => Ok(me),
                None => {
                    let me = session.me().await?;
                    sink.set(library.user, Some(me.clone()));
                    Ok::<User, SessionError>(me)
                }
            }
        };
        // A Refresh keeps what is shown until the first page of the new read is in.
        let mut replace = from == Start::Spotify;
        let pages = session.library(&mut read, |added, total, skipped| {
            if std::mem::take(&mut replace) {
                sink.clear();
                sink.set(library.read_at, None);
            }
            sink.push(
                added.into_iter().map(|p| Arc::new(Listed::new(p))),
                total,
                skipped,
            )
        });
        let (me, result) = futures::future::join(me, pages).await;
        if sink.is_current() {
            library.read.set_value(read);
        }
        let me = match (me, result) {
            (Ok(me), Ok(())) => me,
            (Err(a), Err(b)) => return Err(telling(a, b)),
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if sink.is_current() {
            sink.flush();
            learn_access(&session, library, &me).await;
        }
        // Then, without holding up the load's end: how many Liked Songs, for their row (one entry asked for),
        // and the copy of what was read, with that count.
        let complete = library.read.try_with_value(|r| r.cursor.done) == Some(true);
        if sink.is_current() && complete {
            let fetch = fetch.clone();
            let config = app.config;
            spawn_local(async move {
                let session = crate::browser::session(config, &fetch);
                if session.may_read_liked() {
                    if let Ok(total) = session.liked_total().await {
                        library.liked_total.try_set(Some(total));
                    }
                }
                // Only while the session that read it is still this tab's.
                let still = key.filter(|key| {
                    SessionTokens
                        .load()
                        .is_some_and(|t| t.key.names() == key.names())
                });
                let now = js_sys::Date::now() as u64;
                if let (Some(key), Some(copy)) = (still, library.copy(me, now)) {
                    local_copy::keep_library(&key, copy, copy_until(app, now));
                }
            });
        }
        Ok(())
    };
    match from {
        Start::Resume | Start::Spotify => library.list.resume(app, task),
        Start::Copy => library.list.start(app, task),
    }
}

/// Of two reads that failed together, the failure to show: the one that says why the session ended, when one
/// does (the other may only have found the tokens gone).
fn telling(a: SessionError, b: SessionError) -> SessionError {
    if a.end().is_none() && b.end().is_some() {
        b
    } else {
        a
    }
}

/// Until when a copy made at `now_ms` is kept: as long as it may be shown.
pub fn copy_until(app: AppState, now_ms: u64) -> u64 {
    now_ms + u64::from(app.config.library_max_age_hours) * 60 * 60 * 1000
}

/// Starts reading the library unless a read is under way or done: called by the page.
pub fn start_library(app: AppState) {
    if app.library.list.load.get_untracked() == Load::Idle {
        load(app, Start::Copy);
    }
}

/// Starts reading the library of a session that has just signed in, from Spotify: its key is new, so it has no
/// copy to look for (opening IndexedDB would only delay the first requests). Called by the callback before it
/// shows the page, so that the first requests leave before the page is built.
pub fn start_new_library(app: AppState) {
    if app.library.list.load.get_untracked() == Load::Idle {
        load(app, Start::Spotify);
    }
}

/// The address bar's `q` and `sort`, read when the page is made.
fn query_from_address() -> (String, Sort) {
    let search = location::search();
    let mut query = String::new();
    let mut sort = Sort::default();
    for (name, value) in crate::form::parse(search.trim_start_matches('?')) {
        match name.as_ref() {
            "q" => query = value.chars().take(200).collect(),
            "sort" => sort = Sort::parse(&value),
            _ => {}
        }
    }
    (query, sort)
}

/// Writes `q` and `sort` into the address bar (replacing the entry: typing is not navigation), so that a reload
/// keeps them and the address can be shared.
fn query_to_address(query: &str, sort: Sort) {
    let mut params = crate::form::Form::new();
    if !query.is_empty() {
        params.append_pair("q", query);
    }
    if let Some(sort) = sort.as_query() {
        params.append_pair("sort", sort);
    }
    let params = params.finish();
    let path = if params.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{params}")
    };
    location::replace_url(&path);
}

/// The signed-in screen: who is signed in, a find box and a sort, and the playlists as they load, in a virtual
/// list.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let app = use_app();
    let library = app.library;
    let list = library.list;
    start_library(app);
    let log_out = move |_| app.log_out();
    let retry = move || load(app, Start::Resume);
    let refresh = move |_| load(app, Start::Spotify);

    let (initial_query, initial_sort) = query_from_address();
    let query = RwSignal::new(initial_query);
    let sort = RwSignal::new(initial_sort);
    // The address follows the find box once typing pauses: one history write per pause, not per keystroke.
    let address_write = StoredValue::new_local(None::<TimeoutHandle>);
    // Cancels the write waiting for a pause; says whether there was one.
    let cancel_write = move || match address_write.try_update_value(Option::take) {
        Some(Some(pending)) => {
            pending.clear();
            true
        }
        _ => false,
    };
    Effect::new(move || {
        let (q, sort) = (query.get(), sort.get());
        cancel_write();
        let write = set_timeout_with_handle(
            move || query_to_address(&q, sort),
            std::time::Duration::from_millis(ADDRESS_WRITE_DELAY_MS),
        );
        address_write.try_set_value(write.ok());
    });
    on_cleanup(move || {
        cancel_write();
    });
    // Leaving the find box or the sort (to follow a link, say) writes a pending query at once, so the history
    // entry keeps it.
    let write_now = move |_| {
        if cancel_write() {
            query.with_untracked(|q| query_to_address(q, sort.get_untracked()));
        }
    };
    // The positions of the playlists shown, in order. A keystroke that narrows the query filters what the one
    // before showed, and a backspace finds its answer remembered; otherwise the whole library is filtered.
    let arranger = StoredValue::new(Arranger::default());
    let order = Memo::new(move |_| {
        let words = words(&query.get(), &text::decompose);
        let sort = sort.get();
        let generation = list.generation();
        list.items.with(|items| {
            let keys: Vec<&SearchKey> = items.iter().map(|p| &p.key).collect();
            arranger
                .try_update_value(|a| a.arrange(generation, &keys, &words, sort))
                .unwrap_or_default()
        })
    });
    let count = Signal::derive(move || order.with(Vec::len));
    // `performance.mark("first-playlist")` once the first row is on screen, for `cargo xtask bench`.
    let marked = StoredValue::new(false);
    Effect::new(move || {
        if count.get() > 0 && !marked.get_value() {
            marked.set_value(true);
            request_animation_frame(|| {
                if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = performance.mark("first-playlist");
                }
            });
        }
    });
    let title = NodeRef::<leptos::html::H1>::new();
    Effect::new(move || {
        if let Some(title) = title.get() {
            let _ = title.focus();
        }
    });

    view! {
        <header class="top">
            <h1 id="page-title" class="brand" tabindex="-1" node_ref=title>"Your playlists"</h1>
            <span class="who">
                {move || library.user.get().map(|u| view! { <span id="user-name">{u.name().to_owned()}</span> })}
                <button id="logout" type="button" on:click=log_out>"Log out"</button>
            </span>
        </header>
        <main class="page">
            <div class="tools" role="search" on:focusout=write_now>
                <label class="find">
                    <span class="visually-hidden">"Find a playlist by name or owner"</span>
                    <input id="find" type="search" placeholder="Find by name or owner" autocomplete="off"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
                <label class="sort">
                    "Sort by "
                    <select id="sort" on:change=move |ev| sort.set(Sort::parse(&event_target_value(&ev)))>
                        {Sort::ALL.map(|option| view! {
                            <option value=option.as_query().unwrap_or("spotify")
                                selected=move || sort.get() == option>{option.label()}</option>
                        })}
                    </select>
                </label>
            </div>
            <LoadStatus list=list.status() singular="playlist" plural="playlists" retry=retry
                explain=Callback::new(|error: SessionError| Explained::of(&error))/>
            <CopyStatus library=library refresh=refresh/>
            <SignInEnds/>
            <LikedRow library=library/>
            <When when=Signal::derive(move || list.load.get() == Load::Done)>
                {deferred(move || export_view(app))}
            </When>
            <When when=Signal::derive(move || list.load.get() == Load::Done && list.is_empty())>
                <p id="empty-library" class="empty">
                    "You have no playlists yet. Playlists you create or follow on Spotify will appear here."
                </p>
            </When>
            <When when=Signal::derive(move || !query.with(String::is_empty) && !list.is_empty())>
                <p id="match-count" class="summary" role="status" data-count=move || count.get()
                    data-total=move || list.len()>
                    {move || format!("{} of {} playlists match", text::number(count.get() as u32),
                        text::number(list.len() as u32))}
                </p>
            </When>
            <When when=Signal::derive(move || !list.is_empty() && count.get() == 0)>
                <p id="no-match" class="empty" role="status">"No playlist matches your search."</p>
            </When>
            <VirtualList id="playlists" class="playlists" label="Your playlists" count=count row_px=ROW_PX
                key=Callback::new(move |pos: usize| order.with_untracked(|o| o.get(pos).copied()).and_then(|i| {
                    list.items.with_untracked(|all| all.get(i as usize).map(|p| p.playlist.id.to_string()))
                }))
                row=Callback::new(move |pos: usize| {
                    let listed = order
                        .with_untracked(|o| o.get(pos).copied())
                        .and_then(|i| list.items.with_untracked(|all| all.get(i as usize).cloned()));
                    listed.map(|listed| view! { <PlaylistRow listed=listed pos=pos library=library/> }).into_any()
                })/>
            <CallCount load=list.load/>
        </main>
    }
}

/// When the sign-in ends (`#sign-in-ends[data-ends-at]`), and in its last week a warning with a way to sign in
/// again (`button#renew-sign-in`): Spotify refuses a refresh token six months after the authorization.
#[component]
fn SignInEnds() -> impl IntoView {
    let ends_at = SessionTokens
        .load()
        .and_then(|t| sign_in_ends_at(&t.grant))?;
    let soon = sign_in_ends_soon(ends_at, js_sys::Date::now() as u64);
    let date: String = js_sys::Date::new(&(ends_at as f64).into())
        .to_locale_date_string("default", &js_sys::Object::new())
        .into();
    Some(view! {
        <div id="sign-in-ends" class=if soon { "sign-in-ends warning" } else { "sign-in-ends" } data-ends-at=ends_at
            data-soon=soon.then_some("yes")>
            {if soon {
                format!(
                    "Your sign-in ends on {date}: Spotify ends an app's access six months after you sign in. Sign \
                     in again now to carry on without a break."
                )
            } else {
                format!("Signed in until {date}.")
            }}
            {soon.then(|| view! { " " <LoginButton id="renew-sign-in" label="Sign in again"/> })}
        </div>
    })
}

/// Liked Songs, the library's first row (`a#liked-songs[data-count]`), with their count once read.
#[component]
fn LikedRow(library: Library) -> impl IntoView {
    let count = move || {
        library.liked_total.get().map(|n| match n {
            1 => "1 track".to_owned(),
            n => format!("{} tracks", text::number(n)),
        })
    };
    view! {
        <a id="liked-songs" class="liked" href="/liked" data-count=move || library.liked_total.get()>
            <span class="cover liked-cover" aria-hidden="true">"♥"</span>
            <span class="meta">
                <span class="playlist-name">"Liked Songs"</span>
                <span class="details">{count}</span>
            </span>
        </a>
    }
}

/// When what is shown was read, when it comes from the local copy (`#read-at[data-read-at]`), and Refresh
/// (`button#refresh`), which reads the whole library again and says first what that costs in calls; or why there
/// is no copy (`#copy-notice`).
#[component]
fn CopyStatus(
    library: Library,
    refresh: impl Fn(()) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let list = library.list;
    let cost = move || {
        let pages = list
            .total
            .get()
            .unwrap_or(0)
            .div_ceil(PLAYLISTS_PAGE_LIMIT)
            .max(1);
        match pages + 1 {
            1 => "1 call".to_owned(),
            n => format!("about {} calls", text::number(n)),
        }
    };
    let idle = move || !matches!(list.load.get(), Load::Loading);
    view! {
        <p class="copy-status">
            {move || library.read_at.get().map(|at| {
                let time: String = js_sys::Date::new(&(at as f64).into())
                    .to_locale_string("default", &js_sys::Object::new())
                    .into();
                view! { <span id="read-at" data-read-at=at>"Read from Spotify at " {time} ". "</span> }
            })}
            {move || idle().then(|| view! {
                <button id="refresh" type="button" on:click=move |_| refresh(())>
                    "Refresh from Spotify (" {cost} ")"
                </button>
            })}
            {move || { list.load.track(); local_copy::degraded() }.map(|why| view! {
                <span id="copy-notice" data-error="copy-unavailable">" " {why.to_string()}</span>
            })}
        </p>
    }
}

/// How many Web API calls this browser's tabs of the app made in the last 24 hours (`#calls[data-count]`): a
/// Development Mode app's quota is counted per client id over a rolling day, so every call counts. Read again
/// whenever the load's state changes.
#[component]
fn CallCount(load: RwSignal<Load>) -> impl IntoView {
    let calls = move || {
        load.track();
        crate::browser::tabs::calls_today()
    };
    view! {
        <p id="calls" class="calls" data-count=calls>
            {move || match calls() {
                1 => "1 call to Spotify's Web API from this browser in the last 24 hours.".to_owned(),
                n => format!("{} calls to Spotify's Web API from this browser in the last 24 hours.", text::number(n)),
            }}
        </p>
    }
}

/// How long the find box waits after a keystroke before it writes the query into the address.
const ADDRESS_WRITE_DELAY_MS: u64 = 300;

/// The height of a row of the list, in CSS pixels (the style sheet's `.playlist` has the same).
const ROW_PX: u32 = 80;

/// One playlist. `data-access` says whose it is (`own`, `followed`, `spotify`); `data-readable="no"` marks one
/// whose entries the API has shown this app may not read.
#[component]
fn PlaylistRow(listed: Arc<Listed>, pos: usize, library: Library) -> impl IntoView {
    // Whose the playlist is, once the user is known (asked for at the same time as the first page), and whether
    // the API has shown that this app may not read its entries. Both change at most once or twice in a session,
    // so the row is made again when they do: one reactive node per row, which keeps a keystroke in the find box
    // (every row shown made anew) cheap.
    move || {
        let access = library
            .user
            .with(|u| u.as_ref().map(|u| listed.playlist.access_for(&u.id)));
        // The user's own playlists are always readable: only the others follow what the API has shown.
        let unreadable = match access {
            None | Some(Access::Own) => false,
            Some(access) => library.access.with(|a| a.readable(access)) == Some(false),
        };
        playlist_row(&listed.playlist, pos, access, unreadable)
    }
}

fn playlist_row(
    playlist: &Playlist,
    pos: usize,
    access: Option<Access>,
    unreadable: bool,
) -> impl IntoView {
    let cover = match playlist.cover_url(COVER_PX) {
        Some(url) => view! {
            // The URL last, once the attributes that govern its loading are set: a `referrerpolicy` set after it
            // starts the image's request again.
            <img class="cover" alt="" width=COVER_PX height=COVER_PX loading="lazy" decoding="async"
                referrerpolicy="no-referrer" src=url.to_owned()/>
        }
        .into_any(),
        None => view! { <div class="cover placeholder" aria-hidden="true">"♪"</div> }.into_any(),
    };
    let tracks = match playlist.track_count() {
        Some(1) => "1 track".to_owned(),
        Some(n) => format!("{} tracks", text::number(n)),
        None => String::new(),
    };
    let why = match access {
        Some(Access::SpotifyOwned) => "Spotify does not let apps read its own playlists",
        _ => "Spotify lets apps in Development Mode read only playlists you own or collaborate on",
    };
    let owner = playlist.owner_name().to_owned();
    view! {
        <li class="playlist" data-id=playlist.id.to_string() data-pos=pos
            data-access=access.map(Access::code) data-readable=unreadable.then_some("no")>
            {cover}
            <div class="meta">
                <a class="playlist-name" href=format!("/playlist/{}", playlist.id)
                    title=playlist.display_name().to_owned()>
                    {playlist.display_name().to_owned()}
                </a>
                <span class="details">
                    {(!owner.is_empty()).then(|| view! { <span class="owner">"by " {owner}</span> })}
                    <span class="tracks">{tracks}</span>
                </span>
            </div>
            <span class="badges">
                {(playlist.public == Some(true)).then(|| view! { <span class="badge">"Public"</span> })}
                {playlist.collaborative.then(|| view! { <span class="badge">"Collaborative"</span> })}
                {unreadable.then(|| view! {
                    <span class="badge restricted" title=why>"Opens on Spotify only"</span>
                })}
            </span>
        </li>
    }
}
