use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::ops::ControlFlow;

use futures::executor::block_on;
use futures::future::join;

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
        self.answers.borrow_mut().push_back(Ok(HttpResponse {
            status,
            body: body.into(),
            retry_after: None,
        }));
        self
    }
    fn fail(self, why: &str) -> Self {
        self.answers
            .borrow_mut()
            .push_back(Err(TransportError::Network { detail: why.into() }));
        self
    }
    fn sent(&self) -> Vec<String> {
        self.sent.borrow().clone()
    }
    fn slow(self) -> Self {
        Scripted { slow: true, ..self }
    }
}

impl Transport for Scripted {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(match request {
            HttpRequest::PostForm { url, body } => format!("POST {url} {body}"),
            HttpRequest::GetWithBearer { url, token } => {
                format!("GET {url} bearer={}", token.secret())
            }
        });
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
    fn save(&self, tokens: &TokenSet) {
        *self.0.borrow_mut() = Some(tokens.to_storage_json());
    }
    fn clear(&self) {
        *self.0.borrow_mut() = None;
    }
}

struct Fixed(Cell<u64>);

impl Clock for Fixed {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}

fn tokens(access: &str, refresh: Option<&str>, expires_at_ms: u64) -> Memory {
    let store = Memory::default();
    store.save(&TokenSet {
        access_token: AccessToken::new(access),
        refresh_token: refresh.map(RefreshToken::new),
        expires_at_ms,
        refresh_at_ms: expires_at_ms.saturating_sub(crate::oauth::token::EXPIRY_MARGIN_MS),
        scopes: vec![],
    });
    store
}

const TOKENS: &str = r#"{"access_token":"new-access","token_type":"Bearer","expires_in":3600,"refresh_token":"new-refresh","scope":"playlist-read-private"}"#;
const ME: &str = r#"{"id":"alice","display_name":"Alice"}"#;
const EXPIRED: &str = r#"{"error":{"status":401,"message":"The access token expired"}}"#;

fn run<R>(
    transport: &Scripted,
    store: &Memory,
    f: impl AsyncFnOnce(&Session<'_, Scripted, Memory, Fixed>) -> R,
) -> R {
    let config = config();
    let clock = Fixed(Cell::new(NOW));
    let refresh_lock = RefreshLock::new(());
    let session = Session {
        config: &config,
        transport,
        store,
        clock: &clock,
        refresh_lock: &refresh_lock,
    };
    block_on(f(&session))
}

fn login() -> PendingLogin {
    PendingLogin::new(
        &[0; 32],
        &[1; 32],
        RedirectUri::new("http://127.0.0.1:8080/callback"),
        NOW,
    )
}

/// Guards against an exchange that goes elsewhere than the token endpoint, or forgets to keep the tokens.
#[test]
fn exchange_code_posts_the_form_and_keeps_the_tokens() {
    let transport = Scripted::default().answer(200, TOKENS);
    let store = Memory::default();
    let set = run(&transport, &store, async |s| {
        s.exchange_code(AuthorizationCode::new("c"), login()).await
    })
    .unwrap();
    assert_eq!(set.expires_at_ms, NOW + 3_600_000);
    assert_eq!(store.load().unwrap().access_token.secret(), "new-access");
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
        s.exchange_code(AuthorizationCode::new("c"), login()).await
    })
    .unwrap_err();
    assert!(err.is_permanent());
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
    assert_eq!(
        store.load().unwrap().refresh_token.unwrap().secret(),
        "new-refresh"
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

/// Guards against a dead refresh token leaving a session that can never work (Spotify: 6 months).
#[test]
fn invalid_grant_on_refresh_ends_the_session() {
    let dead = r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#;
    let transport = Scripted::default().answer(400, dead);
    let store = tokens("a1", Some("r1"), NOW);
    let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
    assert!(
        matches!(err, SessionError::Ended(_)) && err.needs_login(),
        "{err:?}"
    );
    assert!(store.load().is_none());
}

/// Guards against logging the user out because the network blinked during a refresh.
#[test]
fn network_failure_on_refresh_keeps_the_session() {
    let transport = Scripted::default().fail("Failed to fetch");
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
        let transport = Scripted::default().answer(status, body);
        let store = tokens("a1", Some("r1"), NOW);
        let err = run(&transport, &store, async |s| s.me().await).unwrap_err();
        assert!(matches!(err, SessionError::Refresh(_)), "{body}: {err:?}");
        assert!(store.load().is_some(), "{body}");
    }
}

