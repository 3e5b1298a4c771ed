//! The callback: `oauth::parse_callback` and `validate_callback` against two fixed pending logins (one without an
//! issuer, one whose provider always sends `iss`), and `PendingLogin::from_storage_json` on whatever
//! sessionStorage may hold.
//!
//! Input: the first line is the query string (as `location.search` gives it); the rest, when not empty, is the
//! stored pending login's JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pkce_playlists::oauth::authorize::{return_path, PENDING_LOGIN_MAX_AGE_MS};
use pkce_playlists::oauth::callback::{MAX_CODE_BYTES, MAX_QUERY_BYTES};
use pkce_playlists::oauth::{
    parse_callback, validate_callback, AuthorizationCode, CallbackError, PendingLogin, RedirectUri,
};
use pkce_playlists_fuzz::{assert_sentence, split_first_line};

/// When the fixed login started.
const STARTED_MS: u64 = 1_700_000_000_000;
/// The fixed login's `state`: `State::from_random(&[0xff; 32])`.
const STATE: &str = "__________________________________________8";
/// The issuer of the second login, which requires `iss` in every response.
const ISSUER: &str = "http://127.0.0.1:8081";
/// What a `code` is replaced with to see whether an error depends on it.
const MARKER: &str = "fuzz-code-marker-Q7";
/// A second well-formed code, to tell a message that shows the code from one whose own text (an
/// `error_description`, once cleaned) happens to hold a marker.
const OTHER_MARKER: &str = "fuzz-code-other-K2";

fn fixed_login(with_issuer: bool) -> PendingLogin {
    let login = PendingLogin::new(
        &[0; 32],
        &[0xff; 32],
        RedirectUri::new("http://127.0.0.1:8080/callback"),
        STARTED_MS,
    );
    if with_issuer {
        login.to_issuer(Some(ISSUER.to_owned()), true)
    } else {
        login
    }
}

