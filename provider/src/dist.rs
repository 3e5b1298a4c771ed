//! The second listener: the app's `dist/` folder, with `index.html` for app routes.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The headers every answer of the app listener carries, whatever it is (a page, an asset, a
/// 404): no framing (clickjacking), no opener shared with other origins (the sign-in popup or tab
/// cannot reach back), no content sniffing, and no `Referer`, so the authorization code in
/// `/callback?code=...` never leaves in one.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// Serves `dir`; a path that names no file and has no extension (an app route such as
/// `/callback`) gets `index.html`; a missing asset is a 404. Every answer carries
/// [`SECURITY_HEADERS`].
pub fn router(dir: &Path) -> Router {
    let index = dir.join("index.html");
    let fallback = (move |request: Request| spa_fallback(index.clone(), request)).into_service();
    let mut router = Router::new().fallback_service(ServeDir::new(dir).fallback(fallback));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

async fn spa_fallback(index: PathBuf, request: Request) -> Response {
    let last = request.uri().path().rsplit('/').next().unwrap_or("");
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    match tokio::fs::read_to_string(&index).await {
        Ok(html) => Html(html).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "index.html is missing").into_response(),
    }
}
