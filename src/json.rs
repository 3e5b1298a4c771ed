//! JSON (RFC 8259), read and written by the app itself: a parser into [`Json`], the readers of the few shapes the
//! app reads ([`FromJson`]), and a [`Writer`].
//!
//! The app reads only what it names, as serde would: a missing field reads as `null`, so an `Option` field may be
//! missing; unknown fields are passed over; a field of the wrong type fails the object that holds it. It is its own
//! because what it needs is small, and serde's derive and `serde_json` were a tenth of the wasm's code. It is
//! tested against `serde_json`, which stays the reference on the host.
//!
//! What it reads:
//! - numbers only as whole numbers from 0 to `u64::MAX` ([`Json::as_u64`]): the app reads no other (counts, sizes,
//!   milliseconds); any other number is valid JSON and reads as "not a whole number";
//! - strings borrowed from the text unless they hold escapes; a lone UTF-16 surrogate (`"\ud800"`, which
//!   JavaScript writes) reads as U+FFFD, as a browser's decoder reads it, instead of failing the text;
//! - duplicate names: the last one counts, as in JavaScript's `JSON.parse`;
//! - at most [`MAX_DEPTH`] nested arrays and objects, so that no text can exhaust the stack.

use std::borrow::Cow;
use std::fmt;

/// How deeply arrays and objects may nest (as `serde_json`'s limit).
pub const MAX_DEPTH: usize = 128;

/// A JSON value, borrowing its strings from the text where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// A number: its value when it is a whole number from 0 to `u64::MAX`, else `None`.
    Number(Option<u64>),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// The members, in the order of the text.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    what: &'static str,
    line: usize,
    column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Error { what, line, column } = self;
        write!(f, "{what} at line {line} column {column}")
    }
}

impl std::error::Error for Error {}

/// Parses `text`: one JSON value, with white space around it and nothing else.
pub fn parse(text: &str) -> Result<Json<'_>, Error> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0).and_then(|value| {
        parser.space();
        match parser.peek() {
            None => Ok(value),
            Some(_) => Err("trailing characters"),
        }
    });
    value.map_err(|what| {
        let before = &text.as_bytes()[..parser.at.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Error { what, line, column }
    })
}

/// Reads `text` as a `T`; `None` when it is not JSON or not a `T`.
pub fn from_str<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&parse(text).ok()?)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

type Parsed<T> = Result<T, &'static str>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Consumes `byte` after white space.
    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn value(&mut self, depth: usize) -> Parsed<Json<'a>> {
        self.space();
        let Some(first) = self.peek() else {
            return Err("EOF while parsing a value");
        };
        if matches!(first, b'[' | b'{') {
            if depth == MAX_DEPTH {
                return Err("nested too deeply");
            }
            self.at += 1;
            return if first == b'[' {
                self.array(depth + 1)
            } else {
                self.object(depth + 1)
            };
        }
        match first {
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => self.number().map(Json::Number),
            _ => {
                for (word, value) in [
                    ("null", Json::Null),
                    ("true", Json::Bool(true)),
                    ("false", Json::Bool(false)),
                ] {
                    if self.text[self.at..].starts_with(word) {
                        self.at += word.len();
                        return Ok(value);
                    }
                }
                Err("expected a value")
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed<Json<'a>> {
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err("expected `,` or `]`");
            }
        }
    }

    fn object(&mut self, depth: usize) -> Parsed<Json<'a>> {
        let mut members = Vec::new();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.space();
            if self.peek() != Some(b'"') {
                return Err("expected a string as a name");
            }
            let name = self.string()?;
            if !self.eat(b':') {
                return Err("expected `:`");
            }
            members.push((name, self.value(depth)?));
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err("expected `,` or `}`");
            }
        }
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Parsed<Cow<'a, str>> {
        self.at += 1;
        let start = self.at;
        let bytes = self.text.as_bytes();
        // The common case: no escape, borrowed as it is.
        loop {
            match bytes.get(self.at) {
                None => return Err("EOF while parsing a string"),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Cow::Borrowed(&self.text[start..self.at - 1]));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err("control character in a string"),
                Some(_) => self.at += 1,
            }
        }
        let mut owned = String::from(&self.text[start..self.at]);
        loop {
            // Copies the run up to the next quote, backslash or control character as it is.
            let run = self.at;
            while bytes
                .get(self.at)
                .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.at += 1;
            }
            owned.push_str(&self.text[run..self.at]);
            match bytes.get(self.at) {
                None => return Err("EOF while parsing a string"),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Cow::Owned(owned));
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match bytes.get(self.at) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\x08',
                        Some(b'f') => '\x0c',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            owned.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err("invalid escape"),
                    };
                    self.at += 1;
                    owned.push(escaped);
                }
                Some(_) => return Err("control character in a string"),
            }
        }
    }

    /// The character of a `\u` escape, from its four hex digits; a surrogate pair takes two escapes.
    fn unicode_escape(&mut self) -> Parsed<char> {
        let first = self.hex4()?;
        if (0xd800..0xdc00).contains(&first) && self.text[self.at..].starts_with("\\u") {
            let before = self.at;
            self.at += 2;
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // Not a pair: the second escape is read on its own.
            self.at = before;
        }
        Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .ok_or("invalid escape")?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("invalid escape");
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| "invalid escape")
    }

    /// A number, checked against the grammar; its value when it is a whole number that fits a `u64`.
    fn number(&mut self) -> Parsed<Option<u64>> {
        let negative = self.peek() == Some(b'-');
        self.at += usize::from(negative);
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.at += 1;
            }
            p.at - from
        };
        let int_start = self.at;
        match digits(self) {
            0 => return Err("invalid number"),
            n if n > 1 && self.text.as_bytes()[int_start] == b'0' => return Err("invalid number"),
            _ => {}
        }
        let int_end = self.at;
        let mut whole = !negative;
        if self.peek() == Some(b'.') {
            self.at += 1;
            whole = false;
            if digits(self) == 0 {
                return Err("invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            whole = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err("invalid number");
            }
        }
        Ok(whole
            .then(|| self.text[int_start..int_end].parse().ok())
            .flatten())
    }
}

