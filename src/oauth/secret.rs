//! Newtypes for the secret values of the OAuth flow.
//!
//! They print `[redacted]` in `Debug`, have no `Display` and no `PartialEq`, and are read only through
//! `.secret()`, so they are hard to log or compare carelessly. The verifier, the state and the code are not
//! `Clone` either: each is made once and spent by moving it. The values that are not secret (the client id, the
//! redirect URI) are plain newtypes in [`super::client`].

use std::fmt;

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $vis:vis $name:ident) => {
        $(#[$doc])*
        pub struct $name(String);

        impl $name {
            /// Wraps a value received from the provider or read back from storage.
            $vis fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Every call site is a place where the secret leaves the type: keep them few.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_newtype!(
    /// The PKCE `code_verifier` (RFC 7636 §4.1). Not `Clone`: it is made once, stored once, and spent once.
    pub CodeVerifier
);
secret_newtype!(
    /// The one-time `state` value that binds a callback to the login that started it.
    pub State
);
secret_newtype!(
    /// An authorization code. Outside this crate, the only way to get one is
    /// [`crate::oauth::callback::parse_callback`].
    pub(crate) AuthorizationCode
);
secret_newtype!(
    /// A bearer access token.
    pub AccessToken
);
secret_newtype!(
    /// A refresh token.
    pub RefreshToken
);

impl Clone for AccessToken {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl Clone for RefreshToken {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// Compares two byte strings without branching on their contents, with `subtle`'s `ConstantTimeEq`.
///
/// What holds: the comparison reads every byte of equal-length inputs and combines them without a data-dependent
/// branch, behind `subtle`'s optimisation barrier. That barrier is best effort (no compiler promises constant
/// time), and a length difference returns at once (lengths are not secret: every `state` is 43 characters). What
/// the app relies on more is that the `state` is 256 random bits and single-use: the pending login is taken out
/// of storage before the comparison, so a forged callback gets one guess, never a second one to refine.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let token = AccessToken::new("BQD-very-secret");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(
            format!("{:?}", CodeVerifier::new("v")),
            "CodeVerifier([redacted])"
        );
        assert_eq!(token.secret(), "BQD-very-secret");
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
