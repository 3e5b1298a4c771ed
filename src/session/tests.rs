use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Arc;

use futures::executor::block_on;
use futures::future::{join, join3};

use super::*;
use crate::http::{HttpResponse, TransportError};
use crate::oauth::{RedirectUri, RefreshToken};

const NOW: u64 = 1_700_000_000_000;

fn config() -> AppConfig {
    AppConfig::from_json(include_str!("../../config/local.json")).unwrap()
}

/// A transport that answers from a script and records what it was asked. With `slow`, every answer takes one
/// turn of the executor, so that concurrent calls interleave as they do over a network.
#[derive(Default)]
struct Scripted {
    answers: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: RefCell<Vec<String>>,
    /// The clock's time when each request went out.
    sent_at: RefCell<Vec<u64>>,
    slow: bool,
}

/// A future that is pending once, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

impl Scripted {
    fn answer(self, status: u16, body: &str) -> Self {
        self.answer_with(status, body, None)
    }
    fn answer_with(self, status: u16, body: &str, retry_after: Option<&str>) -> Self {
        self.answers.borrow_mut().push_back(Ok(HttpResponse {
            status,
            body: body.into(),
            retry_after: retry_after.map(str::to_owned),
        }));
        self
    }
    fn times(self, n: usize, status: u16, body: &str) -> Self {
        (0..n).fold(self, |s, _| s.answer(status, body))
    }
    fn fail(self, why: TransportError) -> Self {
        self.answers.borrow_mut().push_back(Err(why));
        self
    }
    fn offline(self) -> Self {
        self.fail(TransportError::Network {
            detail: "Failed to fetch".into(),
        })
    }
    fn sent(&self) -> Vec<String> {
        self.sent.borrow().clone()
    }
    fn sent_at(&self) -> Vec<u64> {
        self.sent_at.borrow().clone()
    }
    fn slow(self) -> Self {
        Scripted { slow: true, ..self }
    }
}

thread_local! {
    /// The time of the test's clock, so that a transport can note when a request went out.
    static CLOCK_NOW: Cell<u64> = const { Cell::new(NOW) };
}

impl Transport for Scripted {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(match request {
            HttpRequest::PostForm { url, body } => format!("POST {url} {body}"),
            HttpRequest::GetWithBearer { url, token } => {
                format!("GET {url} bearer={}", token.secret())
            }
            HttpRequest::Get { url } => format!("GET {url}"),
        });
        self.sent_at.borrow_mut().push(CLOCK_NOW.get());
        let answer = self.answers.borrow_mut().pop_front();
        if self.slow {
            YieldOnce(false).await;
        }
        answer.unwrap_or_else(|| {
            panic!(
                "no answer left in the script after {:?}",
                self.sent.borrow()
            )
        })
    }
}

#[derive(Default)]
struct Memory(RefCell<Option<String>>);

impl TokenStore for Memory {
    fn load(&self) -> Option<TokenSet> {
        self.0
            .borrow()
            .as_deref()
            .and_then(TokenSet::from_storage_json)
    }
    fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        *self.0.borrow_mut() = Some(tokens.to_storage_json());
        Ok(())
    }
    fn clear(&self) {
        *self.0.borrow_mut() = None;
    }
}

/// A clock whose sleeps pass at once (advancing its time) and whose jitter is nil, so retries are exact.
struct Fixed {
    slept: RefCell<Vec<u64>>,
}

impl Fixed {
    fn new() -> Self {
        CLOCK_NOW.set(NOW);
        Fixed {
            slept: RefCell::default(),
        }
    }
}

impl Clock for Fixed {
    fn now_ms(&self) -> u64 {
        CLOCK_NOW.get()
    }
    async fn sleep(&self, ms: u64) {
        self.slept.borrow_mut().push(ms);
        YieldOnce(false).await;
        CLOCK_NOW.set(CLOCK_NOW.get() + ms);
    }
    fn jitter(&self) -> f64 {
        0.0
    }
}

/// The key of the session that every tab of these tests holds a copy of.
fn session_key() -> SessionKey {
    SessionKey::from_bytes([5; 32])
}

fn token_set(access: &str, refresh: Option<&str>, expires_at_ms: u64) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(access),
        refresh_token: refresh.map(RefreshToken::new),
        expires_at_ms,
        refresh_at_ms: expires_at_ms.saturating_sub(crate::oauth::token::EXPIRY_MARGIN_MS),
        scopes: vec![],
        grant: Grant {
            id: "g1".into(),
            version: 0,
            authorized_at_ms: NOW - 1_000,
            rotation: Rotation::Unknown,
        },
        key: session_key(),
    }
}

fn tokens(access: &str, refresh: Option<&str>, expires_at_ms: u64) -> Memory {
    let store = Memory::default();
    store
        .save(&token_set(access, refresh, expires_at_ms))
        .unwrap();
    store
}

const TOKENS: &str = r#"{"access_token":"new-access","token_type":"Bearer","expires_in":3600,"refresh_token":"new-refresh","scope":"playlist-read-private"}"#;
const ME: &str = r#"{"id":"alice","display_name":"Alice"}"#;
const EXPIRED: &str = r#"{"error":{"status":401,"message":"The access token expired"}}"#;

/// Runs `f` with a session of one tab alone over `transport` and `store`; returns what it returned and the
/// clock (to see what it slept).
fn run_timed<R>(
    transport: &Scripted,
    store: &Memory,
    f: impl AsyncFnOnce(&Session<'_, Scripted, Memory, Fixed, Alone>) -> R,
) -> (R, Fixed) {
    let config = config();
    let clock = Fixed::new();
    let tabs = Alone::default();
    let pacer = Pacer::default();
    let session = Session {
        config: &config,
        transport,
        store,
        clock: &clock,
        tabs: &tabs,
        pacer: &pacer,
    };
    let result = block_on(f(&session));
    (result, clock)
}

fn run<R>(
    transport: &Scripted,
    store: &Memory,
    f: impl AsyncFnOnce(&Session<'_, Scripted, Memory, Fixed, Alone>) -> R,
) -> R {
    run_timed(transport, store, f).0
}

fn login() -> PendingLogin {
    PendingLogin::new(
        &[0; 32],
        &[1; 32],
        RedirectUri::new("http://127.0.0.1:8080/callback"),
        NOW,
    )
}

/// Guards against an exchange that goes elsewhere than the token endpoint, or forgets to keep the tokens and
/// the grant they belong to.
#[test]
fn exchange_code_posts_the_form_and_keeps_the_tokens() {
    let transport = Scripted::default().answer(200, TOKENS);
    let store = Memory::default();
    let set = run(&transport, &store, async |s| {
        s.exchange_code(AuthorizationCode::new("c"), login(), session_key())
            .await
    })
    .unwrap();
    assert_eq!(set.expires_at_ms, NOW + 3_600_000);
    let kept = store.load().unwrap();
    assert_eq!(kept.access_token.secret(), "new-access");
    assert_eq!(kept.grant.id, login().grant_id());
    assert_eq!((kept.grant.version, kept.grant.authorized_at_ms), (0, NOW));
    let sent = transport.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0]
        .starts_with("POST http://127.0.0.1:8081/api/token grant_type=authorization_code&code=c&"));
}

