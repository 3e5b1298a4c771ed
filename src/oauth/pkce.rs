//! PKCE with the S256 method (RFC 7636).

use sha2::{Digest, Sha256};

use super::secret::{CodeVerifier, State};

/// How many random bytes go into a verifier and into a `state`: 32 bytes give 43 base64url characters, the
/// shortest verifier RFC 7636 allows, with 256 bits of entropy.
pub const RANDOM_BYTES: usize = 32;

/// The `code_challenge` sent with the authorization request. Not secret: it is in the URL by design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CodeVerifier {
    /// A verifier made from fresh random bytes (the caller supplies them, so tests are deterministic).
    pub fn from_random(bytes: &[u8; RANDOM_BYTES]) -> Self {
        CodeVerifier::new(crate::base64url::encode(bytes))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`, without padding.
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(crate::base64url::encode(Sha256::digest(
            self.secret().as_bytes(),
        )))
    }
}

impl State {
    /// A `state` made from fresh random bytes.
    pub fn from_random(bytes: &[u8; RANDOM_BYTES]) -> Self {
        State::new(crate::base64url::encode(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a wrong hash or encoding: the verifier and challenge of RFC 7636 Appendix B.
    #[test]
    fn rfc7636_appendix_b_vector() {
        let bytes: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = CodeVerifier::from_random(&bytes);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            verifier.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    /// Guards against padding or the standard alphabet sneaking in: 43 url-safe characters, always.
    #[test]
    fn verifier_and_state_are_43_url_safe_characters() {
        for fill in [0u8, 0xfb, 0xff] {
            let v = CodeVerifier::from_random(&[fill; 32]);
            let s = State::from_random(&[fill; 32]);
            for value in [v.secret(), s.secret(), v.challenge().as_str()] {
                assert_eq!(value.len(), 43, "{value}");
                assert!(value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            }
        }
    }
}
