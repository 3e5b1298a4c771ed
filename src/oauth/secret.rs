//! Newtypes for the values of the OAuth flow.
//!
//! Secret values print `[redacted]` in `Debug`, have no `Display` and no `PartialEq`, and are read only through
//! `.secret()`, so they are hard to log or compare carelessly. Values that are not secret (the client id, the
//! redirect URI) are plain newtypes so that they cannot be swapped with one another by mistake.

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

/// Compares two byte strings in time that depends only on their lengths, not on where they first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold back into an early-exit comparison.
    std::hint::black_box(diff) == 0
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
