//! The page's Content Security Policy, watched. Every scenario runs under the policy the build
//! writes (the served copy's is recomputed for the provider's port, as `cargo xtask configure`
//! does) and fails on any violation.
//!
//! How violations are seen: over WebDriver BiDi, the browser installs a `securitypolicyviolation`
//! listener in every new document of the session before any of the page's own scripts runs
//! (`script.addPreloadScript`), and the listener reports each violation on a channel
//! (`script.message`) that [`CspWatch`] reads as it happens. So a violation while the page loads,
//! in a document that has since navigated away, or in another tab, is seen too; the app is not
//! changed and nothing is added to its policy. (Neither `window` nor `sessionStorage` outlives
//! every navigation, and geckodriver has no console log to read.)

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context as _};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::browser::Browser;
use crate::page::Page;
use crate::Urls;

/// The BiDi channel the listener reports on.
const CHANNEL: &str = "csp-violations";

/// How long a violation may take to travel from the page to [`CspWatch`] once it happened.
const SETTLE: Duration = Duration::from_millis(500);

/// How long the browser has to answer a BiDi command.
const COMMAND_LIMIT: Duration = Duration::from_secs(20);

/// Run in each new document before the page's scripts, with the channel's `send` function.
const LISTENER: &str = r#"(send) => {
  document.addEventListener('securitypolicyviolation', (e) => {
    send(JSON.stringify({
      document: String(e.documentURI),
      directive: String(e.effectiveDirective || e.violatedDirective),
      blocked: String(e.blockedURI),
      sample: String(e.sample || ''),
      source: String(e.sourceFile || ''),
      line: Number(e.lineNumber || 0),
      disposition: String(e.disposition),
    }));
  }, true);
}"#;

/// One `securitypolicyviolation` event, as the page saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct Violation {
    /// The document's address, without its query or fragment.
    pub document: String,
    /// The directive that blocked it (`script-src-elem`, `img-src`, ...).
    pub directive: String,
    /// What was blocked: a URL, or `inline`, `eval`, `wasm-eval`.
    pub blocked: String,
    /// The first characters of an inline script or style, when the policy asks for them.
    pub sample: String,
    /// Where it happened: the script file and line, when known.
    pub source: String,
    pub line: u64,
    /// `enforce` (blocked) or `report` (report-only).
    pub disposition: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} blocked {:?}",
            self.document, self.disposition, self.directive, self.blocked
        )?;
        if !self.source.is_empty() {
            write!(f, " at {}:{}", self.source, self.line)?;
        }
        if !self.sample.is_empty() {
            write!(f, ", sample {:?}", self.sample)?;
        }
        Ok(())
    }
}