/// Guards against keeping nothing, or half a session, when the exchange fails.
#[test]
fn failed_exchange_keeps_no_tokens() {
    let refused = r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#;
    let transport = Scripted::default().answer(400, refused);
    let store = Memory::default();
    let err = run(&transport, &store, async |s| {
        s.exchange_code(AuthorizationCode::new("c"), login(), session_key())
            .await
    })
    .unwrap_err();
    assert!(matches!(err, ExchangeError::Token(e) if e.is_permanent()));
    assert!(store.load().is_none());
}

/// Guards against calling the API, or refreshing, without a session.
#[test]
fn signed_out_sends_nothing() {
    let transport = Scripted::default();
    let err = run(&transport, &Memory::default(), async |s| s.me().await).unwrap_err();
    assert_eq!(err, SessionError::SignedOut);
    assert!(err.needs_login());
    assert!(transport.sent().is_empty());
}

#[test]
fn valid_token_is_used_as_is() {
    let transport = Scripted::default().answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    assert_eq!(
        run(&transport, &store, async |s| s.me().await).unwrap().id,
        "alice"
    );
    assert_eq!(
        transport.sent(),
        ["GET http://127.0.0.1:8081/v1/me bearer=a1"]
    );
}

/// Guards against sending a token that is about to expire.
#[test]
fn token_near_expiry_is_refreshed_first() {
    let transport = Scripted::default().answer(200, TOKENS).answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW + 30_000);
    run(&transport, &store, async |s| s.me().await).unwrap();
    let sent = transport.sent();
    assert_eq!(
        sent[0],
        "POST http://127.0.0.1:8081/api/token grant_type=refresh_token&refresh_token=r1&client_id=pkce-playlists-local"
    );
    assert_eq!(sent[1], "GET http://127.0.0.1:8081/v1/me bearer=new-access");
    let kept = store.load().unwrap();
    assert_eq!(kept.refresh_token.unwrap().secret(), "new-refresh");
    assert_eq!(
        (kept.grant.id.as_str(), kept.grant.version),
        ("g1", 1),
        "the grant is kept, one refresh on"
    );
}

/// Guards against a 401 ending the session when a refresh would have saved it, and against retrying forever.
#[test]
fn a_401_gets_one_refresh_and_one_retry() {
    let transport = Scripted::default()
        .answer(401, EXPIRED)
        .answer(200, TOKENS)
        .answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    assert_eq!(
        run(&transport, &store, async |s| s.me().await).unwrap().id,
        "alice"
    );
    assert_eq!(
        transport.sent()[2],
        "GET http://127.0.0.1:8081/v1/me bearer=new-access"
    );

    let transport = Scripted::default()
        .answer(401, EXPIRED)
        .answer(200, TOKENS)
        .answer(401, EXPIRED);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(
        err,
        SessionError::Api(ApiError::Unauthorized("The access token expired".into()))
    );
    assert_eq!(transport.sent().len(), 3);
}

/// Guards against a dead refresh token leaving a session that can never work, and against telling a revoked
/// grant from one that expired after six months.
#[test]
fn invalid_grant_on_refresh_ends_the_session_and_says_why() {
    let dead = r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#;
    let transport = Scripted::default().answer(400, dead);
    let store = tokens("a1", Some("r1"), NOW);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(err, SessionError::Ended(SessionEnd::Revoked));
    assert!(err.needs_login());
    assert!(store.load().is_none());

    let grant = |age_ms: u64| Grant {
        id: "g".into(),
        version: 3,
        authorized_at_ms: NOW - age_ms,
        rotation: Rotation::Unknown,
    };
    let day = 24 * 60 * 60 * 1000;
    let invalid = ErrorCode::InvalidGrant;
    assert_eq!(
        end_of(&invalid, None, &grant(day), NOW),
        SessionEnd::Revoked
    );
    assert_eq!(
        end_of(&invalid, None, &grant(183 * day), NOW),
        SessionEnd::Expired
    );
    assert_eq!(
        end_of(&invalid, Some("Refresh token expired"), &grant(day), NOW),
        SessionEnd::Expired
    );
    assert_eq!(
        end_of(&ErrorCode::InvalidClient, None, &grant(day), NOW),
        SessionEnd::Refused("invalid_client".into())
    );
}

/// Guards against reporting a refusal that never happened when a session simply has no refresh token: the
/// user is told the session ran out, and nothing is sent.
#[test]
fn expiry_without_a_refresh_token_ends_the_session_without_a_request() {
    let transport = Scripted::default();
    let store = tokens("a1", None, NOW);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(err, SessionError::NoRefreshToken);
    assert!(err.needs_login());
    assert!(transport.sent().is_empty());
    assert!(store.load().is_none());
}

/// Guards against keeping a session that the provider refused for good with any of RFC 6749's permanent codes,
/// and against ending one over a passing failure.
#[test]
fn permanent_refresh_errors_end_the_session_and_passing_ones_keep_it() {
    for code in [
        "invalid_grant",
        "invalid_client",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ] {
        let body = format!(r#"{{"error":"{code}"}}"#);
        let transport = Scripted::default().answer(400, &body);
        let store = tokens("a1", Some("r1"), NOW);
        let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
        assert!(matches!(err, SessionError::Ended(_)), "{code}: {err:?}");
        assert!(store.load().is_none(), "{code}");
    }
    for (status, body) in [
        (503, "<html>"),
        (400, r#"{"error":"temporarily_unavailable"}"#),
    ] {
        // A 5xx is retried (a few times, then given up); `temporarily_unavailable` is shown at once.
        let transport = Scripted::default().times(5, status, body);
        let store = tokens("a1", Some("r1"), NOW);
        let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
        assert!(matches!(err, SessionError::Refresh(_)), "{body}: {err:?}");
        assert!(store.load().is_some(), "{body}");
    }
}

/// Guards against logging the user out because the network blinked during a refresh: it is retried, and the
/// session is kept.
#[test]
fn network_failure_on_refresh_keeps_the_session_and_is_retried() {
    let transport = Scripted::default()
        .offline()
        .answer(200, TOKENS)
        .answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW);
    run(&transport, &store, async |s| s.me().await).unwrap();
    assert_eq!(store.load().unwrap().access_token.secret(), "new-access");

    let transport = (0..5).fold(Scripted::default(), |s, _| s.offline());
    let store = tokens("a1", Some("r1"), NOW);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(
        err,
        SessionError::Refresh(TokenError::Network(TransportError::Network {
            detail: "Failed to fetch".into()
        }))
    );
    assert!(!err.needs_login());
    assert_eq!(store.load().unwrap().refresh_token.unwrap().secret(), "r1");
}

/// Guards against losing the refresh token when the provider does not rotate it (Spotify since July 2026).
#[test]
fn refresh_answer_without_refresh_token_keeps_the_old_one() {
    let no_rotation = r#"{"access_token":"a2","token_type":"Bearer","expires_in":3600}"#;
    let transport = Scripted::default().answer(200, no_rotation).answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW);
    run(&transport, &store, async |s| s.me().await).unwrap();
    let kept = store.load().unwrap();
    assert_eq!(kept.access_token.secret(), "a2");
    assert_eq!(kept.refresh_token.unwrap().secret(), "r1");
}

