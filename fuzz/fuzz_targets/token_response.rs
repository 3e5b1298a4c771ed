//! The token endpoint's answer: `oauth::parse_token_response(status, body, now_ms, previous_refresh)`, and
//! `TokenSet::from_storage_json` on the same body as if sessionStorage held it.
//!
//! Input: the first line is `STATUS NOW_MS [PREVIOUS_REFRESH_TOKEN]` (a status that is not a number is 200, a clock
//! that is not one is 1,700,000,000,000, kept within what `Date.now()` can give); the rest is the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pkce_playlists::oauth::token::EXPIRY_MARGIN_MS;
use pkce_playlists::oauth::{parse_token_response, RefreshToken, TokenError, TokenSet};
use pkce_playlists::session::SessionKey;
use pkce_playlists_fuzz::{assert_sentence, clock, split_first_line, status};

/// The longest lifetime the parser accepts (ten years), in milliseconds.
const LONGEST_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

/// Two token sets are the same session.
fn assert_same(a: &TokenSet, b: &TokenSet) {
    assert_eq!(a.access_token.secret(), b.access_token.secret());
    assert_eq!(
        a.refresh_token.as_ref().map(RefreshToken::secret),
        b.refresh_token.as_ref().map(RefreshToken::secret)
    );
    assert_eq!(a.expires_at_ms, b.expires_at_ms);
    assert_eq!(a.refresh_at_ms, b.refresh_at_ms);
    assert_eq!(a.scopes, b.scopes);
    assert_eq!(a.grant, b.grant);
}

/// What holds of any token set the app keeps: a token to send, and a storage round trip that loses nothing.
fn check_kept(set: &TokenSet) {
    assert!(!set.access_token.secret().is_empty());
    if let Some(refresh) = &set.refresh_token {
        assert!(!refresh.secret().is_empty());
    }
    assert_eq!(format!("{:?}", set.access_token), "AccessToken([redacted])");
    let back = TokenSet::from_storage_json(&set.to_storage_json())
        .expect("a token set's own JSON reads back");
    assert_same(set, &back);
}

fuzz_target!(|data: &[u8]| {
    let (header, body) = split_first_line(data);
    let mut fields = header.split(' ');
    let status = status(fields.next(), 200);
    let now = clock(fields.next(), 1_700_000_000_000);
    let previous = fields.next().filter(|t| !t.is_empty()).map(str::to_owned);

    match parse_token_response(
        status,
        &body,
        now,
        previous.clone().map(RefreshToken::new),
        SessionKey::from_bytes([7; 32]),
    ) {
        Ok(set) => {
            assert!((200..300).contains(&status), "tokens from HTTP {status}");
            check_kept(&set);
            // The token is good for a while from now, and is refreshed before it dies, not before it is used.
            assert!(
                set.expires_at_ms > now,
                "expires at {} <= now {now}",
                set.expires_at_ms
            );
            assert!(set.expires_at_ms - now <= LONGEST_MS);
            assert!(now < set.refresh_at_ms && set.refresh_at_ms <= set.expires_at_ms);
            assert!(set.expires_at_ms - set.refresh_at_ms <= EXPIRY_MARGIN_MS);
            assert!(!set.needs_refresh(now));
            assert!(set.needs_refresh(set.expires_at_ms));
            // A refresh that brings no refresh token keeps the one it spent.
            if set.refresh_token.is_none() {
                assert!(previous.is_none(), "the spent refresh token was dropped");
            }
            assert!(set
                .scopes
                .iter()
                .all(|s| !s.is_empty() && !s.contains(char::is_whitespace)));
            assert_eq!(set.grant, Default::default());
        }
        Err(error) => {
            assert_sentence(&error.to_string());
            if (200..300).contains(&status) {
                assert!(
                    !matches!(error, TokenError::OAuth { .. } | TokenError::Network(_)),
                    "HTTP {status} read as {error:?}"
                );
            } else {
                assert!(
                    matches!(error, TokenError::OAuth { status: s, .. } | TokenError::NotJson { status: s } if s == status),
                    "HTTP {status} read as {error:?}"
                );
            }
            if error.is_permanent() {
                assert_eq!(error.code(), "token-refused");
                assert!(error.oauth_error().is_some_and(|e| e.is_permanent()));
            }
            if let TokenError::OAuth {
                error: code,
                description,
                ..
            } = &error
            {
                assert!(!code.as_str().is_empty());
                assert!(description.as_ref().is_none_or(|d| !d.is_empty()));
            }
        }
    }

    // What sessionStorage may hold, written by any version of the app or by hand.
    if let Some(stored) = TokenSet::from_storage_json(&body) {
        check_kept(&stored);
        stored.needs_refresh(now);
    }
});
