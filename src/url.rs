//! The URLs the app sends codes and tokens to, checked the way a browser will read them.
//!
//! A check that looks only at how a URL starts disagrees with the browser: `http://127.evil.example/` starts with
//! `127.` but is a remote host, `http://evil.example\@127.0.0.1/` is `evil.example` to a browser (it reads `\` as
//! `/`), and `http://user:pw@127.0.0.1/` carries credentials. So the check is strict: it accepts only URLs whose
//! meaning is the same for every reader, and clear-text `http` only on a loopback address written as such.

use std::fmt;

/// Why a URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not `https://` (or `http://` on loopback) at all.
    Scheme,
    /// Whitespace, a control character or a backslash, which browsers read in ways that differ from the text.
    Character,
    /// `user:password@` before the host.
    Userinfo,
    /// A `#fragment`.
    Fragment,
    /// A `?query` where none may be: an issuer identifier has none (RFC 8414 §2).
    Query,
    /// No host, or one that is not a plain name, an IPv4 address or a bracketed IPv6 address.
    Host,
    /// A port that is not a number from 1 to 65535.
    Port,
    /// Clear-text `http` to a host that is not this machine.
    ClearText,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlProblem::Scheme => "it must start with https:// (or http:// on this machine)",
            UrlProblem::Character => "it holds whitespace, a control character or a backslash",
            UrlProblem::Userinfo => "it holds a user name or password",
            UrlProblem::Fragment => "it holds a #fragment",
            UrlProblem::Query => {
                "it holds a ?query, which an issuer identifier may not have (RFC 8414 §2)"
            }
            UrlProblem::Host => "its host is not a plain host name or IP address",
            UrlProblem::Port => "its port is not a number from 1 to 65535",
            UrlProblem::ClearText => {
                "clear-text http is only allowed to this machine (127.0.0.1, [::1] or localhost)"
            }
        })
    }
}

/// A URL that passed [`check`]: its scheme, host and origin as a browser sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    pub https: bool,
    /// Lower-cased; IPv6 addresses keep their brackets.
    pub host: String,
    /// `scheme://host[:port]`, as `location.origin` would show it.
    pub origin: String,
}

/// Checks `url` as a place to send codes or tokens to: `https://` anywhere, or `http://` to this machine only
/// (an IPv4 literal `127.x.y.z` in plain dotted decimal, `[::1]`, or `localhost`); no user info, no fragment, no
/// backslash, no whitespace or control characters.
pub fn check(url: &str) -> Result<CheckedUrl, UrlProblem> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(UrlProblem::Character);
    }
    if url.contains('#') {
        return Err(UrlProblem::Fragment);
    }
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(UrlProblem::Scheme);
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlProblem::Userinfo);
    }
    let (host, port) = split_host_port(authority)?;
    let host = host.to_ascii_lowercase();
    if !valid_host(&host) {
        return Err(UrlProblem::Host);
    }
    if !https && !is_loopback(&host) {
        return Err(UrlProblem::ClearText);
    }
    let scheme = if https { "https" } else { "http" };
    let default_port = if https { 443 } else { 80 };
    let origin = match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    };
    Ok(CheckedUrl {
        https,
        host,
        origin,
    })
}

/// Checks `url` as an issuer identifier (RFC 8414 §2): a URL [`check`] accepts, with no query (and, as every
/// checked URL, no fragment). Metadata is looked for under it and the callback's `iss` is compared with it, so a
/// query would make both wrong.
pub fn check_issuer(url: &str) -> Result<CheckedUrl, UrlProblem> {
    let checked = check(url)?;
    if url.contains('?') {
        return Err(UrlProblem::Query);
    }
    Ok(checked)
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), UrlProblem> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']').ok_or(UrlProblem::Host)?;
        let (host, after) = authority.split_at(end + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or(UrlProblem::Host)?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(digits) => {
            let valid =
                (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
            let port: u32 = if valid {
                digits.parse().unwrap_or(0)
            } else {
                0
            };
            if !(1..=65_535).contains(&port) {
                return Err(UrlProblem::Port);
            }
            Some(port as u16)
        }
    };
    Ok((host, port))
}