impl<'a> Json<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// A whole number from 0 to `u64::MAX`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => *n,
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The member `name` of an object: its last one, `null` when there is none; `None` when this is no object.
    pub fn member(&self, name: &str) -> Option<&Json<'a>> {
        let Json::Object(members) = self else {
            return None;
        };
        let found = members.iter().rev().find(|(n, _)| n == name);
        Some(found.map_or(&Json::Null, |(_, value)| value))
    }

    /// The field `name` of an object read as a `T` (a missing field reads as `null`, so an `Option` may be
    /// missing); `None` when this is no object or the field is no `T`.
    pub fn field<T: FromJson>(&self, name: &str) -> Option<T> {
        T::from_json(self.member(name)?)
    }

    /// The field `name` read as a `T`, or `T`'s default when it is missing or `null`.
    pub fn field_or_default<T: FromJson + Default>(&self, name: &str) -> Option<T> {
        Some(self.field::<Option<T>>(name)?.unwrap_or_default())
    }

    /// The list `name` with its `null` items dropped (Spotify sends them inside `images` and `artists`); empty
    /// when it is missing or `null`.
    pub fn field_present<T: FromJson>(&self, name: &str) -> Option<Vec<T>> {
        let items: Option<Vec<Option<T>>> = self.field(name)?;
        Some(items.unwrap_or_default().into_iter().flatten().collect())
    }

    /// The first name of an object's members that is not among `known`: for the few objects whose every field
    /// is the app's own (a configuration block, where a misspelt name must not pass unnoticed).
    pub fn unknown_member(&self, known: &[&str]) -> Option<&str> {
        let Json::Object(members) = self else {
            return None;
        };
        members
            .iter()
            .map(|(name, _)| &**name)
            .find(|name| !known.contains(name))
    }
}

