//! Random bytes from the browser's CSPRNG (`crypto.getRandomValues`, through getrandom).

/// Fresh random bytes, or `None` when the browser offers no secure randomness.
pub fn bytes<const N: usize>() -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).ok()?;
    Some(buf)
}
