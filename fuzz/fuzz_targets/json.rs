//! The app's own JSON (`pkce_playlists::json`), held to `serde_json`: what serde_json reads, the app reads the
//! same; what the app reads and serde_json refuses is only what the app reads on purpose (a lone UTF-16
//! surrogate, as U+FFFD; a number beyond a double's range, as "not a whole number"); and what the app writes
//! reads back as what it wrote, compact and indented.
//!
//! Input: the text to parse (bytes that are not UTF-8 become U+FFFD).

#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use pkce_playlists::json::{parse, Json, ToJson, Writer};
use serde_json::Value;

/// serde_json's reading, in the app's terms: a number is a `u64` only when written as a whole number.
fn reference(value: &Value) -> Json<'static> {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.as_u64()),
        Value::String(s) => Json::String(Cow::Owned(s.clone())),
        Value::Array(items) => Json::Array(items.iter().map(reference).collect()),
        Value::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (Cow::Owned(k.clone()), reference(v)))
                .collect(),
        ),
    }
}

/// A tree as serde_json keeps it: the last of duplicate names, names in order, numbers the app does not read
/// as `null`. `negative_zero`: serde_json reads `-0` as the integer 0, the app as "not a whole number".
fn normal(json: &Json<'_>) -> Json<'static> {
    match json {
        Json::Null | Json::Number(None) => Json::Null,
        Json::Bool(b) => Json::Bool(*b),
        Json::Number(n) => Json::Number(*n),
        Json::String(s) => Json::String(Cow::Owned(s.to_string())),
        Json::Array(items) => Json::Array(items.iter().map(normal).collect()),
        Json::Object(members) => {
            let mut map = std::collections::BTreeMap::new();
            for (name, value) in members {
                map.insert(name.to_string(), normal(value));
            }
            Json::Object(map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
        }
    }
}

/// Writes a tree with the app's writer (a number it does not read as `null`).
struct Written<'a>(&'a Json<'a>);

impl ToJson for Written<'_> {
    fn write_json(&self, w: &mut Writer) {
        match self.0 {
            Json::Null | Json::Number(None) => None::<bool>.write_json(w),
            Json::Bool(b) => b.write_json(w),
            Json::Number(Some(n)) => n.write_json(w),
            Json::String(s) => s.as_ref().write_json(w),
            Json::Array(items) => items.iter().map(Written).collect::<Vec<_>>().write_json(w),
            Json::Object(members) => w.object(|w| {
                for (name, value) in members {
                    w.member(name, &Written(value));
                }
            }),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ours = parse(&text);
    match (serde_json::from_str::<Value>(&text), &ours) {
        (Ok(value), Ok(json)) => {
            // serde_json reads `-0` and `-0e0`-free integers like `-0` as 0; the app reads no negative.
            let mut expected = normal(&reference(&value));
            let mut got = normal(json);
            if text.contains('-') {
                strip_zeros(&mut expected);
                strip_zeros(&mut got);
            }
            assert_eq!(got, expected);
        }
        (Ok(_), Err(error)) => panic!("refused what serde_json reads: {error}"),
        (Err(error), Ok(_)) => {
            let message = error.to_string();
            assert!(
                message.contains("surrogate")
                    || message.contains("hex escape")
                    || message.contains("unicode code point")
                    || message.contains("number out of range"),
                "read what serde_json refuses: {message}"
            );
        }
        (Err(_), Err(error)) => assert!(!error.to_string().is_empty()),
    }
    if let Ok(json) = &ours {
        let compact = Written(json).to_json();
        let mut pretty = Writer::pretty();
        Written(json).write_json(&mut pretty);
        for written in [compact, pretty.finish()] {
            let back = parse(&written).expect("the app reads what it writes");
            assert_eq!(normal(&back), normal(json));
            let value: Value = serde_json::from_str(&written).expect("serde_json reads it");
            assert_eq!(normal(&reference(&value)), normal(json));
        }
    }
});

/// `0` read from `-0` by serde_json is no number the app reads: both become `null`.
fn strip_zeros(json: &mut Json<'_>) {
    match json {
        Json::Number(Some(0)) => *json = Json::Null,
        Json::Array(items) => items.iter_mut().for_each(strip_zeros),
        Json::Object(members) => members.iter_mut().for_each(|(_, v)| strip_zeros(v)),
        _ => {}
    }
}
