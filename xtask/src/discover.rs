//! `cargo xtask configure` for a block that names only an `issuer`: reads its metadata as the app
//! will (the app core's `oauth::discovery`), so that the policy lets the app reach the endpoints
//! it will discover (it refuses those its policy would block). The reading is a function of a
//! `get` closure, so it is tested without a network; [`http_get`] is the real one.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use pkce_playlists::config::{AppConfig, Loaded};
use pkce_playlists::oauth::discovery::parse_metadata;
use pkce_playlists::oauth::discovery::DiscoveryError::{NotFound, NotJson};
use serde_json::Value;

use crate::csp::{self, Policy};

/// What an issuer's metadata added to the origins the app reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The metadata URL that answered.
    pub metadata_url: String,
    /// The token endpoint's origin (the code exchange, at the start).
    pub token: String,
    /// The revocation endpoint's origin (log out), when there is one.
    pub revocation: Option<String>,
}

impl Discovered {
    /// The sources the page needs beyond its block's ([`Policy::merge`]): the token and revocation
    /// endpoints' origins, the token endpoint's preconnected to as the block's own are.
    pub fn sources(&self) -> Policy {
        let mut more = Policy::default();
        more.reach(&self.token, true);
        if let Some(revocation) = &self.revocation {
            more.reach(revocation, false);
        }
        more
    }
}

/// Checks `config` as the app will (`AppConfig::load`); for a block that names only an issuer,
/// reads its metadata with `get` as the app does: a URL that answers no document sends it to the
/// next, a document refused (another issuer, no S256, an unsafe endpoint) is an error at once.
pub fn discover(
    config: &Value,
    mut get: impl FnMut(&str) -> Result<(u16, String)>,
) -> Result<Option<Discovered>> {
    let text = serde_json::to_string(config).expect("a JSON value always serializes");
    let pending = match AppConfig::load(&text) {
        Ok(Loaded::Ready(_)) => return Ok(None),
        Ok(Loaded::Discover(pending)) => pending,
        Err(e) => bail!("the app would refuse this configuration: {e}"),
    };
    let issuer = pending.issuer().to_owned();
    let mut tried = Vec::new();
    for url in pending.metadata_urls() {
        let refusal = match get(&url).map(|(status, body)| parse_metadata(&issuer, status, &body)) {
            Err(e) => format!("{e:#}"),
            Ok(Err(e @ (NotFound { .. } | NotJson))) => e.to_string(),
            Ok(Err(refused)) => bail!("{url}: the app would refuse this metadata: {refused}"),
            Ok(Ok(endpoints)) => {
                let config = pending.complete(endpoints).map_err(|e| {
                    anyhow!("{url}: the app would refuse the metadata's endpoints: {e}")
                })?;
                let origin = |name, value| csp::origin(name, value).context(url.clone());
                let revocation = config.revocation_endpoint.as_deref();
                let revocation = revocation.map(|e| origin("revocation_endpoint", e));
                return Ok(Some(Discovered {
                    token: origin("token_endpoint", &config.token_endpoint)?,
                    revocation: revocation.transpose()?,
                    metadata_url: url,
                }));
            }
        };
        tried.push(format!("{url}: {refusal}"));
    }
    bail!(
        "cannot read the metadata of the issuer {issuer}, so the policy cannot name the endpoints the app \
         will discover (name token_endpoint and authorization_endpoint in the configuration instead):\n  {}",
        tried.join("\n  ")
    )
}