/// [`FromJson`] and [`ToJson`] for a struct kept as a JSON object, each field's name written once:
///
/// ```text
/// json_object!(Playable {
///     name: default,     // missing or `null`: the type's default
///     artists: present,  // a list without its `null`s (see `Json::field_present`)
///     album,             // read as its type: an `Option` may be missing or `null`
///     kind as "type",    // named otherwise in the JSON
/// });
/// ```
///
/// `json_object!(read Type { … })` reads only.
macro_rules! json_object {
    (read $type:ident { $($field:ident $(as $name:literal)? $(: $how:ident)?),* $(,)? }) => {
        impl $crate::json::FromJson for $type {
            fn from_json(json: &$crate::json::Json<'_>) -> Option<Self> {
                Some($type {
                    $($field: $crate::json::json_object!(@read json, $field $($name)?, $($how)?),)*
                })
            }
        }
    };
    ($type:ident { $($field:ident $(as $name:literal)? $(: $how:ident)?),* $(,)? }) => {
        $crate::json::json_object!(read $type { $($field $(as $name)? $(: $how)?),* });
        impl $crate::json::ToJson for $type {
            fn write_json(&self, w: &mut $crate::json::Writer) {
                w.object(|w| {
                    $(w.member($crate::json::json_object!(@name $field $($name)?), &self.$field);)*
                });
            }
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $name:literal) => { $name };
    (@read $json:ident, $field:ident $($name:literal)?, ) => {
        $json.field($crate::json::json_object!(@name $field $($name)?))?
    };
    (@read $json:ident, $field:ident $($name:literal)?, default) => {
        $json.field_or_default($crate::json::json_object!(@name $field $($name)?))?
    };
    (@read $json:ident, $field:ident $($name:literal)?, present) => {
        $json.field_present($crate::json::json_object!(@name $field $($name)?))?
    };
}
pub(crate) use json_object;

/// A type read from JSON; `None` when the value is not one.
pub trait FromJson: Sized {
    fn from_json(json: &Json<'_>) -> Option<Self>;
}

impl FromJson for String {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        json.as_str().map(str::to_owned)
    }
}

impl FromJson for u64 {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        json.as_u64()
    }
}

impl FromJson for u32 {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        json.as_u64()?.try_into().ok()
    }
}

impl FromJson for bool {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        json.as_bool()
    }
}

/// `null` reads as `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        match json {
            Json::Null => Some(None),
            _ => T::from_json(json).map(Some),
        }
    }
}

/// An array whose every item is a `T`.
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        json.as_array()?.iter().map(T::from_json).collect()
    }
}

/// A pair, as a two-item array.
impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        match json.as_array()? {
            [a, b] => Some((A::from_json(a)?, B::from_json(b)?)),
            _ => None,
        }
    }
}

/// Writes JSON: compact, or indented by two spaces as `serde_json`'s pretty printer does.
pub struct Writer {
    out: String,
    indent: bool,
    depth: usize,
    /// Whether the array or object being written has no item yet.
    first: bool,
}

impl Writer {
    pub fn compact() -> Self {
        Writer {
            out: String::new(),
            indent: false,
            depth: 0,
            first: true,
        }
    }

    pub fn pretty() -> Self {
        Writer {
            indent: true,
            ..Writer::compact()
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn newline(&mut self) {
        if self.indent {
            self.out.push('\n');
            self.out.extend(std::iter::repeat_n(' ', 2 * self.depth));
        }
    }

    fn item(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.newline();
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.depth -= 1;
        if !self.first {
            self.newline();
        }
        self.out.push(bracket);
        self.first = false;
    }

    /// An object, whose members `members` writes with [`Writer::member`].
    pub fn object(&mut self, members: impl FnOnce(&mut Self)) {
        self.open('{');
        members(self);
        self.close('}');
    }

    /// A member of the object being written.
    pub fn member<T: ToJson + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        self.item();
        write_string(&mut self.out, name);
        self.out.push_str(if self.indent { ": " } else { ":" });
        value.write_json(self);
        self
    }

    fn array<T: ToJson>(&mut self, items: &[T]) {
        self.open('[');
        for item in items {
            self.item();
            item.write_json(self);
        }
        self.close(']');
    }
}

/// A string as JSON writes it: quoted, with `"`, `\` and control characters escaped.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\0'..='\x1f' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c as u8 >> 4)]));
                out.push(char::from(HEX[usize::from(c as u8 & 0xf)]));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// A type written as JSON.
pub trait ToJson {
    fn write_json(&self, writer: &mut Writer);