/// The violations of a session, read from its WebDriver BiDi connection.
pub struct CspWatch {
    seen: Arc<Mutex<Vec<Violation>>>,
    reader: JoinHandle<()>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl CspWatch {
    /// Connects to the session's BiDi address (its `webSocketUrl` capability), subscribes to the
    /// channel and installs the listener for every document opened from now on.
    pub async fn start(web_socket_url: &str) -> anyhow::Result<CspWatch> {
        // geckodriver sometimes drops the handshakes while the browser is still starting: on a
        // loaded machine for more than the 1.5 s this once waited. It is given 10 s.
        let mut attempts = 1;
        let mut socket = loop {
            match tokio_tungstenite::connect_async(web_socket_url).await {
                Ok((socket, _)) => break socket,
                Err(e) if attempts == 20 => bail!("WebDriver BiDi at {web_socket_url}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
            attempts += 1;
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscribe = json!({ "events": ["script.message"] });
        command(&mut socket, &seen, 1, "session.subscribe", subscribe).await?;
        let preload = json!({
            "functionDeclaration": LISTENER,
            "arguments": [{ "type": "channel", "value": { "channel": CHANNEL } }],
        });
        command(&mut socket, &seen, 2, "script.addPreloadScript", preload).await?;
        let reader = tokio::spawn({
            let seen = seen.clone();
            async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    record(&seen, text.as_str());
                }
            }
        });
        Ok(CspWatch { seen, reader })
    }

    /// Every violation so far, after giving the last ones time to arrive.
    pub async fn violations(&self) -> Vec<Violation> {
        tokio::time::sleep(SETTLE).await;
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for CspWatch {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Sends one BiDi command and waits for its answer, recording the channel's messages that arrive
/// meanwhile.
async fn command(
    socket: &mut Socket,
    seen: &Mutex<Vec<Violation>>,
    id: u64,
    method: &str,
    params: Value,
) -> anyhow::Result<()> {
    let request = json!({ "id": id, "method": method, "params": params }).to_string();
    socket.send(Message::Text(request.into())).await?;
    let answer = tokio::time::timeout(COMMAND_LIMIT, async {
        while let Some(message) = socket.next().await {
            let Message::Text(text) = message? else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
            if value["id"].as_u64() == Some(id) {
                return Ok(value);
            }
            record(seen, text.as_str());
        }
        bail!("WebDriver BiDi closed before answering {method}")
    });
    let answer = answer
        .await
        .context(format!("WebDriver BiDi did not answer {method}"))??;
    match answer.get("error") {
        None => Ok(()),
        Some(error) => bail!("WebDriver BiDi {method}: {error} {}", answer["message"]),
    }
}

/// Keeps a `script.message` on the channel as a violation; ignores every other message.
fn record(seen: &Mutex<Vec<Violation>>, text: &str) {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let params = &value["params"];
    if value["method"] != "script.message" || params["channel"] != CHANNEL {
        return;
    }
    let data = params["data"]["value"].as_str().unwrap_or("{}");
    let mut violation: Violation = serde_json::from_str(data).unwrap_or_default();
    // A callback's address carries a code and a state: keep them out of the test's output.
    if let Some((address, _)) = violation.document.split_once(['?', '#']) {
        violation.document = format!("{address}?…");
    }
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(violation);
}

/// Prints how many violations a scenario saw, each with where it happened; panics when there was
/// one: the policy is the build's, so a violation is either the app doing what the policy forbids
/// or the policy forbidding what the app needs, and neither may pass.
pub fn assert_none(browser: Browser, violations: &[Violation]) {
    let count = format!(
        "{browser}: {} Content Security Policy violation(s)",
        violations.len()
    );
    eprintln!("{count}");
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
        panic!("{count}:\n{}", list.join("\n"));
    }
}

/// Runs `body` against a fresh provider in `browser` and returns the violations it caused, for
/// scenarios about the policy itself (which cause some on purpose).
pub async fn probe<F, Fut>(browser: Browser, body: F) -> Vec<Violation>
where
    F: FnOnce(Page, Urls) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::run(browser, crate::Setup::default(), |page, urls, _| {
        body(page, urls)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_channels_messages() {
        let seen = Mutex::new(Vec::new());
        let event = json!({
            "type": "event",
            "method": "script.message",
            "params": {
                "channel": CHANNEL,
                "data": { "type": "string", "value": json!({
                    "document": "http://127.0.0.1:1/",
                    "directive": "img-src",
                    "blocked": "https://elsewhere.example/a.png",
                    "line": 3,
                    "disposition": "enforce",
                }).to_string() },
                "source": { "realm": "r", "context": "c" },
            },
        });
        record(&seen, &event.to_string());
        let callback = json!({
            "method": "script.message",
            "params": { "channel": CHANNEL, "data": { "type": "string", "value": json!({
                "document": "http://127.0.0.1:1/callback?code=secret&state=s",
                "directive": "img-src",
            }).to_string() } },
        });
        record(&seen, &callback.to_string());
        let other = json!({ "method": "script.message", "params": { "channel": "other" } });
        record(&seen, &other.to_string());
        record(&seen, "not json");
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].document, "http://127.0.0.1:1/callback?…");
        assert_eq!(seen[0].directive, "img-src");
        assert_eq!(
            seen[0].to_string(),
            "http://127.0.0.1:1/ (enforce): img-src blocked \"https://elsewhere.example/a.png\""
        );
    }

    // Guards against a scenario that passes while the page broke its policy.
    #[test]
    #[should_panic(expected = "1 Content Security Policy violation(s)")]
    fn a_violation_fails_the_scenario() {
        let violation = Violation {
            directive: "script-src-elem".to_owned(),
            blocked: "inline".to_owned(),
            ..Violation::default()
        };
        assert_none(Browser::Firefox, &[violation]);
    }
}
