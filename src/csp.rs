//! The page's Content Security Policy, as far as the app's own requests go: whether `connect-src` (or
//! `default-src` when it has none) lets the page fetch a URL, matched as CSP Level 3 §6.7.2 matches a URL
//! against a source list. The app asks before it uses endpoints it discovered, so that a provider whose token
//! endpoint the policy does not name is refused with a sentence that says what to add, rather than with a
//! blocked request at the code exchange.

/// Whether every policy in `policies` (the page enforces them all) lets the page at `page_origin`
/// (`location.origin`) fetch `url`. No policy at all allows everything.
pub fn allows_connect<S: AsRef<str>>(policies: &[S], page_origin: &str, url: &str) -> bool {
    let lists: Vec<Vec<&str>> = policies
        .iter()
        .filter_map(|policy| connect_sources(policy.as_ref()))
        .collect();
    if lists.is_empty() {
        return true;
    }
    let (Some(page), Some(target)) = (Target::parse(page_origin), Target::parse(url)) else {
        return false;
    };
    lists.iter().all(|list| list_matches(list, &page, &target))
}

/// The source list that governs `fetch` in `policy`: `connect-src`, or `default-src` without one; `None` when the
/// policy has neither (it does not restrict requests). A directive named twice counts the first time only.
fn connect_sources(policy: &str) -> Option<Vec<&str>> {
    let mut connect = None;
    let mut default = None;
    for directive in policy.split(';') {
        let mut tokens = directive.split_ascii_whitespace();
        let Some(name) = tokens.next() else { continue };
        let slot = if name.eq_ignore_ascii_case("connect-src") {
            &mut connect
        } else if name.eq_ignore_ascii_case("default-src") {
            &mut default
        } else {
            continue;
        };
        if slot.is_none() {
            *slot = Some(tokens.collect::<Vec<_>>());
        }
    }
    connect.or(default)
}

/// CSP3 §6.7.2.5: an empty list and `'none'` match nothing; otherwise any one expression that matches.
fn list_matches(sources: &[&str], page: &Target, url: &Target) -> bool {
    if let [only] = sources {
        if only.eq_ignore_ascii_case("'none'") {
            return false;
        }
    }
    sources
        .iter()
        .any(|source| expression_matches(source, page, url))
}

/// CSP3 §6.7.2.6: `*`, a scheme (`https:`), `'self'`, or a host source (`[scheme://]host[:port][/path]`).
/// Nonces, hashes and other keywords match no URL.
fn expression_matches(source: &str, page: &Target, url: &Target) -> bool {
    if source == "*" {
        return matches!(url.scheme.as_str(), "http" | "https") || url.scheme == page.scheme;
    }
    if source.eq_ignore_ascii_case("'self'") {
        return self_matches(page, url);
    }
    if source.starts_with('\'') {
        return false;
    }
    if let Some(scheme) = source.strip_suffix(':') {
        if is_scheme(scheme) {
            return scheme_matches(&scheme.to_ascii_lowercase(), &url.scheme);
        }
    }
    host_source_matches(source, page, url)
}

/// `'self'`: the page's own origin, or its host over a secure scheme on the same (or default) port.
fn self_matches(page: &Target, url: &Target) -> bool {
    if page.scheme == url.scheme && page.host == url.host && page.port == url.port {
        return true;
    }
    page.host == url.host
        && page.port == url.port
        && (matches!(url.scheme.as_str(), "https" | "wss")
            || (page.scheme == "http" && matches!(url.scheme.as_str(), "http" | "ws")))
}