/// The query's parameters, decoded as `parse_callback` decodes them.
fn parameters(query: &str) -> Vec<(String, String)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn values<'a>(parameters: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    parameters
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// What holds of one answer of `parse_callback` for `query` against `login`. `random_state`: the login's state
/// is a real one (256 random bits), so that finding it in a message means the message shows it.
fn check(
    query: &str,
    login: &PendingLogin,
    result: &Result<AuthorizationCode, CallbackError>,
    random_state: bool,
) {
    let parameters = parameters(query);
    match result {
        Ok(code) => {
            // A code comes out only of a response that is unambiguous, carries this login's state (and issuer,
            // when it has one) and no error, and holds a code as RFC 6749 writes one.
            let secret = code.secret();
            assert!(!secret.is_empty(), "an empty code was accepted");
            assert!(secret.len() <= MAX_CODE_BYTES);
            assert!(
                secret.chars().all(|c| (' '..='~').contains(&c)),
                "code {secret:?}"
            );
            assert!(!login.state.secret().is_empty());
            assert_eq!(values(&parameters, "code"), [secret]);
            assert_eq!(values(&parameters, "state"), [login.state.secret()]);
            assert!(values(&parameters, "error").iter().all(|e| e.is_empty()));
            assert!(values(&parameters, "error_description").len() <= 1);
            let iss: Vec<&str> = values(&parameters, "iss")
                .into_iter()
                .filter(|i| !i.is_empty())
                .collect();
            match (&login.issuer, login.iss_required) {
                (Some(issuer), true) => assert_eq!(iss, [issuer.as_str()]),
                (Some(issuer), false) => assert!(iss.iter().all(|i| i == issuer)),
                (None, _) => assert!(iss.is_empty(), "iss {iss:?} accepted without an issuer"),
            }
            for token in ["access_token", "id_token", "token"] {
                assert!(values(&parameters, token).is_empty(), "{token} accepted");
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert_sentence(&message);
            assert!(!error.code().is_empty());
            // The state is a secret: a message shows it only where the provider's own error text carries it.
            let echoed = values(&parameters, "error")
                .into_iter()
                .chain(values(&parameters, "error_description"))
                .any(|v| v.contains(login.state.secret()));
            if random_state && !echoed {
                assert!(
                    !message.contains(login.state.secret()),
                    "the state in {message:?}"
                );
            }
        }
    }
}

/// The same query with every non-empty `code` value replaced by `marker`, a well-formed code. `None` when there
/// is no code to replace, the marker is in the query already, or either query is over the size limit.
fn with_code_replaced(query: &str, marker: &str) -> Option<String> {
    if query.len() > MAX_QUERY_BYTES {
        return None;
    }
    let parameters = parameters(query);
    let has_code = parameters.iter().any(|(n, v)| n == "code" && !v.is_empty());
    let has_marker = parameters
        .iter()
        .any(|(n, v)| n.contains(marker) || v.contains(marker));
    if !has_code || has_marker {
        return None;
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &parameters {
        let value = if name == "code" && !value.is_empty() {
            marker
        } else {
            value
        };
        out.append_pair(name, value);
    }
    Some(out.finish()).filter(|q| q.len() <= MAX_QUERY_BYTES)
}

/// Everything about one query against one fixed login.
fn check_fixed(query: &str, with_issuer: bool) {
    let login = fixed_login(with_issuer);
    assert_eq!(login.state.secret(), STATE);
    let result = parse_callback(query, &login);
    check(query, &login, &result, true);

    // The code's value decides only whether the code is well-formed: every other outcome is the same with any
    // code, and no message shows it.
    if let Some(replaced) = with_code_replaced(query, MARKER) {
        match (&result, parse_callback(&replaced, &login)) {
            (Ok(_) | Err(CallbackError::MalformedCode), Ok(code)) => {
                assert_eq!(code.secret(), MARKER)
            }
            (Err(before), Err(after)) => {
                assert_eq!(before, &after, "the error depends on the code's value");
                // A message that showed the code would differ with another code.
                if let Some(Err(other)) = with_code_replaced(query, OTHER_MARKER)
                    .map(|q| parse_callback(&q, &login).map(|_| ()))
                {
                    assert_eq!(
                        after.to_string(),
                        other.to_string(),
                        "the code in {after:?}"
                    );
                }
            }
            (before, after) => panic!(
                "the code's value changed the outcome: {:?} then {:?}",
                before.as_ref().err(),
                after.err()
            ),
        }
    }

    // The whole check agrees with the parse, and adds only the waiting login and its age.
    assert_eq!(
        validate_callback(query, None, STARTED_MS).unwrap_err(),
        CallbackError::NoPendingLogin
    );
    for now in [
        0,
        STARTED_MS,
        STARTED_MS + PENDING_LOGIN_MAX_AGE_MS,
        STARTED_MS + PENDING_LOGIN_MAX_AGE_MS + 1,
    ] {
        let stale = login.is_stale(now);
        match (
            &result,
            validate_callback(query, Some(fixed_login(with_issuer)), now),
        ) {
            (Ok(code), Ok((again, back))) => {
                assert!(!stale);
                assert_eq!(code.secret(), again.secret());
                assert_eq!(back.state.secret(), STATE);
            }
            (Ok(_), Err(error)) => {
                assert!(stale);
                assert_eq!(error, CallbackError::StaleLogin);
            }
            (Err(error), Err(again)) => assert_eq!(error, &again),
            (Err(error), Ok(_)) => {
                panic!("validate_callback accepted what parse_callback refused: {error:?}")
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (query, stored) = split_first_line(data);
    check_fixed(&query, false);
    check_fixed(&query, true);

    // Whatever sessionStorage holds: read back only what the app could have written, and the same after a round
    // trip; a return path is always one of this app's.
    if let Some(stored) = PendingLogin::from_storage_json(&stored) {
        let back = PendingLogin::from_storage_json(&stored.to_storage_json())
            .expect("a pending login's own JSON reads back");
        assert_eq!(back.verifier.secret(), stored.verifier.secret());
        assert_eq!(back.state.secret(), stored.state.secret());
        assert_eq!(back.redirect_uri, stored.redirect_uri);
        assert_eq!(back.created_at_ms, stored.created_at_ms);
        assert_eq!(back.return_to, stored.return_to);
        assert_eq!(back.show_dialog, stored.show_dialog);
        assert_eq!(back.issuer, stored.issuer);
        assert_eq!(back.iss_required, stored.iss_required);
        if let Some(path) = &stored.return_to {
            assert_eq!(return_path(path).as_deref(), Some(path.as_str()));
            assert!(path.starts_with('/') && !path.starts_with("//"), "{path:?}");
        }
        assert_eq!(stored.grant_id(), back.grant_id());
        for now in [0, STARTED_MS, pkce_playlists_fuzz::BROWSER_MAX_MS] {
            stored.is_stale(now);
        }
        let result = parse_callback(&query, &stored);
        check(&query, &stored, &result, false);
        let _ = validate_callback(&query, Some(stored), STARTED_MS);
    }
});
