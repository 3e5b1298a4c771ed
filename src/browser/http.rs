//! The core's [`Transport`] over `fetch`: no cookies, no `Referer`, no redirects (a `307` from the token endpoint
//! must not re-send the code and the verifier elsewhere, and a redirected API call must not carry the bearer
//! token elsewhere), nothing from or to the HTTP cache, a time limit on every request, and an optional abort
//! signal so that whoever no longer wants the answers cancels the requests on the wire.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReferrerPolicy, RequestCache, RequestCredentials, RequestInit,
    RequestRedirect,
};

use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::oauth::TokenRequest;

/// How long a request may take before it is abandoned.
const TIMEOUT_MS: u32 = crate::http::REQUEST_LIMIT_MS as u32;

/// fetch, optionally tied to an abort signal (see [`super::Cancel`]).
#[derive(Clone, Default)]
pub struct Fetch {
    cancel: Option<AbortSignal>,
}

impl Fetch {
    /// fetch whose requests are aborted when `cancel` fires.
    pub fn cancelled_by(cancel: AbortSignal) -> Self {
        Fetch {
            cancel: Some(cancel),
        }
    }

    /// The signal a request obeys: the time limit, and the caller's cancel signal when there is one and
    /// `cancellable` says so.
    fn signal(&self, cancellable: bool) -> (AbortSignal, AbortSignal) {
        let timeout = AbortSignal::timeout_with_u32(TIMEOUT_MS);
        let combined = match &self.cancel {
            Some(cancel) if cancellable => {
                AbortSignal::any(&js_sys::Array::of2(&timeout, cancel).into())
            }
            _ => timeout.clone(),
        };
        (timeout, combined)
    }
}

impl Transport for Fetch {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let abandoned = self.cancel.as_ref().is_some_and(AbortSignal::aborted);
        if abandoned && !matches!(request, HttpRequest::PostForm { .. }) {
            return Err(TransportError::Aborted);
        }
        // Said only when the browser knows it is offline: then nothing leaves, and a refresh token is not spent.
        let offline = web_sys::window().is_some_and(|w| !w.navigator().on_line());
        if offline {
            return Err(TransportError::NotSent);
        }
        // A token request is never cancelled by the page that goes: its answer may hold the only copy of a rotated
        // refresh token, so it is always read and kept.
        let cancellable = !matches!(request, HttpRequest::PostForm { .. });
        let (timeout, signal) = self.signal(cancellable);
        let init = RequestInit::new();
        let headers = Headers::new().map_err(describe)?;
        let url = match &request {
            HttpRequest::PostForm { url, body } => {
                init.set_method("POST");
                headers
                    .set("Content-Type", TokenRequest::CONTENT_TYPE)
                    .map_err(describe)?;
                init.set_body(&JsValue::from_str(body));
                url
            }
            HttpRequest::GetWithBearer { url, token } => {
                init.set_method("GET");
                headers
                    .set("Authorization", &format!("Bearer {}", token.secret()))
                    .map_err(describe)?;
                url
            }
            HttpRequest::Get { url } => {
                init.set_method("GET");
                url
            }
        };
        init.set_headers(&headers);
        init.set_credentials(RequestCredentials::Omit);
        init.set_referrer_policy(ReferrerPolicy::NoReferrer);
        init.set_redirect(RequestRedirect::Error);
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&signal));
        let why = |error| {
            if timeout.aborted() {
                TransportError::Timeout {
                    after_ms: TIMEOUT_MS,
                }
            } else if signal.aborted() {
                TransportError::Aborted
            } else {
                describe(error)
            }
        };
        let built = web_sys::Request::new_with_str_and_init(url, &init).map_err(describe)?;
        let window = web_sys::window().ok_or(TransportError::NotSent)?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&built))
            .await
            .map_err(why)?
            .unchecked_into();
        let status = response.status();
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let text = response.text().map_err(describe)?;
        let body = JsFuture::from(text)
            .await
            .map_err(why)?
            .as_string()
            .unwrap_or_default();
        Ok(HttpResponse {
            status,
            body,
            retry_after,
        })
    }
}

/// A fetch failure as a [`TransportError`]. Browsers deliberately say little ("Failed to fetch", "NetworkError
/// when attempting to fetch resource."), and never anything of the request's headers or body.
fn describe(error: JsValue) -> TransportError {
    let detail = match error.dyn_into::<js_sys::Error>() {
        Ok(error) => String::from(error.message()),
        Err(other) => other.as_string().unwrap_or_default(),
    };
    TransportError::Network { detail }
}