/// A `GET` as the app's `fetch` sends it to a metadata URL: no redirect followed, 30 s at most, the system's
/// trusted roots for https.
pub fn http_get(url: &str) -> Result<(u16, String)> {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot make an HTTP client")?;
    let response = client.get(url).send()?;
    let status = response.status().as_u16();
    Ok((status, response.text()?))
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use serde_json::json;

    use super::*;
    use crate::html;

    const ISSUER: &str = "https://id.example/tenant";
    const RFC8414: &str = "https://id.example/.well-known/oauth-authorization-server/tenant";
    const OPENID: &str = "https://id.example/tenant/.well-known/openid-configuration";

    fn metadata(issuer: &str, token: &str, revocation: &str) -> String {
        json!({
            "issuer": issuer,
            "authorization_endpoint": "https://login.example/authorize",
            "token_endpoint": token,
            "revocation_endpoint": revocation,
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        })
        .to_string()
    }

    /// A page as `cargo xtask build` leaves it (trimmed), configured by its issuer alone.
    fn built_page(config: &Value) -> String {
        let page = format!(
            "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\" />\n    \
             <script id=\"app-config\" type=\"application/json\">{config}</script>\n  </head>\n</html>"
        );
        html::rewrite(&page, None, &Policy::default()).unwrap()
    }

    // Guards against a policy that blocks the endpoints the app discovers (the app would refuse to sign in):
    // the origins of the metadata's token and revocation endpoints are added to connect-src, the token's is
    // preconnected to, and RFC 8414's URL is asked first, then OpenID's.
    #[test]
    fn the_policy_names_the_endpoints_the_metadata_names() {
        let config = json!({ "client_id": "c", "issuer": ISSUER });
        let mut asked = Vec::new();
        let found = discover(&config, |url| {
            asked.push(url.to_owned());
            Ok(match url {
                OPENID => (
                    200,
                    metadata(
                        ISSUER,
                        "https://tokens.example:8443/t",
                        "https://revoke.example/r",
                    ),
                ),
                _ => (404, "not here".to_owned()),
            })
        })
        .unwrap()
        .unwrap();
        assert_eq!(asked, [RFC8414, OPENID]);
        assert_eq!(
            found,
            Discovered {
                metadata_url: OPENID.into(),
                token: "https://tokens.example:8443".into(),
                revocation: Some("https://revoke.example".into()),
            }
        );
        let write_discovered = |page: &str| html::rewrite(page, None, &found.sources()).unwrap();
        let page = write_discovered(&built_page(&config));
        let policy = html::written_policy(&page).unwrap().unwrap();
        assert!(
            policy.contains(
                "connect-src 'self' https://id.example https://tokens.example:8443 \
                 https://revoke.example;"
            ),
            "{policy}"
        );
        assert!(page.contains("href=\"https://tokens.example:8443\" crossorigin"));
        assert!(!page.contains("href=\"https://revoke.example\""));
        // Written twice is written once.
        assert_eq!(write_discovered(&page), page);
        // The app agrees: its own check lets the page reach both endpoints.
        let block = json!({
            "client_id": "c",
            "issuer": ISSUER,
            "authorization_endpoint": "https://login.example/authorize",
            "token_endpoint": "https://tokens.example:8443/t",
            "revocation_endpoint": "https://revoke.example/r",
        });
        let app = AppConfig::from_json(&block.to_string()).unwrap();
        assert_eq!(app.check_policy(&[policy], "https://app.example"), Ok(()));
    }

    // Guards against configure asking the network for a block that names its endpoints, or accepting one the
    // app would refuse.
    #[test]
    fn a_block_with_endpoints_asks_nothing_and_a_bad_one_is_refused() {
        let root = crate::workspace_root();
        let spotify = crate::load_preset(&root, "spotify").unwrap();
        let never = |url: &str| -> Result<(u16, String)> { panic!("asked {url}") };
        assert_eq!(discover(&spotify, never).unwrap(), None);
        let query = json!({ "client_id": "c", "issuer": "https://id.example?tenant=7" });
        let err = discover(&query, never).unwrap_err().to_string();
        assert!(
            err.contains("\"issuer\"") && err.contains("?query"),
            "{err}"
        );
        let unknown = json!({ "client_id": "c", "issuer": ISSUER, "client_secret": "s" });
        assert!(discover(&unknown, never)
            .unwrap_err()
            .to_string()
            .contains("client_secret"));
    }

    // Guards against configure writing a policy from an impostor's metadata, or failing silently when the
    // provider cannot be read: a refused document stops at once, and every URL tried is named.
    #[test]
    fn refused_or_missing_metadata_is_an_error() {
        let config = json!({ "client_id": "c", "issuer": ISSUER });
        let mut asked = 0;
        let err = discover(&config, |_| {
            asked += 1;
            Ok((
                200,
                metadata(
                    "https://evil.example",
                    "https://t.example/t",
                    "https://r.example/r",
                ),
            ))
        })
        .unwrap_err()
        .to_string();
        assert_eq!(asked, 1, "a refused document is not looked past");
        assert!(
            err.contains(RFC8414) && err.contains("evil.example"),
            "{err}"
        );
        let err = discover(&config, |url| match url {
            RFC8414 => Err(anyhow!("connection refused")),
            _ => Ok((200, "<html>".to_owned())),
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(RFC8414) && err.contains("connection refused") && err.contains(OPENID),
            "{err}"
        );
    }

    // Guards against the real client not reaching a provider as the app does: a metadata server on loopback,
    // read through `http_get`, whose first URL redirects (the app's fetch follows no redirect).
    #[test]
    fn reads_metadata_over_http() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let document = metadata(&issuer, "http://localhost:9/token", "http://[::1]:9/revoke");
        let server = std::thread::spawn(move || {
            for _ in 0..2 {
                let (mut stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                reader.read_line(&mut request).unwrap();
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                let answer = if request.starts_with("GET /.well-known/oauth-authorization-server ")
                {
                    "HTTP/1.1 302 Found\r\nLocation: http://evil.example/\r\nContent-Length: 0\r\n\
                     Connection: close\r\n\r\n"
                        .to_owned()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{document}",
                        document.len()
                    )
                };
                stream.write_all(answer.as_bytes()).unwrap();
            }
        });
        let config = json!({ "client_id": "c", "issuer": issuer });
        let found = discover(&config, http_get).unwrap().unwrap();
        server.join().unwrap();
        assert_eq!(
            found.metadata_url,
            format!("{issuer}/.well-known/openid-configuration")
        );
        assert_eq!(found.token, "http://localhost:9");
        assert_eq!(found.revocation.as_deref(), Some("http://[::1]:9"));
    }
}
