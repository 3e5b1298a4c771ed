//! `application/x-www-form-urlencoded`, as the WHATWG URL standard (§5) writes and reads it: the authorization
//! request's query, the token requests' bodies, the callback's query, the address bar's `q` and `sort`. It is the
//! app's own because it is a page of code, and the crate it replaced carried a 768-byte table of `%XX` texts into
//! the wasm. It is tested against `form_urlencoded`, which stays the reference on the host.

use std::borrow::Cow;

/// Pairs written as a form: `name=value&name=value`, each byte that is not an ASCII letter or digit or one of
/// `*-._` written `%XX` (a space as `+`).
#[derive(Debug, Default)]
pub struct Form(String);

impl Form {
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds a pair.
    pub fn append_pair(&mut self, name: &str, value: &str) -> &mut Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        encode(&mut self.0, name);
        self.0.push('=');
        encode(&mut self.0, value);
        self
    }

    /// The pairs written so far (and the form emptied).
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

fn encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        match byte {
            b' ' => out.push('+'),
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                out.push(char::from(byte))
            }
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
}

/// The pairs of `input` (a query without its `?`, or a form's body), in order: split at `&` (empty parts
/// skipped), then at the first `=`; `+` read as a space, `%XX` as its byte (a `%` without two hex digits after
/// it as itself), and bytes that are not UTF-8 as U+FFFD.
pub fn parse(input: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    input
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (decode(name), decode(value))
        })
}

fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['+', '%']) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let hex = |at: usize| bytes.get(at).and_then(|&b| char::from(b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match (byte, hex(at), hex(at + 1)) {
            (b'+', ..) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                at += 2;
            }
            _ => out.push(byte),
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<String> {
        let mut samples: Vec<String> = [
            "",
            "plain",
            "a b+c",
            "100%",
            "%",
            "%4",
            "%4g",
            "%41%42",
            "%e9",
            "%C3%A9",
            "%c3",
            "%F0%9F%98%80 ok",
            "%2B+%20",
            "=",
            "a=b=c",
            "&&a&&",
            "é ü 😀 \u{0} \r\n\t",
            "*-._~!$'()",
            "http://127.0.0.1:8080/callback?x=1&y=2#f",
        ]
        .map(str::to_owned)
        .to_vec();
        samples.extend(
            crate::untrusted::hostile()
                .into_iter()
                .map(|(text, _)| text),
        );
        samples.push((0u8..128).map(char::from).collect());
        samples
    }

    /// Guards against a form the provider reads otherwise than the app meant: every text is written as the
    /// reference writes it.
    #[test]
    fn writes_what_form_urlencoded_writes() {
        for text in samples() {
            let ours = Form::new()
                .append_pair(&text, &text)
                .append_pair("next", "x y")
                .finish();
            let reference = form_urlencoded::Serializer::new(String::new())
                .append_pair(&text, &text)
                .append_pair("next", "x y")
                .finish();
            assert_eq!(ours, reference, "{text:?}");
        }
        assert_eq!(Form::new().finish(), "");
    }

    /// Guards against a callback or an address read otherwise than a browser reads it.
    #[test]
    fn reads_what_form_urlencoded_reads() {
        let mut inputs = samples();
        inputs.extend(
            samples()
                .iter()
                .map(|s| format!("{s}&code={s}&state=%26%3D&{s}={s}")),
        );
        for input in inputs {
            let ours: Vec<(String, String)> = parse(&input)
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            let reference: Vec<(String, String)> = form_urlencoded::parse(input.as_bytes())
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, reference, "{input:?}");
        }
    }

    #[test]
    fn round_trips() {
        for text in samples() {
            let form = Form::new().append_pair("q", &text).finish();
            let pairs: Vec<_> = parse(&form).collect();
            assert_eq!(pairs, [(Cow::from("q"), Cow::from(text.as_str()))]);
        }
    }
}