fn page(offset: u32, count: u32, total: u32) -> String {
    let items: Vec<String> = (offset..offset + count)
        .map(|i| {
            format!(r#"{{"id":"p{i}","name":"List {i}","owner":{{"id":"alice"}},"images":null}}"#)
        })
        .collect();
    format!(
        r#"{{"items":[{}],"total":{total},"offset":{offset},"limit":50}}"#,
        items.join(",")
    )
}

/// Reads the whole library; returns the ids in the order they were handed on.
fn read_library(
    transport: &Scripted,
    store: &Memory,
    read: &mut LibraryRead,
) -> Result<Vec<String>, SessionError> {
    let mut ids = vec![];
    run(transport, store, async |s| {
        s.library(read, |added, _, _| {
            ids.extend(added.into_iter().map(|p| p.id.to_string()));
            ControlFlow::Continue(())
        })
        .await
    })?;
    Ok(ids)
}

/// Guards against missing, repeated or reordered pages in a library of several pages.
#[test]
fn library_reads_every_page_in_order() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 120))
        .answer(200, &page(50, 50, 120))
        .answer(200, &page(100, 20, 120));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut seen = vec![];
    let mut read = LibraryRead::default();
    run(&transport, &store, async |s| {
        s.library(&mut read, |added, total, _| {
            seen.push((added.len(), total));
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!(seen, [(50, 120), (50, 120), (20, 120)]);
    assert_eq!(read.cursor.total, Some(120));
    assert!(read.cursor.done);
    assert!(transport.sent()[2].contains("/me/playlists?limit=50&offset=100 "));
    let ids = read_library(
        &Scripted::default()
            .answer(200, &page(0, 50, 60))
            .answer(200, &page(50, 10, 60)),
        &store,
        &mut LibraryRead::default(),
    )
    .unwrap();
    assert_eq!(
        (ids.first().unwrap().as_str(), ids.last().unwrap().as_str()),
        ("p0", "p59")
    );
}

/// Guards against looping on a library that shrank while it was read, and against swallowing a failed page.
#[test]
fn library_stops_when_it_shrinks_and_surfaces_errors() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 200))
        .answer(200, &page(50, 0, 200));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let ids = read_library(&transport, &store, &mut LibraryRead::default()).unwrap();
    assert_eq!(ids.len(), 50);
    assert_eq!(transport.sent().len(), 2);

    let transport = Scripted::default()
        .answer(200, &page(0, 50, 100))
        .times(5, 503, "busy");
    let err = read_library(&transport, &store, &mut LibraryRead::default()).unwrap_err();
    assert_eq!(err, SessionError::Api(ApiError::Server { status: 503 }));
}

