//! What the tabs of a session share, in a real browser: AES-GCM through WebCrypto, the end marker a returning tab
//! finds, the purge of what no session can use, and messages that do not come from the session.

use pkce_playlists::browser::{crypto, tabs, SessionTokens};
use pkce_playlists::session::key::{ENDED_PREFIX, RECORD_PREFIX};
use pkce_playlists::session::tabs::{envelope, seal_end, Message, MESSAGE_AAD};
use pkce_playlists::session::{Record, SessionEnd, SessionKey, TokenStore};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{fresh_session, sleep, window};

fn local_storage() -> web_sys::Storage {
    window().local_storage().unwrap().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Guards against the adapter using WebCrypto wrongly (another mode, a lost tag, the nonce or the data ignored):
/// it gives the published AES-256-GCM answer (McGrew and Viega's test case 14) and refuses anything altered.
#[wasm_bindgen_test]
async fn aes_gcm_through_webcrypto_matches_the_published_vector_and_refuses_tampering() {
    let sealed = crypto::seal(&[0; 32], [0; 12], b"", &[0; 16])
        .await
        .unwrap();
    assert_eq!(
        hex(&sealed),
        "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
    );
    let key = [7; 32];
    let sealed = crypto::seal(&key, [1; 12], MESSAGE_AAD, b"tokens")
        .await
        .unwrap();
    assert_eq!(
        crypto::open(&key, [1; 12], MESSAGE_AAD, &sealed)
            .await
            .as_deref(),
        Some(&b"tokens"[..])
    );
    let mut flipped = sealed.clone();
    flipped[0] ^= 1;
    assert_eq!(
        crypto::open(&key, [1; 12], MESSAGE_AAD, &flipped).await,
        None
    );
    assert_eq!(
        crypto::open(&[8; 32], [1; 12], MESSAGE_AAD, &sealed).await,
        None
    );
    assert_eq!(
        crypto::open(&key, [2; 12], MESSAGE_AAD, &sealed).await,
        None
    );
    assert_eq!(crypto::open(&key, [1; 12], b"other", &sealed).await, None);
}

/// Guards against a tab that comes back after a log out elsewhere finding its session usable: the marker the end
/// left under its key is found; one left by another session, or forged, is not.
#[wasm_bindgen_test]
async fn a_returning_tab_finds_the_end_of_its_session_and_only_of_its_own() {
    fresh_session("alice").await;
    let key = SessionTokens.load().unwrap().key;
    assert_eq!(tabs::ended_elsewhere(), None);
    let other = SessionKey::from_bytes([3; 32]);
    let storage = local_storage();
    storage
        .set_item(
            &key.names().ended,
            &seal_end(&other, &SessionEnd::LoggedOut, u64::MAX),
        )
        .unwrap();
    assert_eq!(
        tabs::ended_elsewhere(),
        None,
        "a marker under another key is no end"
    );
    storage
        .set_item(
            &key.names().ended,
            &seal_end(&key, &SessionEnd::LoggedOut, u64::MAX),
        )
        .unwrap();
    assert_eq!(tabs::ended_elsewhere(), Some(SessionEnd::LoggedOut));
    storage.remove_item(&key.names().ended).unwrap();
}

/// Guards against records and markers piling up in localStorage: what has had its time and the records of the
/// old form go at start; what is in time, and what is not the app's, stays.
#[wasm_bindgen_test]
fn the_purge_removes_only_what_no_session_can_use() {
    let storage = local_storage();
    let key = SessionKey::from_bytes([4; 32]);
    let record = Record {
        version: 1,
        refresh_fingerprint: "f".into(),
        in_flight: None,
    };
    let now = js_sys::Date::now() as u64;
    let live = format!("{RECORD_PREFIX}live");
    let old = format!("{RECORD_PREFIX}old");
    let ended_old = format!("{ENDED_PREFIX}old");
    storage
        .set_item(&live, &record.seal(&key, now + 60_000))
        .unwrap();
    storage.set_item(&old, &record.seal(&key, now - 1)).unwrap();
    storage
        .set_item(&ended_old, &seal_end(&key, &SessionEnd::LoggedOut, now - 1))
        .unwrap();
    storage
        .set_item("pkce-playlists:grant:abc", r#"{"version":1,"refresh":"x"}"#)
        .unwrap();
    storage.set_item("another-app", "kept").unwrap();
    tabs::purge();
    assert!(storage.get_item(&live).unwrap().is_some());
    assert!(storage.get_item(&old).unwrap().is_none());
    assert!(storage.get_item(&ended_old).unwrap().is_none());
    assert!(storage
        .get_item("pkce-playlists:grant:abc")
        .unwrap()
        .is_none());
    assert_eq!(
        storage.get_item("another-app").unwrap().as_deref(),
        Some("kept")
    );
    storage.remove_item(&live).unwrap();
    storage.remove_item("another-app").unwrap();
}

/// Guards against a script of the origin that found the session's channel ending or hijacking the session: an
/// end in the clear, an end sealed under another key and tokens in the clear are all dropped.
#[wasm_bindgen_test]
async fn messages_that_do_not_open_with_the_session_key_have_no_effect() {
    fresh_session("alice").await;
    let mine = SessionTokens.load().unwrap();
    let ended = std::rc::Rc::new(std::cell::Cell::new(false));
    let seen = ended.clone();
    tabs::listen(move |_| seen.set(true));
    let outsider = web_sys::BroadcastChannel::new(&mine.key.names().channel).unwrap();
    let end = Message::End {
        why: "logged-out".into(),
    };
    outsider
        .post_message(&JsValue::from_str(
            &String::from_utf8(end.to_bytes()).unwrap(),
        ))
        .unwrap();
    let wrong = crypto::seal(&[9; 32], [5; 12], MESSAGE_AAD, &end.to_bytes())
        .await
        .unwrap();
    outsider
        .post_message(&JsValue::from_str(&envelope([5; 12], &wrong)))
        .unwrap();
    let mut forged = mine.clone();
    forged.grant.version += 10;
    let tokens = Message::Tokens {
        tokens: forged.to_storage_json(),
    };
    outsider
        .post_message(&JsValue::from_str(
            &String::from_utf8(tokens.to_bytes()).unwrap(),
        ))
        .unwrap();
    sleep(300).await;
    assert!(!ended.get(), "an unsealed or foreign end was obeyed");
    let now = SessionTokens.load().expect("still signed in");
    assert_eq!(now.grant.version, mine.grant.version);
    // The same end, sealed with the session's key, is obeyed: the test can fail.
    let sealed = crypto::seal(
        &mine.key.sealing_key(),
        [6; 12],
        MESSAGE_AAD,
        &end.to_bytes(),
    )
    .await
    .unwrap();
    outsider
        .post_message(&JsValue::from_str(&envelope([6; 12], &sealed)))
        .unwrap();
    sleep(300).await;
    assert!(ended.get(), "the session's own end was not obeyed");
    assert!(SessionTokens.load().is_none());
    outsider.close();
}
