//! The HTML pages of the accounts service: the consent page and the error page.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::Untrusted;
use crate::catalog::SAMPLE_USERS;
use crate::form::FormError;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: linear-gradient(180deg, #1f1f1f 0%, #121212 60%); color: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { width: 100%; max-width: 440px; margin: 32px 16px; padding: 40px 36px; background: #181818;
  border-radius: 12px; box-shadow: 0 8px 24px rgba(0,0,0,.5); }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 700; font-size: 15px;
  letter-spacing: .2px; margin-bottom: 28px; }
.logo { width: 32px; height: 32px; border-radius: 50%; background: #1ed760; position: relative; }
.logo::before, .logo::after { content: ""; position: absolute; left: 7px; right: 7px; height: 3px;
  border-radius: 3px; background: #181818; transform: rotate(-8deg); }
.logo::before { top: 11px; } .logo::after { top: 18px; left: 9px; right: 9px; }
h1 { font-size: 24px; margin: 0 0 6px; line-height: 1.25; }
p { color: #b3b3b3; margin: 0 0 18px; line-height: 1.5; font-size: 14px; }
ul { list-style: none; padding: 0; margin: 0 0 22px; }
li { padding: 10px 0 10px 28px; border-bottom: 1px solid #2a2a2a; position: relative; font-size: 14px; }
li::before { content: "✓"; position: absolute; left: 4px; color: #1ed760; font-weight: 700; }
label { display: block; font-weight: 600; font-size: 14px; margin-bottom: 8px; }
select { width: 100%; padding: 12px; border-radius: 6px; border: 1px solid #727272; background: #121212;
  color: #fff; font-size: 15px; margin-bottom: 26px; }
select:focus, button:focus-visible { outline: 3px solid #fff; outline-offset: 2px; }
.actions { display: flex; gap: 12px; flex-direction: column; }
button { width: 100%; padding: 14px; border-radius: 999px; font-size: 16px; font-weight: 700;
  cursor: pointer; border: 0; }
#approve { background: #1ed760; color: #000; }
#approve:hover { background: #3be477; transform: scale(1.02); }
#deny { background: transparent; color: #fff; border: 1px solid #727272; }
#deny:hover { border-color: #fff; }
.fine { font-size: 12px; color: #a7a7a7; margin-top: 22px; margin-bottom: 0; overflow-wrap: anywhere; }
.error h1 { color: #f3727f; }
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main>\
         <div class=\"brand\"><span class=\"logo\" aria-hidden=\"true\"></span>Spotify (local)</div>\
         {body}</main></body></html>",
        title = escape(title),
    )
}

/// Headers every accounts page carries: no caching, no framing, no referrer, no external loads.
fn with_page_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// What the consent page shows.
pub struct Consent<'a> {
    pub app_name: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scopes: Vec<&'static str>,
    pub request_id: &'a str,
}

/// The consent page: the app, the scopes in words, a choice of sample user, Approve and Deny.
pub fn consent_page(c: &Consent<'_>) -> Response {
    let mut scopes =
        String::from("<li>View your Spotify account data: your name and username</li>");
    for s in &c.scopes {
        scopes.push_str(&format!("<li>{}</li>", escape(s)));
    }
    let mut users = String::new();
    for u in SAMPLE_USERS {
        users.push_str(&format!(
            "<option value=\"{id}\">{name} ({id}, {blurb})</option>",
            id = u.id(),
            name = u.display_name(),
            blurb = u.blurb()
        ));
    }
    let body = format!(
        "<h1>Log in to {app}</h1>\
         <p><strong>{app}</strong> would like to:</p>\
         <ul id=\"scopes\">{scopes}</ul>\
         <form method=\"post\" action=\"/authorize/decision\">\
         <input type=\"hidden\" name=\"request_id\" value=\"{rid}\">\
         <label for=\"user\">Continue as</label>\
         <select id=\"user\" name=\"user\">{users}</select>\
         <div class=\"actions\">\
         <button id=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </div></form>\
         <p class=\"fine\">You can remove this access at any time. After you decide you will be sent \
         back to <span id=\"redirect\">{redirect}</span> (client {client}).</p>",
        app = escape(c.app_name),
        rid = escape(c.request_id),
        redirect = escape(c.redirect_uri),
        client = escape(c.client_id),
    );
    with_page_headers(Html(page(&format!("Log in to {}", c.app_name), &body)).into_response())
}

/// The provider's own error page, for requests that must not be redirected anywhere.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<div class=\"error\"><h1>Oops! Something went wrong</h1>\
         <p id=\"error\">{}</p>\
         <p>Close this window and try again from the app.</p></div>",
        escape(message)
    );
    with_page_headers((status, Html(page("Error", &body))).into_response())
}

/// A bare text page, as Spotify shows for some refused requests ("Illegal scope").
pub fn plain_error_page(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    with_page_headers(response)
}

/// The provider's own error page as an error value, for handlers that return `Result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ErrorPage {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        error_page(self.status, &self.message)
    }
}

impl From<Untrusted> for ErrorPage {
    fn from(u: Untrusted) -> Self {
        ErrorPage::bad_request(u.message())
    }
}

/// How the consent form's problems are shown: on the page, never as JSON.
impl From<FormError> for ErrorPage {
    fn from(e: FormError) -> Self {
        match e {
            FormError::NotForm => ErrorPage::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The consent form must be posted as application/x-www-form-urlencoded",
            ),
            FormError::Body(e) => ErrorPage::new(e.status(), e.to_string()),
            FormError::Repeated(name) => {
                ErrorPage::bad_request(format!("{name} was given more than once"))
            }
        }
    }
}