#[test]
fn empty_library() {
    let transport =
        Scripted::default().answer(200, r#"{"items":[],"total":0,"offset":0,"limit":50}"#);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut read = LibraryRead::default();
    let ids = read_library(&transport, &store, &mut read).unwrap();
    assert!(ids.is_empty());
    assert!(read.cursor.done);
}

/// Guards against a playlist listed twice (the library changed between pages) breaking a keyed list.
#[test]
fn library_keeps_each_playlist_once() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 60))
        .answer(200, &page(40, 20, 60));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut added = vec![];
    run(&transport, &store, async |s| {
        s.library(&mut LibraryRead::default(), |new, _, _| {
            added.push(new.len());
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!(added, [50, 10]);
}

/// Guards against a track list that stops after its first page, or that reads the deprecated `/tracks`.
#[test]
fn playlist_items_reads_every_page() {
    let entries = |n: u32| {
        let one = r#"{"item":{"name":"T","artists":[{"name":"A"}],"duration_ms":1000}}"#;
        format!(
            r#"{{"items":[{}],"total":70,"offset":0,"limit":50}}"#,
            vec![one; n as usize].join(",")
        )
    };
    let transport = Scripted::default()
        .answer(200, &entries(50))
        .answer(200, &entries(20));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut counts = vec![];
    let id = PlaylistId::parse("abc123").unwrap();
    run(&transport, &store, async |s| {
        s.playlist_items(&id, &mut Cursor::default(), |page, total, _| {
            counts.push((page.len(), total));
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!(counts, [(50, 70), (20, 70)]);
    assert!(transport.sent()[1]
        .contains("/playlists/abc123/items?limit=50&offset=50&additional_types=track,episode "));
}

/// Guards against two calls refreshing with the same refresh token at once: with rotation, the second refresh is
/// refused and would end a good session.
#[test]
fn concurrent_calls_share_one_refresh() {
    let transport = Scripted::default()
        .answer(200, TOKENS)
        .answer(200, ME)
        .answer(200, ME)
        .slow();
    let store = tokens("a1", Some("r1"), NOW + 30_000);
    let (a, b) = run(&transport, &store, async |s| join(s.me(), s.me()).await);
    assert_eq!(
        (a.unwrap().id, b.unwrap().id),
        ("alice".into(), "alice".into())
    );
    let posts = transport
        .sent()
        .iter()
        .filter(|r| r.starts_with("POST"))
        .count();
    assert_eq!(posts, 1, "{:?}", transport.sent());
    assert_eq!(store.load().unwrap().access_token.secret(), "new-access");
}

/// Guards against a refresh that was in flight at log out bringing the session back.
#[test]
fn log_out_during_a_refresh_sticks() {
    let transport = Scripted::default().answer(200, TOKENS).slow();
    let store = tokens("a1", Some("r1"), NOW + 30_000);
    let (call, ()) = run(&transport, &store, async |s| {
        join(s.me(), async {
            // `join` polls the call first: its refresh is already on the wire when this runs.
            s.store.clear();
        })
        .await
    });
    assert_eq!(call.unwrap_err(), SessionError::SignedOut);
    assert!(store.load().is_none(), "the new tokens were dropped");
}

/// Guards against reading the rest of a long list for a page that is gone.
#[test]
fn reading_stops_when_told_to() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 10_000))
        .answer(200, &page(50, 50, 10_000));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut pages = 0;
    run(&transport, &store, async |s| {
        s.library(&mut LibraryRead::default(), |_, _, _| {
            pages += 1;
            if pages == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await
    })
    .unwrap();
    assert_eq!(transport.sent().len(), 2);
}

/// Guards against a page whose entries are all unreadable being taken for the end of a shrinking list.
#[test]
fn unreadable_entries_are_counted_and_reading_goes_on() {
    let bad_page = r#"{"items":[{"id":"../x"},{"id":"../y"}],"total":52,"offset":0,"limit":50}"#;
    let transport = Scripted::default()
        .answer(200, bad_page)
        .answer(200, &page(50, 2, 52));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut skipped = 0;
    let mut ids = 0;
    run(&transport, &store, async |s| {
        s.library(&mut LibraryRead::default(), |added, _, page_skipped| {
            skipped += page_skipped;
            ids += added.len();
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!((ids, skipped), (2, 2));
}

/// Guards against mistaking a refusal for a failure when probing whether the API lets this app read a
/// playlist's entries (Development Mode answers 403 for a followed playlist, 404 for Spotify's own).
#[test]
fn can_read_items_tells_a_refusal_from_a_failure() {
    let id = PlaylistId::parse("p1").unwrap();
    let forbidden = r#"{"error":{"status":403,"message":"Forbidden"}}"#;
    let transport = Scripted::default()
        .answer(200, r#"{"items":[],"total":0}"#)
        .answer(403, forbidden)
        .answer(404, "")
        .times(5, 503, "");
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let answers = run(&transport, &store, async |s| {
        let mut answers = vec![];
        for _ in 0..4 {
            answers.push(s.can_read_items(&id).await);
        }
        answers
    });
    assert_eq!(answers[0], Ok(true));
    assert_eq!(answers[1], Ok(false));
    assert_eq!(answers[2], Ok(false));
    assert_eq!(
        answers[3],
        Err(SessionError::Api(ApiError::Server { status: 503 }))
    );
    assert!(transport.sent()[0].contains("/playlists/p1/items?limit=1&offset=0"));
}

// --- Retries and the shared pause ------------------------------------------------------------------------------

/// Guards against retrying a 429 before its `Retry-After`, and against other requests going out meanwhile: two
/// reads run together, one is told to wait 2 s, and neither sends anything until the 2 s have passed.
#[test]
fn a_429_pauses_every_request_for_its_retry_after() {
    let transport = Scripted::default()
        .answer_with(429, "", Some("2"))
        .answer(200, ME)
        .answer(200, ME)
        .slow();
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let ((a, b), clock) = run_timed(&transport, &store, async |s| {
        join(s.me(), async {
            // Starts once the first read has its 429.
            YieldOnce(false).await;
            YieldOnce(false).await;
            s.me().await
        })
        .await
    });
    assert!(a.is_ok() && b.is_ok());
    let at = transport.sent_at();
    assert_eq!(at.len(), 3, "{:?}", transport.sent());
    assert_eq!(at[0], NOW);
    assert!(
        at[1..].iter().all(|&t| t >= NOW + 2_000),
        "a request went out during the pause: {at:?}"
    );
    assert!(clock.slept.borrow().iter().all(|&ms| ms <= 2_000));
}

/// Guards against a 429 without `Retry-After` (Spotify does not expose it to pages) being retried at once or
/// forever: exponential backoff, then the error.
#[test]
fn a_429_without_retry_after_backs_off_then_gives_up() {
    let transport = Scripted::default().times(5, 429, "");
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let (err, clock) = run_timed(&transport, &store, async |s| s.me().await);
    assert_eq!(
        err.unwrap_err(),
        SessionError::Api(ApiError::RateLimited {
            retry_after_secs: None
        })
    );
    assert_eq!(*clock.slept.borrow(), [500, 1_000, 2_000, 4_000]);
}

/// Guards against a 429 whose CORS headers were missing (it reaches the page as a network error) stopping a
/// load: three times, then success.
#[test]
fn an_unreadable_429_after_good_answers_is_waited_out() {
    let transport = Scripted::default()
        .answer(200, ME)
        .offline()
        .offline()
        .offline()
        .answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let config = config();
    let clock = Fixed::new();
    let tabs = Alone::default();
    let pacer = Pacer::default();
    let reasons = std::rc::Rc::new(RefCell::new(vec![]));
    let heard = reasons.clone();
    pacer.observe(move |pause| heard.borrow_mut().extend(pause.map(|p| p.reason)));
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tabs,
        pacer: &pacer,
    };
    block_on(async {
        session.me().await.unwrap();
        session.me().await.unwrap();
    });
    assert_eq!(transport.sent().len(), 5);
    assert_eq!(*clock.slept.borrow(), [500, 1_000, 2_000]);
    assert!(
        reasons.borrow().iter().all(|r| *r == PauseReason::NoAnswer),
        "{:?}",
        reasons.borrow()
    );
}

/// Guards against a passing 5xx failing a load, and against giving up too late.
#[test]
fn server_errors_are_retried_a_few_times() {
    let transport = Scripted::default().times(2, 503, "").answer(200, ME);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    run(&transport, &store, async |s| s.me().await).unwrap();
    assert_eq!(transport.sent().len(), 3);

    let transport = Scripted::default().times(5, 503, "");
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(err, SessionError::Api(ApiError::Server { status: 503 }));
    assert_eq!(transport.sent().len(), 5, "one try and four retries");
}

/// Guards against retrying what the caller gave up on, or what cannot succeed.
#[test]
fn aborted_and_refused_reads_are_not_retried() {
    let transport = Scripted::default().fail(TransportError::Aborted);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(
        err,
        SessionError::Api(ApiError::Network(TransportError::Aborted))
    );
    let transport = Scripted::default().answer(404, "");
    run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert_eq!(transport.sent().len(), 1);
}

/// Guards against "Try again" starting a long read over: after a failure, the same read resumes at the first
/// page it had not handed on, and no page is fetched twice.
#[test]
fn a_failed_read_resumes_where_it_stopped() {
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut read = LibraryRead::default();
    let failing = Scripted::default()
        .answer(200, &page(0, 50, 150))
        .times(5, 503, "");
    let before = read_library(&failing, &store, &mut read).unwrap_err();
    assert_eq!(before, SessionError::Api(ApiError::Server { status: 503 }));
    assert_eq!(read.cursor.next_offset, 50);
    let rest = Scripted::default()
        .answer(200, &page(50, 50, 150))
        .answer(200, &page(100, 50, 150));
    let ids = read_library(&rest, &store, &mut read).unwrap();
    assert_eq!(ids.len(), 100);
    assert_eq!(ids[0], "p50");
    assert!(rest.sent()[0].contains("offset=50 "), "{:?}", rest.sent());
    assert!(read.cursor.done);
}

// --- Tabs -----------------------------------------------------------------------------------------------------

/// A token endpoint and API that rotate refresh tokens, with reuse detection: a spent refresh token revokes the
/// whole grant, as RFC 9700 recommends for public clients.
#[derive(Default)]
struct RotatingProvider {
    current_refresh: RefCell<String>,
    current_access: RefCell<String>,
    issued: Cell<u32>,
    revoked: Cell<bool>,
    posts: Cell<u32>,
    /// How many of the next refreshes are carried out and then answered with nothing (the answer is lost).
    lose: Cell<u32>,
    /// Answers refreshes without a new refresh token, as Spotify does.
    keeps: Cell<bool>,
}

impl RotatingProvider {
    fn new(refresh: &str, access: &str) -> Self {
        let p = RotatingProvider::default();
        *p.current_refresh.borrow_mut() = refresh.into();
        *p.current_access.borrow_mut() = access.into();
        p
    }
}

impl Transport for RotatingProvider {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        YieldOnce(false).await;
        let answer = |status: u16, body: String| {
            Ok(HttpResponse {
                status,
                body,
                retry_after: None,
            })
        };
        match request {
            HttpRequest::PostForm { body, .. } => {
                self.posts.set(self.posts.get() + 1);
                let presented = form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "refresh_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                if self.revoked.get() || presented != *self.current_refresh.borrow() {
                    self.revoked.set(true);
                    return answer(
                        400,
                        r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#
                            .into(),
                    );
                }
                let n = self.issued.get() + 1;
                self.issued.set(n);
                *self.current_access.borrow_mut() = format!("a{n}");
                let refresh = if self.keeps.get() {
                    String::new()
                } else {
                    *self.current_refresh.borrow_mut() = format!("r{n}");
                    format!(r#","refresh_token":"r{n}""#)
                };
                if self.lose.get() > 0 {
                    self.lose.set(self.lose.get() - 1);
                    return Err(TransportError::Timeout { after_ms: 30_000 });
                }
                answer(
                    200,
                    format!(
                        r#"{{"access_token":"a{n}","token_type":"Bearer","expires_in":3600{refresh}}}"#
                    ),
                )
            }
            HttpRequest::GetWithBearer { token, .. } => {
                if !self.revoked.get() && token.secret() == *self.current_access.borrow() {
                    answer(200, ME.into())
                } else {
                    answer(401, EXPIRED.into())
                }
            }
            HttpRequest::Get { .. } => answer(404, String::new()),
        }
    }
}

/// What the tabs of a session share, as the browser gives it to them: the lock, the record and the end markers
/// (localStorage, by their names), the tokens published on the channel, and the lock held while a refresh is on
/// the wire.
#[derive(Default)]
struct Hub {
    lock: Arc<futures::lock::Mutex<()>>,
    records: RefCell<HashMap<String, Record>>,
    ended: RefCell<HashMap<String, SessionEnd>>,
    published: RefCell<HashMap<String, TokenSet>>,
    /// Tabs that are open and answer requests for tokens.
    open: Cell<bool>,
    /// Whether a tab holds the lock of a refresh on the wire.
    flying: Cell<bool>,
    quota: RefCell<HashMap<String, QuotaPause>>,
    calls: RefCell<CallLog>,
}

impl Hub {
    /// As a tab that refreshed to `tokens` and published them, then maybe closed.
    fn newer_published(&self, tokens: &TokenSet) {
        let record = Record {
            version: tokens.grant.version,
            refresh_fingerprint: tokens
                .key
                .fingerprint(tokens.refresh_token.as_ref().unwrap().secret()),
            in_flight: None,
        };
        Tab(self, "elsewhere").keep_record(&tokens.key, &record, u64::MAX);
        Tab(self, "elsewhere").publish(tokens);
    }

    fn record_of(&self, key: &SessionKey) -> Option<Record> {
        self.records.borrow().get(&key.names().record).cloned()
    }
}

/// One tab of a [`Hub`], by its name.
struct Tab<'h>(&'h Hub, &'static str);

/// Drops the flight lock.
struct Flight<'h>(&'h Hub);

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        self.0.flying.set(false);
    }
}

impl<'h> Tabs for Tab<'h> {
    type Guard = futures::lock::OwnedMutexGuard<()>;
    type Flight = Flight<'h>;
    async fn lock(&self, _key: &SessionKey) -> Self::Guard {
        self.0.lock.clone().lock_owned().await
    }
    async fn fly(&self, _key: &SessionKey) -> Flight<'h> {
        self.0.flying.set(true);
        Flight(self.0)
    }
    async fn flying(&self, _key: &SessionKey) -> bool {
        self.0.flying.get()
    }
    fn record(&self, key: &SessionKey) -> Option<Record> {
        self.0.record_of(key)
    }
    fn keep_record(&self, key: &SessionKey, record: &Record, _until_ms: u64) {
        self.0
            .records
            .borrow_mut()
            .insert(key.names().record, record.clone());
    }
    async fn newest(&self, mine: &TokenSet, version: u64) -> Option<TokenSet> {
        let tokens = self.0.published.borrow().get(&mine.grant.id).cloned();
        tokens.filter(|t| self.0.open.get() && t.grant.version >= version)
    }
    fn publish(&self, tokens: &TokenSet) {
        self.0
            .published
            .borrow_mut()
            .insert(tokens.grant.id.clone(), tokens.clone());
    }
    fn ended(&self, key: &SessionKey, why: &SessionEnd, _until_ms: u64) {
        let names = key.names();
        self.0.ended.borrow_mut().insert(names.ended, why.clone());
        self.0.records.borrow_mut().remove(&names.record);
    }
    fn end_of(&self, key: &SessionKey) -> Option<SessionEnd> {
        self.0.ended.borrow().get(&key.names().ended).cloned()
    }
    fn tab(&self) -> &str {
        self.1
    }
    fn quota(&self, key: &SessionKey) -> Option<QuotaPause> {
        self.0.quota.borrow().get(&key.names().quota).copied()
    }
    fn keep_quota(&self, key: &SessionKey, pause: &QuotaPause) {
        self.0.quota.borrow_mut().insert(key.names().quota, *pause);
    }
    fn spent_call(&self, now_ms: u64) {
        self.0.calls.borrow_mut().record(now_ms);
    }
}

/// Three tabs holding copies of one session (a duplicated tab copies sessionStorage).
fn three_tabs(expires_at_ms: u64) -> [Memory; 3] {
    let json = token_set("a0", Some("r0"), expires_at_ms).to_storage_json();
    [(); 3].map(|_| Memory(RefCell::new(Some(json.clone()))))
}

/// Guards against duplicated tabs costing each other their session: three tabs with copies of one rotating
/// refresh token refresh at once; exactly one refresh is sent, no spent token is ever presented (the provider
/// would revoke the grant), and every tab ends up with the newest tokens.
#[test]
fn three_tabs_refreshing_at_once_spend_the_refresh_token_once() {
    let provider = RotatingProvider::new("r0", "a0");
    let hub = Hub {
        open: Cell::new(true),
        ..Hub::default()
    };
    let config = config();
    let clock = Fixed::new();
    let stores = three_tabs(NOW + 30_000);
    let tabs = [Tab(&hub, "one"), Tab(&hub, "two"), Tab(&hub, "three")];
    let pacers = [Pacer::default(), Pacer::default(), Pacer::default()];
    let sessions: Vec<_> = (0..3)
        .map(|i| Session {
            config: &config,
            transport: &provider,
            store: &stores[i],
            clock: &clock,
            tabs: &tabs[i],
            pacer: &pacers[i],
        })
        .collect();
    let (a, b, c) = block_on(join3(sessions[0].me(), sessions[1].me(), sessions[2].me()));
    assert!(a.is_ok() && b.is_ok() && c.is_ok(), "{a:?} {b:?} {c:?}");
    assert_eq!(provider.posts.get(), 1);
    assert!(
        !provider.revoked.get(),
        "a spent refresh token was presented"
    );
    for store in &stores {
        let kept = store.load().expect("every tab is still signed in");
        assert_eq!(kept.refresh_token.unwrap().secret(), "r1");
        assert_eq!(kept.grant.version, 1);
    }
}

/// Guards against a tab that kept an old copy presenting a spent refresh token when the tab that renewed it has
/// closed: the session ends in that tab, and the provider never sees the spent token.
#[test]
fn a_copy_superseded_by_a_closed_tab_ends_without_presenting_its_token() {
    let provider = RotatingProvider::new("r5", "a5");
    let hub = Hub::default();
    let mut newer = token_set("a5", Some("r5"), NOW + 3_600_000);
    newer.grant.version = 5;
    hub.newer_published(&newer);
    let config = config();
    let clock = Fixed::new();
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let pacer = Pacer::default();
    let session = Session {
        config: &config,
        transport: &provider,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    let err = block_on(session.me()).unwrap_err();
    assert_eq!(err, SessionError::Ended(SessionEnd::Superseded));
    assert_eq!(provider.posts.get(), 0);
    assert!(store.load().is_none());
}

/// Guards against a stale copy refreshing when an open tab holds newer tokens: it takes them instead.
#[test]
fn a_stale_copy_takes_the_newest_tokens_from_an_open_tab() {
    let provider = RotatingProvider::new("r5", "a5");
    let hub = Hub {
        open: Cell::new(true),
        ..Hub::default()
    };
    let mut newer = token_set("a5", Some("r5"), NOW + 3_600_000);
    newer.grant.version = 5;
    hub.newer_published(&newer);
    let config = config();
    let clock = Fixed::new();
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let pacer = Pacer::default();
    let session = Session {
        config: &config,
        transport: &provider,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    assert_eq!(block_on(session.me()).unwrap().id, "alice");
    assert_eq!(provider.posts.get(), 0);
    assert_eq!(store.load().unwrap().grant.version, 5);
}

/// One tab of a [`Hub`] over `provider`, whose tokens in `store` are about to expire.
fn tab_session<'a>(
    config: &'a AppConfig,
    provider: &'a RotatingProvider,
    store: &'a Memory,
    clock: &'a Fixed,
    tab: &'a Tab<'a>,
    pacer: &'a Pacer,
) -> Session<'a, RotatingProvider, Memory, Fixed, Tab<'a>> {
    Session {
        config,
        transport: provider,
        store,
        clock,
        tabs: tab,
        pacer,
    }
}

/// Guards against a rotated refresh token spent twice after a lost answer: the provider rotated it, the answer
/// never came, and sending the old one again would be a reuse that revokes the grant everywhere (RFC 9700
/// §4.14.2). The retry ends the session with its reason instead, and every tab of it learns so.
#[test]
fn a_refresh_whose_answer_was_lost_is_not_sent_again_to_a_rotating_provider() {
    let provider = RotatingProvider::new("r0", "a0");
    provider.lose.set(1);
    let hub = Hub::default();
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let session = tab_session(&config, &provider, &store, &clock, &tab, &pacer);
    let err = block_on(session.me()).unwrap_err();
    assert_eq!(err, SessionError::Ended(SessionEnd::Interrupted));
    assert_eq!(provider.posts.get(), 1, "the refresh was sent once");
    assert!(!provider.revoked.get(), "no spent token was presented");
    assert!(store.load().is_none());
    assert_eq!(tab.end_of(&session_key()), Some(SessionEnd::Interrupted));
    assert!(err.needs_login());
}

/// Guards against a tab that takes over after another closed mid-refresh sending that tab's token again.
#[test]
fn a_refresh_left_unanswered_by_a_closed_tab_is_not_sent_again() {
    let provider = RotatingProvider::new("r0", "a0");
    let hub = Hub::default();
    let unsettled = Record {
        version: 0,
        refresh_fingerprint: session_key().fingerprint("r0"),
        in_flight: Some(InFlight {
            since_ms: NOW - 1_000,
            tab: "closed".into(),
        }),
    };
    Tab(&hub, "closed").keep_record(&session_key(), &unsettled, u64::MAX);
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let session = tab_session(&config, &provider, &store, &clock, &tab, &pacer);
    let err = block_on(session.me()).unwrap_err();
    assert_eq!(err, SessionError::Ended(SessionEnd::Interrupted));
    assert_eq!(provider.posts.get(), 0);
}

/// Guards against a tab giving up on a refresh that another tab still has on the wire (its lock taken by a
/// script of the origin): it waits for that refresh's tokens and takes them, sending nothing.
#[test]
fn a_refresh_still_on_the_wire_in_another_tab_is_waited_for() {
    let provider = RotatingProvider::new("r1", "a1");
    let hub = Hub {
        open: Cell::new(true),
        flying: Cell::new(true),
        ..Hub::default()
    };
    let on_the_wire = Record {
        version: 0,
        refresh_fingerprint: session_key().fingerprint("r0"),
        in_flight: Some(InFlight {
            since_ms: NOW,
            tab: "other".into(),
        }),
    };
    Tab(&hub, "other").keep_record(&session_key(), &on_the_wire, u64::MAX);
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let session = tab_session(&config, &provider, &store, &clock, &tab, &pacer);
    let other_tab_answers = async {
        for _ in 0..3 {
            YieldOnce(false).await;
        }
        let mut newer = token_set("a1", Some("r1"), NOW + 3_600_000);
        newer.grant.version = 1;
        hub.newer_published(&newer);
        hub.flying.set(false);
    };
    let (me, ()) = block_on(join(session.me(), other_tab_answers));
    assert_eq!(me.unwrap().id, "alice");
    assert_eq!(provider.posts.get(), 0);
    assert_eq!(store.load().unwrap().grant.version, 1);
}

/// Guards against sessions lost for nothing with a provider that keeps its refresh tokens (Spotify): there a
/// lost answer is harmless, and the refresh is sent again.
#[test]
fn a_lost_refresh_is_sent_again_to_a_provider_that_keeps_refresh_tokens() {
    let provider = RotatingProvider::new("r0", "a0");
    provider.keeps.set(true);
    provider.lose.set(1);
    let hub = Hub::default();
    let config = AppConfig {
        rotates_refresh_tokens: Some(false),
        ..config()
    };
    let (clock, pacer) = (Fixed::new(), Pacer::default());
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let session = tab_session(&config, &provider, &store, &clock, &tab, &pacer);
    assert_eq!(block_on(session.me()).unwrap().id, "alice");
    assert_eq!(provider.posts.get(), 2);
    assert!(!provider.revoked.get());
    let kept = store.load().unwrap();
    assert_eq!(kept.refresh_token.unwrap().secret(), "r0");
    assert_eq!(kept.grant.rotation, Rotation::Keeps);
    let record = hub.record_of(&session_key()).unwrap();
    assert_eq!((record.version, record.in_flight), (1, None));
}

/// Guards against what a refresh shows being ignored: a new refresh token means the provider rotates, none means
/// it keeps them, and the record then names the newest version with nothing on the wire.
#[test]
fn a_refresh_shows_whether_the_provider_rotates() {
    for keeps in [false, true] {
        let provider = RotatingProvider::new("r0", "a0");
        provider.keeps.set(keeps);
        let hub = Hub::default();
        let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
        let store = tokens("a0", Some("r0"), NOW);
        let tab = Tab(&hub, "here");
        let session = tab_session(&config, &provider, &store, &clock, &tab, &pacer);
        block_on(session.me()).unwrap();
        let kept = store.load().unwrap();
        let expected = if keeps {
            Rotation::Keeps
        } else {
            Rotation::Rotates
        };
        assert_eq!(kept.grant.rotation, expected);
        let record = hub.record_of(&session_key()).unwrap();
        let refresh = kept.refresh_token.unwrap();
        assert_eq!(
            record,
            Record {
                version: 1,
                refresh_fingerprint: session_key().fingerprint(refresh.secret()),
                in_flight: None,
            }
        );
    }
}

/// Guards against a refresh that the browser knew it could not send being taken for a lost one: nothing was
/// spent, so the retry goes out as usual.
#[test]
fn a_refresh_never_sent_is_sent_when_the_network_is_back() {
    let hub = Hub::default();
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let transport = Scripted::default()
        .fail(TransportError::NotSent)
        .answer(200, TOKENS)
        .answer(200, ME);
    let store = tokens("a0", Some("r0"), NOW);
    let tab = Tab(&hub, "here");
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    assert_eq!(block_on(session.me()).unwrap().id, "alice");
    assert_eq!(
        transport
            .sent()
            .iter()
            .filter(|r| r.starts_with("POST"))
            .count(),
        2
    );
}

/// Guards against a tab that comes back after a log out elsewhere using the session: its tokens are forgotten
/// before any request, and it says why.
#[test]
fn a_session_ended_in_another_tab_is_not_used() {
    let hub = Hub::default();
    Tab(&hub, "other").ended(&session_key(), &SessionEnd::LoggedOut, u64::MAX);
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let transport = Scripted::default();
    let store = tokens("a0", Some("r0"), NOW + 3_600_000);
    let tab = Tab(&hub, "here");
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    assert_eq!(
        block_on(session.me()).unwrap_err(),
        SessionError::Ended(SessionEnd::LoggedOut)
    );
    assert!(transport.sent().is_empty());
    assert!(store.load().is_none());
}

/// Guards against ending a session leaving its record behind, or a marker that outlives nothing it could stop.
#[test]
fn an_end_replaces_the_record_with_a_marker_kept_as_long_as_a_refresh_token_lives() {
    let hub = Hub::default();
    let tab = Tab(&hub, "here");
    let mut tokens = token_set("a0", Some("r0"), NOW);
    tab.keep_record(
        &tokens.key,
        &Record {
            version: 0,
            refresh_fingerprint: "f".into(),
            in_flight: None,
        },
        u64::MAX,
    );
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let (transport, store) = (Scripted::default(), Memory::default());
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    session.end_everywhere(&tokens, SessionEnd::LoggedOut);
    assert!(hub.record_of(&tokens.key).is_none());
    assert_eq!(tab.end_of(&tokens.key), Some(SessionEnd::LoggedOut));
    let day = 24 * 60 * 60 * 1000;
    tokens.grant.authorized_at_ms = NOW;
    assert!(kept_until(&tokens.grant, NOW) >= NOW + REFRESH_TOKEN_LIFETIME_MS + day);
    tokens.grant.authorized_at_ms = 0;
    assert_eq!(kept_until(&tokens.grant, NOW), NOW + 7 * day);
}

const QUOTA_SPENT: &str =
    r#"{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}"#;

/// Guards against a spent daily quota being retried like a rate limit (every retry spends a call of a quota
/// shared by all the app's users, and none can pass for hours), and against another tab of the session calling
/// meanwhile: the first refusal pauses every tab, and no call leaves until the pause ends.
#[test]
fn a_spent_quota_pauses_every_tab_without_a_call_until_it_frees_up() {
    let hub = Hub::default();
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let transport = Scripted::default().answer(429, QUOTA_SPENT).answer(200, ME);
    let (one, two) = (
        tokens("a0", Some("r0"), NOW + 36_000_000),
        tokens("a0", Some("r0"), NOW + 36_000_000),
    );
    let (tab_one, tab_two) = (Tab(&hub, "one"), Tab(&hub, "two"));
    let session = |store, tab| Session {
        config: &config,
        transport: &transport,
        store,
        clock: &clock,
        tabs: tab,
        pacer: &pacer,
    };
    let first = session(&one, &tab_one);
    let err = block_on(first.me()).unwrap_err();
    let SessionError::Quota(pause) = err else {
        panic!("not a quota pause: {err:?}");
    };
    assert_eq!(pause, QuotaPause::after(None, NOW));
    assert!(!err.needs_login(), "a spent quota keeps the session");
    assert_eq!(transport.sent().len(), 1, "the refusal was not retried");
    // The other tab calls nothing while the pause holds.
    let second = session(&two, &tab_two);
    assert_eq!(
        block_on(second.me()).unwrap_err(),
        SessionError::Quota(pause)
    );
    assert_eq!(transport.sent().len(), 1);
    // Once it has passed, the next read goes out.
    CLOCK_NOW.set(pause.until_ms);
    assert_eq!(block_on(second.me()).unwrap().id, "alice");
    assert_eq!(transport.sent().len(), 2);
    assert_eq!(
        hub.calls.borrow().count(CLOCK_NOW.get()),
        2,
        "both calls sent are counted"
    );
}

/// Guards against the reset time being dropped where the answer could say it (per-origin CORS exposes
/// `Retry-After`), and against a long `Retry-After` without the reason being waited out as a rate limit.
#[test]
fn a_spent_quota_keeps_the_reset_time_it_was_told() {
    let hub = Hub::default();
    let (config, clock, pacer) = (config(), Fixed::new(), Pacer::default());
    let transport = Scripted::default().answer_with(
        429,
        r#"{"error":{"status":429,"message":"Too many requests"}}"#,
        Some("48925"),
    );
    let store = tokens("a0", Some("r0"), NOW + 3_600_000);
    let tab = Tab(&hub, "one");
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tab,
        pacer: &pacer,
    };
    assert_eq!(
        block_on(session.me()).unwrap_err(),
        SessionError::Quota(QuotaPause {
            until_ms: NOW + 48_925_000,
            known: true
        })
    );
    assert!(clock.slept.borrow().is_empty(), "nothing was waited out");
}

// --- Reading long lists -----------------------------------------------------------------------------------------

/// A Web API that serves a library of `total` playlists, page by page from the URL's offset, slower for earlier
/// pages (so answers come back out of order), and counts how many requests are in flight at once.
struct Library {
    total: u32,
    in_flight: Cell<u32>,
    most_in_flight: Cell<u32>,
    offsets: RefCell<Vec<u32>>,
    next_base: String,
}

impl Library {
    fn of(total: u32) -> Self {
        Library {
            total,
            in_flight: Cell::new(0),
            most_in_flight: Cell::new(0),
            offsets: RefCell::default(),
            next_base: "http://127.0.0.1:8081/v1".into(),
        }
    }
}

/// The `offset` a page's URL asks for (0 when it names none).
fn offset_of(request: &HttpRequest) -> u32 {
    request
        .url()
        .split("offset=")
        .nth(1)
        .and_then(|o| o.split('&').next())
        .and_then(|o| o.parse().ok())
        .unwrap_or(0)
}

impl Transport for Library {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let offset = offset_of(&request);
        self.offsets.borrow_mut().push(offset);
        self.in_flight.set(self.in_flight.get() + 1);
        self.most_in_flight
            .set(self.most_in_flight.get().max(self.in_flight.get()));
        for _ in 0..(10 - (offset / 50) % 10) {
            YieldOnce(false).await;
        }
        self.in_flight.set(self.in_flight.get() - 1);
        let count = self.total.saturating_sub(offset).min(50);
        let mut body = page(offset, count, self.total);
        if offset + 50 < self.total {
            let next = format!(
                r#""next":"{}/me/playlists?offset={}&limit=50","items""#,
                self.next_base,
                offset + 50
            );
            body = body.replacen(r#""items""#, &next, 1);
        }
        Ok(HttpResponse {
            status: 200,
            body,
            retry_after: None,
        })
    }
}

/// Reads a library through `transport`, with `network` running beside the read (a network that answers when it
/// says; `std::future::pending()` when the transport answers by itself), and returns the ids handed on, in order.
fn read_with<T: Transport>(
    transport: &T,
    paging: crate::config::Paging,
    network: impl Future<Output = ()>,
) -> (Result<Vec<String>, SessionError>, Cursor) {
    let mut config = config();
    config.paging = paging;
    let clock = Fixed::new();
    let tabs = Alone::default();
    let pacer = Pacer::default();
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let session = Session {
        config: &config,
        transport,
        store: &store,
        clock: &clock,
        tabs: &tabs,
        pacer: &pacer,
    };
    let mut read = LibraryRead::default();
    let mut ids = vec![];
    let reading = session.library(&mut read, |added, _, _| {
        ids.extend(added.into_iter().map(|p| p.id.to_string()));
        ControlFlow::Continue(())
    });
    let result = match block_on(futures::future::select(
        std::pin::pin!(reading),
        std::pin::pin!(network),
    )) {
        futures::future::Either::Left((result, _)) => result,
        futures::future::Either::Right(_) => panic!("the network stopped before the read ended"),
    };
    (result.map(|()| ids), read.cursor)
}

/// Guards against a long library read one page at a time, more pages in flight than the app allows, or pages
/// shown out of order when their answers come back out of order.
#[test]
fn long_lists_are_read_pages_in_flight_at_a_time_and_shown_in_order() {
    let api = Library::of(10_000);
    let (ids, cursor) = read_with(
        &api,
        crate::config::Paging::Concurrent,
        std::future::pending(),
    );
    let ids = ids.unwrap();
    assert_eq!(ids.len(), 10_000);
    assert!(
        ids.iter().enumerate().all(|(i, id)| *id == format!("p{i}")),
        "in order"
    );
    assert_eq!(
        api.most_in_flight.get(),
        crate::config::PAGES_IN_FLIGHT as u32
    );
    assert_eq!(api.offsets.borrow().len(), 200, "each page once");
    assert!(cursor.done);
}

/// A Web API whose answers arrive when the network says, not when they are polled: [`Wire::deliver`] answers one
/// request at a time, always the one sent last, so answers come back in the reverse of the order they were asked.
#[derive(Default)]
struct Wire {
    waiting: RefCell<Vec<OnTheWire>>,
    /// How many other requests were on the wire as each request was sent.
    in_flight_at_send: RefCell<Vec<usize>>,
}

/// A request on the wire: its offset, whether its answer is in, and who waits for it.
type OnTheWire = (u32, Rc<Cell<bool>>, Rc<RefCell<Option<std::task::Waker>>>);

impl Transport for Wire {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let offset = offset_of(&request);
        let (done, waker) = (Rc::new(Cell::new(false)), Rc::new(RefCell::new(None)));
        {
            let mut waiting = self.waiting.borrow_mut();
            self.in_flight_at_send.borrow_mut().push(waiting.len());
            waiting.push((offset, done.clone(), waker.clone()));
        }
        std::future::poll_fn(|cx| {
            if done.get() {
                std::task::Poll::Ready(())
            } else {
                *waker.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await;
        Ok(HttpResponse {
            status: 200,
            body: page(offset, 10_000u32.saturating_sub(offset).min(50), 10_000),
            retry_after: None,
        })
    }
}

impl Wire {
    /// Answers the request sent last, one each time it is polled, for ever.
    async fn deliver(&self) {
        loop {
            if let Some((_, done, waker)) = self.waiting.borrow_mut().pop() {
                done.set(true);
                if let Some(waker) = waker.borrow_mut().take() {
                    waker.wake();
                }
            }
            YieldOnce(false).await;
        }
    }
}

/// Guards against a request slot left idle while an earlier page is still on the wire: each answer frees its
/// slot for the next page at once, whichever page it was (they are still shown in order).
#[test]
fn the_next_page_is_asked_for_as_soon_as_any_answer_is_in() {
    let wire = Wire::default();
    let (ids, _) = read_with(&wire, crate::config::Paging::Concurrent, wire.deliver());
    let ids = ids.unwrap();
    assert_eq!(ids.len(), 10_000);
    assert!(
        ids.iter().enumerate().all(|(i, id)| *id == format!("p{i}")),
        "in order"
    );
    let at_send = wire.in_flight_at_send.borrow();
    let slots = crate::config::PAGES_IN_FLIGHT;
    // The first page alone (it tells the total), then a page for every slot at once.
    let first_wave: Vec<usize> = std::iter::once(0).chain(0..slots).collect();
    assert_eq!(at_send[..=slots], first_wave);
    // From then on, every request takes the place of one answered: all the other slots are still on the wire.
    let rest = &at_send[slots + 1..];
    let idle: Vec<_> = rest.iter().filter(|&&n| n < slots - 1).collect();
    assert!(
        idle.is_empty(),
        "{} of {} requests sent with a slot idle",
        idle.len(),
        rest.len()
    );
}

/// Guards against the sequential reading (Spotify's SDK's way, kept for the benchmark) skipping pages, running
/// pages at once, or following a `next` link off the API with the bearer token.
#[test]
fn sequential_reading_follows_next_and_stays_on_the_api() {
    let api = Library::of(320);
    let (ids, _) = read_with(
        &api,
        crate::config::Paging::Sequential,
        std::future::pending(),
    );
    assert_eq!(ids.unwrap().len(), 320);
    assert_eq!(api.most_in_flight.get(), 1);
    assert_eq!(*api.offsets.borrow(), [0, 50, 100, 150, 200, 250, 300]);

    let mut elsewhere = Library::of(320);
    elsewhere.next_base = "https://evil.example/v1".into();
    let (result, _) = read_with(
        &elsewhere,
        crate::config::Paging::Sequential,
        std::future::pending(),
    );
    assert!(matches!(
        result,
        Err(SessionError::Api(ApiError::Malformed(_)))
    ));
    assert_eq!(
        *elsewhere.offsets.borrow(),
        [0],
        "nothing was sent off the API"
    );
}

/// Guards against a log out that leaves the grant alive at a provider that can revoke it, and against a
/// revocation sent where there is no endpoint for it.
#[test]
fn log_out_revokes_the_refresh_token_where_the_provider_can() {
    let mut config = config();
    config.revocation_endpoint = Some("http://127.0.0.1:8081/api/revoke".into());
    let transport = Scripted::default().answer(200, "");
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let clock = Fixed::new();
    let tabs = Alone::default();
    let pacer = Pacer::default();
    let tokens = store.load().unwrap();
    let session = Session {
        config: &config,
        transport: &transport,
        store: &store,
        clock: &clock,
        tabs: &tabs,
        pacer: &pacer,
    };
    block_on(session.revoke(&tokens));
    assert_eq!(
        transport.sent(),
        ["POST http://127.0.0.1:8081/api/revoke token=r1&token_type_hint=refresh_token&client_id=pkce-playlists-local"]
    );
    let nowhere = Scripted::default();
    run(&nowhere, &store, async |s| s.revoke(&tokens).await);
    assert!(nowhere.sent().is_empty());
}

/// Guards against a sign-in whose end comes as a surprise: it is known from the authorization, and its last
/// week is told apart.
#[test]
fn the_end_of_a_sign_in_is_known_and_its_last_week_told() {
    let mut grant = token_set("a", Some("r"), NOW).grant;
    grant.authorized_at_ms = NOW;
    let ends = sign_in_ends_at(&grant).unwrap();
    assert_eq!(ends, NOW + REFRESH_TOKEN_LIFETIME_MS);
    assert!(!sign_in_ends_soon(ends, ends - SIGN_IN_WARNING_MS - 1));
    assert!(sign_in_ends_soon(ends, ends - SIGN_IN_WARNING_MS));
    assert!(sign_in_ends_soon(ends, ends + 1));
    grant.authorized_at_ms = 0;
    assert_eq!(sign_in_ends_at(&grant), None);
}
