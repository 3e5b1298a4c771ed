//! Random secrets (authorization codes, tokens, pending-request ids) from the OS generator.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// 256 random bits as 43 base64url characters.
///
/// # Panics
/// Only if the operating system has no random source, in which case no secret can be made safely.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A short, safe prefix of a secret for logs.
pub fn prefix(secret: &str) -> &str {
    secret.get(..6).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(prefix(&a).len(), 6);
    }
}
