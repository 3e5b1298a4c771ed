//! Deterministic Spotify-style ids: 22 base62 characters.
//!
//! A playlist id encodes its owner and index reversibly (a keyed Feistel permutation, then a
//! check part), so an id can be resolved without a table and a typo is an unknown id.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HALF: usize = 11;

/// The first 8 bytes of SHA-256 over the parts (with separators), as a number.
pub fn hash64(parts: &[&[u8]]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

fn base62(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.into_iter().map(char::from).collect()
}

fn from_base62(s: &str) -> Option<u64> {
    let mut n: u64 = 0;
    for b in s.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == b)? as u64;
        n = n.checked_mul(62)?.checked_add(digit)?;
    }
    Some(n)
}

fn round_fn(round: u8, half: u32) -> u32 {
    (hash64(&[b"local-spotify playlist id", &[round], &half.to_le_bytes()]) & 0xffff_ffff) as u32
}

fn permute(n: u64) -> u64 {
    let (mut l, mut r) = ((n >> 32) as u32, n as u32);
    for round in 0..4 {
        (l, r) = (r, l ^ round_fn(round, r));
    }
    (u64::from(l) << 32) | u64::from(r)
}

fn unpermute(n: u64) -> u64 {
    let (mut l, mut r) = ((n >> 32) as u32, n as u32);
    for round in (0..4).rev() {
        (l, r) = (r ^ round_fn(round, l), l);
    }
    (u64::from(l) << 32) | u64::from(r)
}

fn check_part(first: &str) -> String {
    base62(hash64(&[b"check", first.as_bytes()]), HALF)
}

/// Encodes a 64-bit value as a 22-character id that looks random (any u64 fits in 11 digits).
pub fn encode(value: u64) -> String {
    let first = base62(permute(value), HALF);
    let check = check_part(&first);
    first + &check
}

/// The value of an id made by [`encode`]; `None` for anything else.
pub fn decode(id: &str) -> Option<u64> {
    if id.len() != 2 * HALF || !id.is_ascii() {
        return None;
    }
    let (first, check) = id.split_at(HALF);
    let n = from_base62(first)?;
    if check_part(first) != check {
        return None;
    }
    Some(unpermute(n))
}

/// A 22-character id derived from arbitrary parts (for tracks, albums, artists).
pub fn derived(parts: &[&[u8]]) -> String {
    let a = hash64(parts);
    let b = hash64(&[b"second", &a.to_le_bytes()]);
    base62(a, HALF) + &base62(b, HALF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_look_like_spotify_ids() {
        for value in [0, 1, 42, (3 << 32) | 9_999, u64::MAX] {
            let id = encode(value);
            assert_eq!(id.len(), 22);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(decode(&id), Some(value));
        }
    }

    #[test]
    fn altered_ids_are_unknown() {
        let id = encode(5);
        let mut altered = id.clone().into_bytes();
        altered[3] = if altered[3] == b'a' { b'b' } else { b'a' };
        assert_eq!(decode(&String::from_utf8(altered).expect("ascii")), None);
        assert_eq!(decode("short"), None);
        assert_eq!(decode("zzzzzzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(decode("ééééééééééé"), None);
    }
}
