//! The core's [`Transport`] over `fetch`: no cookies, no `Referer`, a timeout on every request.

use gloo_net::http::Request;
use web_sys::{AbortSignal, ReferrerPolicy, RequestCredentials};

use crate::oauth::TokenRequest;
use crate::session::{HttpRequest, HttpResponse, Transport};

/// How long a request may take before it is abandoned.
pub const TIMEOUT_MS: u32 = 30_000;

#[derive(Clone, Copy, Default)]
pub struct Fetch;

impl Transport for Fetch {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let signal = AbortSignal::timeout_with_u32(TIMEOUT_MS);
        let builder = match &request {
            HttpRequest::PostForm { url, .. } => {
                Request::post(url).header("Content-Type", TokenRequest::CONTENT_TYPE)
            }
            HttpRequest::GetWithBearer { url, token } => {
                Request::get(url).header("Authorization", &format!("Bearer {}", token.secret()))
            }
        }
        .credentials(RequestCredentials::Omit)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .abort_signal(Some(&signal));
        let built = match request {
            HttpRequest::PostForm { body, .. } => builder.body(body),
            HttpRequest::GetWithBearer { .. } => builder.build(),
        };
        let response = built.map_err(describe)?.send().await.map_err(|e| {
            if signal.aborted() {
                format!("no answer within {} s", TIMEOUT_MS / 1000)
            } else {
                describe(e)
            }
        })?;
        let status = response.status();
        let retry_after = response.headers().get("retry-after");
        let body = response.text().await.map_err(describe)?;
        Ok(HttpResponse {
            status,
            body,
            retry_after,
        })
    }
}

/// A fetch failure in words. Browsers deliberately say little ("Failed to fetch", "NetworkError when attempting
/// to fetch resource."), and never anything of the request's headers or body.
fn describe(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(e) => e.message,
        other => other.to_string(),
    }
}