    /// The compact JSON text.
    fn to_json(&self) -> String {
        let mut writer = Writer::compact();
        self.write_json(&mut writer);
        writer.finish()
    }
}

impl ToJson for str {
    fn write_json(&self, writer: &mut Writer) {
        write_string(&mut writer.out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, writer: &mut Writer) {
        self.as_str().write_json(writer);
    }
}

impl ToJson for u64 {
    fn write_json(&self, writer: &mut Writer) {
        use fmt::Write;
        let _ = write!(writer.out, "{self}");
    }
}

impl ToJson for u32 {
    fn write_json(&self, writer: &mut Writer) {
        u64::from(*self).write_json(writer);
    }
}

impl ToJson for bool {
    fn write_json(&self, writer: &mut Writer) {
        writer.out.push_str(if *self { "true" } else { "false" });
    }
}

/// `None` is written as `null`.
impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, writer: &mut Writer) {
        match self {
            Some(value) => value.write_json(writer),
            None => writer.out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, writer: &mut Writer) {
        writer.array(self);
    }
}

impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn write_json(&self, writer: &mut Writer) {
        writer.array(self);
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, writer: &mut Writer) {
        writer.array(self);
    }
}

impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn write_json(&self, writer: &mut Writer) {
        writer.open('[');
        writer.item();
        self.0.write_json(writer);
        writer.item();
        self.1.write_json(writer);
        writer.close(']');
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, writer: &mut Writer) {
        (**self).write_json(writer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serde_json`'s reading of `text`, in this module's terms: the reference the parser is held to.
    fn reference(value: &serde_json::Value) -> Json<'static> {
        use serde_json::Value;
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(
                n.as_u64()
                    .filter(|_| !n.to_string().contains(['.', 'e', 'E', '-'])),
            ),
            Value::String(s) => Json::String(Cow::Owned(s.clone())),
            Value::Array(items) => Json::Array(items.iter().map(reference).collect()),
            Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), reference(v)))
                    .collect(),
            ),
        }
    }

    const VALID: &[&str] = &[
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "12345678901234567890",
        "18446744073709551615",
        "18446744073709551616",
        "1.5",
        "-12",
        "1e3",
        "1E+3",
        "0.0e-0",
        r#""""#,
        r#""plain text""#,
        r#""\"\\\/\b\f\n\r\t""#,
        r#""\u00e9\u0041 ✓ \ud83c\udfb5""#,
        r#""Ärger 😀 naïve""#,
        "[]",
        "[1, [2, [3]], {}]",
        "{}",
        r#"{"a": 1, "b": [true, null], "c": {"d": "e"}}"#,
        "\t\r\n[ 1 ,\n 2 ]\n",
        r#"{"name\u0041": "value"}"#,
    ];

    const INVALID: &[&str] = &[
        "",
        " ",
        "nul",
        "truth",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "0x10",
        "NaN",
        "Infinity",
        r#"""#,
        r#""abc"#,
        "\"tab\there\"",
        r#""\x""#,
        r#""\u12""#,
        r#""\u12G4""#,
        "[",
        "[1,]",
        "[1 2]",
        "{",
        r#"{"a"}"#,
        r#"{"a":}"#,
        r#"{"a":1,}"#,
        "{a:1}",
        "{'a':1}",
        "[1] [2]",
        "{} x",
        "<html>",
    ];

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in VALID {
            let expected: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut expected = reference(&expected);
            // serde_json keeps the first of the digits past u64::MAX as a float; both say "not a whole u64".
            if let Json::Number(n) = &mut expected {
                *n = n.filter(|_| !text.trim().starts_with('-'));
            }
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
        for text in INVALID {
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text}"
            );
            assert!(parse(text).is_err(), "accepted {text:?}");
        }
    }

    #[test]
    fn numbers_are_whole_and_unsigned_or_not_read() {
        let n = |text: &str| parse(text).unwrap().as_u64();
        assert_eq!(n("0"), Some(0));
        assert_eq!(n("3600"), Some(3600));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        assert_eq!(n("18446744073709551616"), None);
        for not_whole in ["-1", "-0", "1.0", "1e3", "3600.5"] {
            assert_eq!(n(not_whole), None, "{not_whole}");
        }
        assert_eq!(u32::from_json(&parse("4294967296").unwrap()), None);
        assert_eq!(
            u32::from_json(&parse("4294967295").unwrap()),
            Some(u32::MAX)
        );
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        assert!(matches!(
            parse(r#""abc""#),
            Ok(Json::String(Cow::Borrowed("abc")))
        ));
        assert_eq!(parse(r#""a\nb""#).unwrap().as_str(), Some("a\nb"));
        // A lone surrogate reads as U+FFFD; a pair reads as its character.
        assert_eq!(parse(r#""\ud800x""#).unwrap().as_str(), Some("\u{fffd}x"));
        assert_eq!(
            parse(r#""\udc00\ud800""#).unwrap().as_str(),
            Some("\u{fffd}\u{fffd}")
        );
        assert_eq!(
            parse(r#""\ud800\u0041""#).unwrap().as_str(),
            Some("\u{fffd}A")
        );
        assert_eq!(parse(r#""\ud83d\ude00""#).unwrap().as_str(), Some("😀"));
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(
            parse(&nested(MAX_DEPTH + 1)).unwrap_err().what,
            "nested too deeply"
        );
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn errors_say_where() {
        let err = parse("{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!(err.to_string(), "expected a value at line 2 column 8");
        assert_eq!(
            parse("[1,]").unwrap_err().to_string(),
            "expected a value at line 1 column 4"
        );
    }

    #[test]
    fn fields_read_like_serde_reads_them() {
        let json = parse(r#"{"s":"x","n":7,"z":null,"b":true,"l":["a","b"],"d":1,"d":2}"#).unwrap();
        assert_eq!(json.field::<String>("s"), Some("x".into()));
        assert_eq!(json.field::<u32>("n"), Some(7));
        // A missing or null field is an absent `Option`, and no value of any other type.
        assert_eq!(json.field::<Option<String>>("missing"), Some(None));
        assert_eq!(json.field::<Option<String>>("z"), Some(None));
        assert_eq!(json.field::<String>("missing"), None);
        assert_eq!(json.field::<String>("z"), None);
        // The wrong type fails, also inside an `Option`.
        assert_eq!(json.field::<Option<String>>("n"), None);
        assert_eq!(
            json.field::<Vec<String>>("l"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(json.field::<Vec<u32>>("l"), None);
        assert_eq!(json.field_or_default::<bool>("z"), Some(false));
        assert_eq!(json.field_or_default::<bool>("b"), Some(true));
        assert_eq!(json.field_or_default::<bool>("s"), None);
        // The last of duplicate names counts, as in JSON.parse.
        assert_eq!(json.field::<u32>("d"), Some(2));
        // A pair is a two-item array.
        let pair = |text: &str| <(u64, u32)>::from_json(&parse(text).unwrap());
        assert_eq!(pair("[1, 2]"), Some((1, 2)));
        assert_eq!(pair("[1, 2, 3]"), None);
        assert_eq!(pair("[1, 4294967296]"), None);
        assert_eq!((1u64, 2u32).to_json(), "[1,2]");
        // No field of what is not an object.
        assert_eq!(parse("[]").unwrap().field::<Option<String>>("s"), None);
        let known = ["s", "n", "z", "b", "l"];
        assert_eq!(json.unknown_member(&known), Some("d"));
        assert_eq!(json.unknown_member(&["s", "n", "z", "b", "l", "d"]), None);
    }

    struct Sample {
        text: String,
        list: Vec<u32>,
        empty: Vec<u32>,
        none: Option<bool>,
    }

    impl ToJson for Sample {
        fn write_json(&self, w: &mut Writer) {
            // In the order of their names, as `serde_json::Map` keeps them.
            w.object(|w| {
                w.member("empty", &self.empty)
                    .member("inner", &Some(true))
                    .member("list", &self.list)
                    .member("none", &self.none)
                    .member("text", &self.text);
            });
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let sample = Sample {
            text: "quote \" backslash \\ controls \n\t\u{1}\u{1f} é 😀 </script>".into(),
            list: vec![1, u32::MAX],
            empty: Vec::new(),
            none: None,
        };
        let expected = serde_json::json!({
            "text": sample.text, "list": [1, u32::MAX], "empty": [], "none": null, "inner": true,
        });
        assert_eq!(sample.to_json(), serde_json::to_string(&expected).unwrap());
        let mut pretty = Writer::pretty();
        sample.write_json(&mut pretty);
        assert_eq!(
            pretty.finish(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
        // And reads back.
        let text = sample.to_json();
        let back = parse(&text).unwrap();
        assert_eq!(back.field::<String>("text"), Some(sample.text.clone()));
        assert_eq!(u64::MAX.to_json(), "18446744073709551615");
        assert_eq!(parse(&u64::MAX.to_json()).unwrap().as_u64(), Some(u64::MAX));
    }
}
