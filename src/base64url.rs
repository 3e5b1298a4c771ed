//! Base64url without padding (RFC 4648 §5), as PKCE, the state and the session's keys write it. Decoding is
//! strict: only the canonical encoding of some bytes is read (no padding, no symbol outside the alphabet, no
//! length that no encoding has, no bits set past the end of the data), as the `base64` crate's `URL_SAFE_NO_PAD`
//! reads it. A few lines here instead of that crate's generic engine, which weighs kilobytes in the wasm.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in base64url, without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn value(symbol: u8) -> Option<u32> {
    let v = match symbol {
        b'A'..=b'Z' => symbol - b'A',
        b'a'..=b'z' => symbol - b'a' + 26,
        b'0'..=b'9' => symbol - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// The bytes `text` encodes, when it is canonical base64url without padding.
pub fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let text = text.as_ref();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .try_fold(0u32, |n, (i, &c)| Some(n | value(c)? << (18 - 6 * i)))?;
        let len = chunk.len() - 1;
        // The bits of the last symbol that no byte holds must be zero.
        if n & (0xFF_FFFF >> (8 * len)) != 0 {
            return None;
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..len]);
    }
    Some(out)
}

// Against the `base64` crate, a dev-dependency of the host only (the pure core is tested there).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    #[test]
    fn encodes_as_the_base64_crate_does() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let text = encode(&bytes);
            assert_eq!(text, URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(decode(&text), Some(bytes));
        }
        assert_eq!(encode(b"\xfb\xff"), "-_8");
    }

    /// Every text of up to five symbols from a set that holds every kind of symbol, and of bad ones: read exactly
    /// when the base64 crate reads it, as the same bytes.
    #[test]
    fn decodes_exactly_what_the_base64_crate_decodes() {
        let symbols = b"AQgw-_9aZ=+/. \xc3";
        let mut texts = vec![Vec::new()];
        let mut level = vec![Vec::new()];
        for _ in 0..5 {
            level = level
                .iter()
                .flat_map(|t: &Vec<u8>| {
                    symbols.iter().map(move |&s| {
                        let mut t = t.clone();
                        t.push(s);
                        t
                    })
                })
                .collect();
            texts.extend(level.iter().cloned());
        }
        for text in texts {
            assert_eq!(
                decode(&text),
                URL_SAFE_NO_PAD.decode(&text).ok(),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
