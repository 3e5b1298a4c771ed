//! Exports, made in the page and downloaded (nothing is uploaded): one playlist or Liked Songs, the library's
//! list of playlists, and everything (every playlist the app may read, and Liked Songs), which says first what it
//! costs in calls, shows its progress, can be cancelled, stops cleanly on a spent quota and resumes where it
//! stopped without reading a page twice.

use std::collections::{HashMap, HashSet};

use futures::StreamExt as _;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::paged::{Explained, Load};
use super::playlists::{copy_until, Library};
use super::split::split_view;
use super::AppState;
use super::When;
use crate::browser::{download, local_copy, session, Cancel, SessionTokens};
use crate::session::copy::EntriesCopy;
use crate::session::everything::Plan;
use crate::session::{Cursor, SessionError, TokenStore};
use crate::spotify::export::{CsvFlavor, Export, PlaylistRow};
use crate::spotify::{ApiError, Playlist, PlaylistEntry, PlaylistId};

/// How many playlists "export everything" reads at once (each reads its own pages as a library's are read).
const PLAYLISTS_IN_FLIGHT: usize = 8;

/// A file format the user picks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv;charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// Writes `export` in `format` (`entries`: one row per entry; otherwise one per playlist) and offers it as a
/// download named after `title`.
fn offer(export: &Export, format: Format, entries: bool, title: &str) {
    let contents = match (format, entries) {
        (Format::Json, _) => export.to_json(),
        (Format::Csv, true) => export.entries_csv(CsvFlavor::Spreadsheet),
        (Format::Csv, false) => export.playlists_csv(CsvFlavor::Spreadsheet),
    };
    let date = export.exported_at.get(..10).unwrap_or("export");
    let name = download::file_name(&format!("{title} {date}"), "export", format.extension());
    download::offer(&name, format.mime(), &contents);
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// "Export CSV" and "Export JSON" for a list of entries that has been read whole (`#export-csv`, `#export-json`).
#[component]
pub fn ExportEntries(
    load: RwSignal<Load>,
    title: Signal<String>,
    /// The list's row, with its entries (a callback: the panel is compiled once for every list).
    #[prop(into)]
    row: Callback<(), Option<PlaylistRow>>,
) -> impl IntoView {
    let export = move |format: Format| {
        if let Some(row) = row.run(()) {
            offer(
                &Export::new(now_ms(), vec![row]),
                format,
                true,
                &title.get_untracked(),
            );
        }
    };
    view! {
        <When when=Signal::derive(move || load.get() == Load::Done)>
            <p class="exports">
                <button id="export-csv" type="button" on:click=move |_| export(Format::Csv)>"Export CSV"</button>
                <button id="export-json" type="button" on:click=move |_| export(Format::Json)>"Export JSON"</button>
            </p>
        </When>
    }
}

/// Where an export of everything stands. Kept while the page is, so that it resumes where it stopped.
#[derive(Default)]
struct Progress {
    /// Entries read in this run, by playlist.
    read: HashMap<PlaylistId, Vec<PlaylistEntry>>,
    /// Playlists Spotify refused to this app.
    refused: HashSet<PlaylistId>,
    /// Playlists whose read stopped part of the way: where it stands and what it has read.
    partial: HashMap<PlaylistId, (Cursor, Vec<PlaylistEntry>)>,
    liked: Option<Vec<PlaylistEntry>>,
    liked_read: (Cursor, Vec<PlaylistEntry>),
    /// Entries the copy holds at the playlists' current snapshots.
    copied: HashMap<PlaylistId, Vec<PlaylistEntry>>,
    liked_copied: Option<Vec<PlaylistEntry>>,
}

/// What the panel shows.
#[derive(Clone, PartialEq)]
enum Stage {
    Closed,
    Looking,
    Planned {
        calls: u32,
        from_copy: usize,
        to_read: usize,
        not_readable: usize,
    },
    Running {
        done: usize,
        total: usize,
    },
    Stopped {
        code: &'static str,
        message: String,
        done: usize,
        total: usize,
    },
    Cancelled {
        done: usize,
        total: usize,
    },
    Finished,
}

split_view!(
    /// [`ExportEverything`], in a module of its own: shown once the library has been read.
    pub fn export_view(app: AppState) {
        view! { <ExportEverything app=app/> }
    }
);

/// "Export everything" (`button#export-everything`) and its panel (`#everything[data-stage]`).
#[component]
pub fn ExportEverything(app: AppState) -> impl IntoView {
    let library = app.library;
    let stage = RwSignal::new(Stage::Closed);
    let progress = StoredValue::new_local(Progress::default());
    let cancel = StoredValue::new_local(None::<Cancel>);
    let cancelled = StoredValue::new(false);
    let format = StoredValue::new(Format::Csv);

    let look = move |_| {
        stage.set(Stage::Looking);
        spawn_local(async move {
            let Some(key) = SessionTokens.load().map(|t| t.key) else {
                return;
            };
            let playlists = library.playlists();
            let mut copied = HashMap::new();
            for playlist in &playlists {
                if let Some(copy) = local_copy::entries(&key, &playlist.id).await {
                    if copy.current_for(playlist) {
                        copied.insert(playlist.id.clone(), copy.entries);
                    }
                }
            }
            let liked_total = library.liked_total.get_untracked();
            let liked_copied = match liked_total {
                Some(total) => local_copy::entries_named(&key, "liked")
                    .await
                    .filter(|c| c.snapshot_id == format!("liked:{total}"))
                    .map(|c| c.entries),
                None => None,
            };
            let user_id = library.user_id();
            let plan = Plan::new(
                &playlists,
                &user_id,
                &library.access.get_untracked(),
                |p| copied.contains_key(&p.id),
                liked_total.map(|t| (t, liked_copied.is_some())),
            );
            progress.update_value(|p| {
                p.copied = copied;
                p.liked_copied = liked_copied;
            });
            stage.try_set(Stage::Planned {
                calls: plan.calls(),
                from_copy: plan.from_copy,
                to_read: plan.to_read.len(),
                not_readable: plan.not_readable,
            });
        });
    };

    let run = move |chosen: Option<Format>| {
        if let Some(chosen) = chosen {
            format.set_value(chosen);
        }
        let load = Cancel::new();
        let fetch = load.fetch();
        cancel.set_value(Some(load));
        cancelled.set_value(false);
        spawn_local(async move {
            let session = session(app.config, &fetch);
            let key = SessionTokens.load().map(|t| t.key);
            let playlists = library.playlists();
            let user_id = library.user_id();
            let access = library.access.get_untracked();
            let plan = progress.with_value(|p| {
                Plan::new(
                    &playlists,
                    &user_id,
                    &access,
                    |pl| p.copied.contains_key(&pl.id),
                    None,
                )
            });
            let total = plan.to_read.len();
            let left: Vec<PlaylistId> = progress.with_value(|p| {
                plan.to_read
                    .iter()
                    .map(|(id, _)| id.clone())
                    .filter(|id| !p.read.contains_key(id) && !p.refused.contains(id))
                    .collect()
            });
            stage.try_set(Stage::Running {
                done: total - left.len(),
                total,
            });
            // Several playlists at a time, as a library's pages are read; each keeps where its read stands, so
            // that one stopped by a spent quota or a cancel goes on from there.
            let reads = futures::stream::iter(left).map(|id| {
                let session = &session;
                async move {
                    let (mut cursor, mut entries) = progress
                        .try_update_value(|p| p.partial.remove(&id))
                        .flatten()
                        .unwrap_or_default();
                    let result = session
                        .playlist_items(&id, &mut cursor, |page, _, _| {
                            entries.extend(page);
                            std::ops::ControlFlow::Continue(())
                        })
                        .await;
                    (id, cursor, entries, result)
                }
            });
            let mut reads = std::pin::pin!(reads.buffer_unordered(PLAYLISTS_IN_FLIGHT));
            let mut stopped = None;
            while let Some((id, cursor, entries, result)) = reads.next().await {
                match result {
                    Ok(()) if cursor.done => {
                        if let (Some(key), Some(playlist)) =
                            (&key, playlists.iter().find(|p| p.id == id))
                        {
                            if let Some(snapshot_id) = playlist.snapshot_id.clone() {
                                let copy = EntriesCopy {
                                    snapshot_id,
                                    read_at_ms: now_ms(),
                                    total: cursor.total.unwrap_or(entries.len() as u32),
                                    entries: entries.clone(),
                                    skipped: 0,
                                };
                                local_copy::keep_entries(key, &id, copy, copy_until(app, now_ms()));
                            }
                        }
                        progress.update_value(|p| {
                            p.read.insert(id, entries);
                        });
                    }
                    Err(SessionError::Api(ApiError::Forbidden(_) | ApiError::NotFound)) => {
                        progress.update_value(|p| {
                            p.refused.insert(id);
                        });
                    }
                    Ok(()) => {
                        progress.update_value(|p| {
                            p.partial.insert(id, (cursor, entries));
                        });
                        stopped.get_or_insert(None);
                    }
                    Err(error) => {
                        progress.update_value(|p| {
                            p.partial.insert(id, (cursor, entries));
                        });
                        let error = (!cancelled.get_value()).then_some(error);
                        // The most telling failure wins: a spent quota over a cancelled request.
                        if !matches!(stopped, Some(Some(_))) {
                            stopped = Some(error);
                        }
                    }
                }
                let done = progress.with_value(|p| p.read.len() + p.refused.len());
                if stopped.is_none() {
                    stage.try_set(Stage::Running { done, total });
                }
            }
            // Liked Songs, unless the copy holds them.
            let liked_needed = stopped.is_none()
                && library.liked_total.get_untracked().is_some()
                && progress.with_value(|p| p.liked.is_none() && p.liked_copied.is_none());
            if liked_needed {
                let (mut cursor, mut entries) = progress
                    .try_update_value(|p| std::mem::take(&mut p.liked_read))
                    .unwrap_or_default();
                let result = session
                    .liked_songs(&mut cursor, |page, _, _| {
                        entries.extend(page);
                        std::ops::ControlFlow::Continue(())
                    })
                    .await;
                match result {
                    Ok(()) if cursor.done => progress.update_value(|p| p.liked = Some(entries)),
                    Ok(()) => {
                        progress.update_value(|p| p.liked_read = (cursor, entries));
                        stopped = Some(None);
                    }
                    Err(error) => {
                        progress.update_value(|p| p.liked_read = (cursor, entries));
                        stopped = Some((!cancelled.get_value()).then_some(error));
                    }
                }
            }
            let done = progress.with_value(|p| p.read.len() + p.refused.len());
            match stopped {
                Some(None) => {
                    stage.try_set(Stage::Cancelled { done, total });
                }
                Some(Some(error)) => {
                    let explained = Explained::of(&error);
                    stage.try_set(Stage::Stopped {
                        code: explained.code,
                        message: explained.message,
                        done,
                        total,
                    });
                }
                None => {
                    let export = progress.with_value(|p| everything(library, &playlists, p));
                    offer(&export, format.get_value(), true, "Spotify library");
                    stage.try_set(Stage::Finished);
                }
            }
        });
    };
    let stop = move |_| {
        cancelled.set_value(true);
        cancel.with_value(|c| {
            if let Some(c) = c {
                c.cancel();
            }
        });
    };

    let code = move || match stage.get() {
        Stage::Closed => "closed",
        Stage::Looking => "looking",
        Stage::Planned { .. } => "planned",
        Stage::Running { .. } => "running",
        Stage::Stopped { .. } => "stopped",
        Stage::Cancelled { .. } => "cancelled",
        Stage::Finished => "finished",
    };
    view! {
        <p class="exports">
            "Export the list of playlists: "
            <button id="export-list-csv" type="button" on:click=move |_| export_list(library, Format::Csv)>"CSV"</button>
            <button id="export-list-json" type="button" on:click=move |_| export_list(library, Format::Json)>"JSON"</button>
            " "
            <button id="export-everything" type="button" on:click=look
                disabled=move || !matches!(stage.get(), Stage::Closed | Stage::Finished)>
                "Export everything…"
            </button>
        </p>
        <div id="everything" class="everything" data-stage=code role="status" aria-live="polite">
            {move || match stage.get() {
                Stage::Closed => None,
                Stage::Looking => Some(view! { <p>"Looking at what this browser already holds…"</p> }.into_any()),
                Stage::Planned { calls, from_copy, to_read, not_readable } => Some(view! {
                    <p id="everything-plan" data-calls=calls>
                        {format!(
                            "Every playlist this app may read, and Liked Songs: {to_read} to read from Spotify, about \
                             {calls} calls; {from_copy} from this browser's copy; {not_readable} that Spotify does not \
                             let this app read, listed with their link."
                        )}
                    </p>
                    <button id="everything-csv" type="button" on:click=move |_| run(Some(Format::Csv))>"Export CSV"</button>
                    <button id="everything-json" type="button" on:click=move |_| run(Some(Format::Json))>"Export JSON"</button>
                }.into_any()),
                Stage::Running { done, total } => Some(view! {
                    <p id="everything-progress" data-done=done data-total=total>
                        {format!("{done} of {total} playlists read…")}
                    </p>
                    <button id="everything-cancel" type="button" on:click=stop>"Cancel"</button>
                }.into_any()),
                Stage::Stopped { code, message, done, total } => Some(view! {
                    <p id="everything-stopped" class="error" data-error=code data-done=done data-total=total>
                        {message} {format!(" {done} of {total} playlists read; the export goes on from there.")}
                    </p>
                    <button id="everything-resume" type="button" on:click=move |_| run(None)>"Go on"</button>
                }.into_any()),
                Stage::Cancelled { done, total } => Some(view! {
                    <p id="everything-cancelled" data-done=done data-total=total>
                        {format!("Cancelled after {done} of {total} playlists; what was read is kept.")}
                    </p>
                    <button id="everything-resume" type="button" on:click=move |_| run(None)>"Go on"</button>
                }.into_any()),
                Stage::Finished => Some(view! { <p id="everything-done">"Exported."</p> }.into_any()),
            }}
        </div>
    }
}

/// Everything the export holds, as a file: Liked Songs first, then every playlist in the library's order, with
/// its entries when they were read (or the copy holds them) and without when Spotify refused them.
fn everything(library: Library, playlists: &[Playlist], progress: &Progress) -> Export {
    let user = library.user.get_untracked();
    let user_id = user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
    let access = library.access.get_untracked();
    let mut rows = Vec::new();
    if let Some(user) = &user {
        let liked = progress.liked.as_ref().or(progress.liked_copied.as_ref());
        if library.liked_total.get_untracked().is_some() {
            rows.push(PlaylistRow::liked_songs(
                user,
                library.liked_total.get_untracked(),
                liked.map(Vec::as_slice),
            ));
        }
    }
    for playlist in playlists {
        let entries = progress
            .read
            .get(&playlist.id)
            .or_else(|| progress.copied.get(&playlist.id));
        rows.push(PlaylistRow::playlist(
            playlist,
            &user_id,
            &access,
            entries.map(Vec::as_slice),
        ));
    }
    Export::new(now_ms(), rows)
}

/// The library's list of playlists, one row each.
fn export_list(library: Library, format: Format) {
    let user_id = library.user_id();
    let access = library.access.get_untracked();
    let rows = library
        .playlists()
        .iter()
        .map(|p| PlaylistRow::playlist(p, &user_id, &access, None))
        .collect();
    offer(
        &Export::new(now_ms(), rows),
        format,
        false,
        "Spotify playlists",
    );
}