/// CSP3 §6.7.2.8: a scheme matches itself and its secure form.
fn scheme_matches(source: &str, url: &str) -> bool {
    source == url
        || matches!(
            (source, url),
            ("http", "https") | ("ws", "wss" | "http" | "https") | ("wss", "https")
        )
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `[scheme://]host[:port][/path]`, with `*` or `*.` for the host and `*` for the port.
fn host_source_matches(source: &str, page: &Target, url: &Target) -> bool {
    let (scheme, rest) = match source.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => (Some(scheme.to_ascii_lowercase()), rest),
        Some(_) => return false,
        None => (None, source),
    };
    let scheme_ok = match &scheme {
        Some(scheme) => scheme_matches(scheme, &url.scheme),
        // No scheme: the page's, or its secure form.
        None => scheme_matches(&page.scheme, &url.scheme),
    };
    if !scheme_ok {
        return false;
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    host_matches(&host.to_ascii_lowercase(), &url.host)
        && port_matches(port, url)
        && path_matches(path, &url.path)
}

/// CSP3 §6.7.2.9: `*` any host; `*.example.com` any host under it (not itself); otherwise the same host.
fn host_matches(source: &str, host: &str) -> bool {
    let source = source.trim_end_matches('.');
    if source == "*" {
        return true;
    }
    match source.strip_prefix("*.") {
        Some(parent) => host
            .strip_suffix(parent)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        None => source == host,
    }
}

/// CSP3 §6.7.2.10: no port means the URL's scheme's default; `*` any; a number that port.
fn port_matches(source: Option<&str>, url: &Target) -> bool {
    match source {
        None => url.port.is_none(),
        Some("*") => true,
        Some(digits) => match digits.parse::<u16>() {
            Ok(port) => {
                url.port == Some(port)
                    || (url.port.is_none() && default_port(&url.scheme) == Some(port))
            }
            Err(_) => false,
        },
    }
}

/// CSP3 §6.7.2.11: a path ending in `/` matches every path under it; another, only itself.
fn path_matches(source: &str, path: &str) -> bool {
    if source.is_empty() || source == "/" {
        return true;
    }
    if source.ends_with('/') {
        path.starts_with(source)
    } else {
        path == source
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// A URL as the matching needs it: lower-cased scheme and host, the port only when it is not the scheme's
/// default (as a URL parser leaves it), and the path.
#[derive(Debug)]
struct Target {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Option<Target> {
        let (scheme, rest) = url.split_once("://")?;
        if !is_scheme(scheme) {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port.parse::<u16>().ok()?)),
            _ => (authority, None),
        };
        if host.is_empty() {
            return None;
        }
        let port = port.filter(|&p| default_port(&scheme) != Some(p));
        let path = tail.split(['?', '#']).next().unwrap_or("");
        Some(Target {
            host: host.to_ascii_lowercase(),
            port,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            scheme,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://app.example";

    /// Guards against the app and the browser disagreeing on what the page's policy lets it fetch: each row is a
    /// policy, a URL the page at https://app.example asks for, and whether the browser would let it.
    #[test]
    fn connect_sources_as_a_browser_matches_them() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, bool)] = &[
            // No policy, or one that does not govern requests: everything.
            ("", "https://tokens.example/token", true),
            ("img-src 'self'; script-src 'self'", "https://tokens.example/token", true),
            // 'self'.
            ("connect-src 'self'", "https://app.example/api", true),
            ("connect-src 'SELF'", "https://app.example:443/api", true),
            ("connect-src 'self'", "https://tokens.example/token", false),
            ("connect-src 'self'", "https://app.example:8443/api", false),
            ("connect-src 'self'", "http://app.example/api", false),
            // Exact origins, the port and the case as a URL parser leaves them.
            ("connect-src 'self' https://tokens.example", "https://tokens.example/token", true),
            ("connect-src https://TOKENS.example", "https://tokens.example/token", true),
            ("connect-src https://tokens.example", "https://tokens.example:8443/token", false),
            ("connect-src https://tokens.example:8443", "https://tokens.example:8443/token", true),
            ("connect-src https://tokens.example:443", "https://tokens.example/token", true),
            ("connect-src https://tokens.example:*", "https://tokens.example:9/token", true),
            ("connect-src https://tokens.example", "https://other.example/token", false),
            ("connect-src https://tokens.example", "https://tokens.example.evil/token", false),
            ("connect-src http://127.0.0.1:8081", "http://127.0.0.1:8081/api/token", true),
            ("connect-src http://127.0.0.1:8081", "http://127.0.0.1:8082/api/token", false),
            // A scheme-less host takes the page's scheme; http allows its secure form, not the reverse.
            ("connect-src tokens.example", "https://tokens.example/token", true),
            ("connect-src http://tokens.example", "https://tokens.example/token", true),
            ("connect-src https://tokens.example", "http://tokens.example/token", false),
            // Scheme sources.
            ("connect-src https:", "https://anything.example/token", true),
            ("connect-src HTTPS:", "https://anything.example/token", true),
            ("connect-src https:", "http://127.0.0.1:8081/token", false),
            ("connect-src http:", "https://anything.example/token", true),
            ("connect-src *", "https://anything.example/token", true),
            // Host wildcards: any host below, never the parent itself.
            ("connect-src https://*.example.com", "https://id.example.com/token", true),
            ("connect-src https://*.example.com", "https://a.b.example.com/token", true),
            ("connect-src https://*.example.com", "https://example.com/token", false),
            ("connect-src https://*.example.com", "https://evilexample.com/token", false),
            ("connect-src https://*", "https://anything.example/token", true),
            // Paths: a directory matches below it, a file only itself.
            ("connect-src https://id.example/oauth/", "https://id.example/oauth/token", true),
            ("connect-src https://id.example/oauth/", "https://id.example/api/token", false),
            ("connect-src https://id.example/oauth/token", "https://id.example/oauth/token", true),
            ("connect-src https://id.example/oauth/token", "https://id.example/oauth/revoke", false),
            ("connect-src https://id.example/oauth/token", "https://id.example/oauth/token?x=1", true),
            // default-src when connect-src is absent; connect-src wins over it; the first of two counts.
            ("default-src 'self'", "https://tokens.example/token", false),
            ("default-src https://tokens.example", "https://tokens.example/token", true),
            ("default-src 'none'; connect-src https://tokens.example", "https://tokens.example/token", true),
            ("default-src *; connect-src 'self'", "https://tokens.example/token", false),
            ("connect-src 'self'; connect-src https://tokens.example", "https://tokens.example/token", false),
            // 'none', an empty list, and sources that match no URL.
            ("connect-src 'none'", "https://app.example/api", false),
            ("connect-src", "https://app.example/api", false),
            ("connect-src 'nonce-abc' 'sha256-x' 'unsafe-inline'", "https://app.example/api", false),
            ("connect-src 'none' https://tokens.example", "https://tokens.example/token", true),
        ];
        for (policy, url, allowed) in cases {
            assert_eq!(
                allows_connect(&[policy], PAGE, url),
                *allowed,
                "{policy} / {url}"
            );
        }
    }

    /// Guards against a page with two policies (every one is enforced) or none being misread, and against the
    /// local provider's page on loopback being judged by an https page's rules.
    #[test]
    fn every_policy_must_allow_and_none_allows_all() {
        let url = "https://tokens.example/token";
        let none: [&str; 0] = [];
        assert!(allows_connect(&none, PAGE, url));
        assert!(allows_connect(
            &["connect-src https:", "connect-src https://tokens.example"],
            PAGE,
            url
        ));
        assert!(!allows_connect(
            &["connect-src https:", "connect-src 'self'"],
            PAGE,
            url
        ));
        let local = "http://127.0.0.1:8080";
        assert!(allows_connect(
            &["connect-src 'self' http://127.0.0.1:8081"],
            local,
            "http://127.0.0.1:8081/api/token"
        ));
        assert!(allows_connect(
            &["connect-src 'self'"],
            local,
            "https://127.0.0.1:8080/x"
        ));
        assert!(allows_connect(
            &["connect-src 127.0.0.1:8081"],
            local,
            "http://127.0.0.1:8081/api/token"
        ));
        assert!(!allows_connect(
            &["connect-src 'self'"],
            local,
            "http://127.0.0.1:8081/api/token"
        ));
    }
}