/// Guards against losing the refresh token when the provider does not rotate it.
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

/// Guards against missing, repeated or reordered pages in a library of several pages.
#[test]
fn library_reads_every_page_in_order() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 120))
        .answer(200, &page(50, 50, 120))
        .answer(200, &page(100, 20, 120));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut seen = vec![];
    let library = run(&transport, &store, async |s| {
        s.library(|added, total, _| {
            seen.push((added.len(), total));
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!(seen, [(50, 120), (50, 120), (20, 120)]);
    assert_eq!(library.total, 120);
    let ids: Vec<_> = library.playlists.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.first(), Some(&"p0"));
    assert_eq!(ids.last(), Some(&"p119"));
    assert!(transport.sent()[2].contains("/me/playlists?limit=50&offset=100 "));
}

/// Guards against looping on a library that shrank while it was read, and against swallowing a failed page.
#[test]
fn library_stops_when_it_shrinks_and_surfaces_errors() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 200))
        .answer(200, &page(50, 0, 200));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let library = run(&transport, &store, async |s| {
        s.library(|_, _, _| ControlFlow::Continue(())).await
    })
    .unwrap();
    assert_eq!(library.playlists.len(), 50);
    assert_eq!(transport.sent().len(), 2);

    let transport = Scripted::default()
        .answer(200, &page(0, 50, 100))
        .answer(503, "busy");
    let err = run(&transport, &store, async |s| {
        s.library(|_, _, _| ControlFlow::Continue(())).await
    })
    .unwrap_err();
    assert_eq!(err, SessionError::Api(ApiError::Server { status: 503 }));
}

#[test]
fn empty_library() {
    let transport =
        Scripted::default().answer(200, r#"{"items":[],"total":0,"offset":0,"limit":50}"#);
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let library = run(&transport, &store, async |s| {
        s.library(|_, _, _| ControlFlow::Continue(())).await
    })
    .unwrap();
    assert_eq!(library, LibraryProgress::default());
}

/// Guards against a playlist listed twice (the library changed between pages) breaking a keyed list.
#[test]
fn library_keeps_each_playlist_once() {
    let transport = Scripted::default()
        .answer(200, &page(0, 50, 60))
        .answer(200, &page(40, 20, 60));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let mut added = vec![];
    let library = run(&transport, &store, async |s| {
        s.library(|new, _, _| {
            added.push(new.len());
            ControlFlow::Continue(())
        })
        .await
    })
    .unwrap();
    assert_eq!(added, [50, 10]);
    assert_eq!(library.playlists.len(), 60);
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
        s.playlist_items(&id, |page, total, _| {
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
        s.library(|_, _, _| {
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

/// Guards against a page whose entries are all unreadable being taken for the end of a shrinking list, and
/// against losing the count of what was skipped.
#[test]
fn unreadable_entries_are_counted_and_reading_goes_on() {
    let bad_page = r#"{"items":[{"id":"../x"},{"id":"../y"}],"total":52,"offset":0,"limit":50}"#;
    let transport = Scripted::default()
        .answer(200, bad_page)
        .answer(200, &page(50, 2, 52));
    let store = tokens("a1", Some("r1"), NOW + 3_600_000);
    let library = run(&transport, &store, async |s| {
        s.library(|_, _, _| ControlFlow::Continue(())).await
    })
    .unwrap();
    assert_eq!(library.playlists.len(), 2);
    assert_eq!(library.skipped, 2);
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
        .answer(503, "");
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
