//! The second listener: the app's `dist/` folder, with `index.html` for app routes.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves `dir`; a path that names no file and has no extension (an app route such as
/// `/callback`) gets `index.html`; a missing asset is a 404. Every answer carries
/// `Referrer-Policy: no-referrer`, so the authorization code in `/callback?code=...` never
/// leaves in a `Referer` header.
pub fn router(dir: &Path) -> Router {
    let index = dir.join("index.html");
    let fallback = (move |request: Request| spa_fallback(index.clone(), request)).into_service();
    Router::new()
        .fallback_service(ServeDir::new(dir).fallback(fallback))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
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