/// A host name of letters, digits and hyphens in dot-separated labels; or a bracketed IPv6 address. (A dotted
/// IPv4 address is such a name too; whether it is loopback is [`is_loopback`]'s question.)
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// This machine: `localhost`, `[::1]`, or `127.x.y.z` written as four plain decimal numbers (a browser reads
/// `127.1`, `0x7f.0.0.1` or `0177.0.0.1` as loopback too, but such spellings are refused, not guessed at).
pub fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|b| b.is_ascii_digit())
                && (o.len() == 1 || !o.starts_with('0'))
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against sending codes and tokens in clear text to a remote host that merely looks local, or to a
    /// URL a browser reads differently from the check: each row is a URL and what the check must say.
    #[test]
    fn urls_as_a_browser_reads_them() {
        use UrlProblem::*;
        let cases: &[(&str, Result<&str, UrlProblem>)] = &[
            (
                "https://accounts.spotify.com/api/token",
                Ok("https://accounts.spotify.com"),
            ),
            (
                "https://API.example:8443/v1",
                Ok("https://api.example:8443"),
            ),
            ("https://api.example:443/v1", Ok("https://api.example")),
            ("http://127.0.0.1:8081/v1", Ok("http://127.0.0.1:8081")),
            ("http://127.255.0.1/x", Ok("http://127.255.0.1")),
            ("http://localhost:8081/v1", Ok("http://localhost:8081")),
            ("http://[::1]:8081/v1", Ok("http://[::1]:8081")),
            ("https://[2001:db8::1]/v1", Ok("https://[2001:db8::1]")),
            // The four URLs that an earlier check let through.
            ("http://127.evil.example/api/token", Err(ClearText)),
            ("http://127.0.0.1.nip.io/api/token", Err(ClearText)),
            ("http://evil.example\\@127.0.0.1/v1", Err(Character)),
            ("http://user:pw@127.0.0.1:8081/v1", Err(Userinfo)),
            // And their relatives.
            ("https://user@api.example/v1", Err(Userinfo)),
            ("https://api.example/v1#x", Err(Fragment)),
            ("https://api.example/v 1", Err(Character)),
            (" https://api.example/v1", Err(Character)),
            ("https://api.example/v1\n", Err(Character)),
            ("http://api.example/v1", Err(ClearText)),
            ("http://127.1/v1", Err(ClearText)),
            ("http://0x7f.0.0.1/v1", Err(ClearText)),
            ("http://0177.0.0.1/v1", Err(ClearText)),
            ("http://2130706433/v1", Err(ClearText)),
            ("http://127.0.0.256/v1", Err(ClearText)),
            ("http://127.0.0.1./v1", Err(Host)),
            ("http://[::2]/v1", Err(ClearText)),
            ("https:///v1", Err(Host)),
            ("https://exa_mple.com/", Err(Host)),
            ("https://ex%61mple.com/", Err(Host)),
            ("https://api.example:0/", Err(Port)),
            ("https://api.example:65536/", Err(Port)),
            ("https://api.example:+80/", Err(Port)),
            ("ftp://api.example/", Err(Scheme)),
            ("HTTPS://api.example/", Err(Scheme)),
            ("javascript:alert(1)", Err(Scheme)),
            ("//api.example/v1", Err(Scheme)),
        ];
        for (url, expected) in cases {
            let got = check(url).map(|u| u.origin);
            assert_eq!(got.as_deref().map_err(|e| *e), *expected, "{url}");
        }
    }

    /// Guards against an issuer with a query or a fragment (RFC 8414 §2 allows neither): its metadata would be
    /// looked for at the wrong place, and no provider's `iss` would ever equal it.
    #[test]
    fn issuers_have_no_query_or_fragment() {
        use UrlProblem::*;
        let cases: &[(&str, Result<&str, UrlProblem>)] = &[
            ("https://id.example", Ok("https://id.example")),
            ("https://id.example/tenant/7", Ok("https://id.example")),
            ("http://127.0.0.1:8081", Ok("http://127.0.0.1:8081")),
            ("https://id.example?tenant=7", Err(Query)),
            ("https://id.example/?", Err(Query)),
            ("https://id.example/t?x=1#f", Err(Fragment)),
            ("https://id.example/#", Err(Fragment)),
            ("https://id.example#tenant", Err(Fragment)),
            ("http://id.example", Err(ClearText)),
        ];
        for (url, expected) in cases {
            let got = check_issuer(url).map(|u| u.origin);
            assert_eq!(got.as_deref().map_err(|e| *e), *expected, "{url}");
        }
    }
}
