//! The router of the accounts service and Web API, and the middleware around it (request log,
//! latency, request counts, faults, CORS). It sits on top of the handlers and the shared state; nothing points back here.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::accounts::standards;
use crate::config::{Config, ConfigError, CorsMode, Mode};
use crate::errors::{self, AccountsError, ApiError, Area, ErrorCode, LogNote};
use crate::faults::Fault;
use crate::form::BODY_LIMIT;
use crate::state::Shared;
use crate::{accounts, admin, api, images, stats};

/// The allowed origins only, echoed back, with `Retry-After` and `WWW-Authenticate` exposed.
fn per_origin_cors(config: &Config) -> Result<CorsLayer, ConfigError> {
    let origins = config
        .allowed_origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| ConfigError(format!("bad origin {o:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE])
        .max_age(Duration::from_secs(600)))
}

/// What Spotify's Web API answers: any origin (`*`), its list of methods and request headers, a
/// week of preflight caching, and no exposed headers (so a script cannot read `Retry-After`).
/// Spotify also sends `Access-Control-Allow-Credentials: true`, which means nothing beside `*`
/// and which the CORS layer refuses to combine with it; it is left out.
fn spotify_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::OPTIONS,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ])
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::ORIGIN,
            header::CONTENT_TYPE,
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(604_800))
}

/// The router of the accounts service, the Web API, the images and the admin endpoints.
pub fn router(state: Shared) -> Result<Router, ConfigError> {
    let accounts_cors = per_origin_cors(&state.config)?;
    let web_api_cors = match state.config.cors {
        CorsMode::Spotify => spotify_cors(),
        CorsMode::PerOrigin => per_origin_cors(&state.config)?,
    };

    let mut token_routes = Router::new().route("/api/token", post(accounts::token::token));
    if state.config.mode == Mode::Standards {
        token_routes = token_routes
            .route(standards::METADATA_PATH, get(standards::metadata))
            .route(standards::REVOCATION_PATH, post(standards::revoke));
    }
    let token_routes = token_routes
        .route("/api/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), apply_faults));

    let web_api_routes = Router::new()
        .route("/v1/me", get(api::me))
        .route("/v1/me/playlists", get(api::my_playlists))
        .route("/v1/me/tracks", get(api::my_tracks))
        .route("/v1/playlists/{id}", get(api::playlist))
        .route("/v1/playlists/{id}/items", get(api::playlist_items))
        .route("/v1/playlists/{id}/tracks", get(api::playlist_tracks))
        .route("/v1/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), apply_faults));

    let admin_routes = Router::new()
        .route(
            "/admin/faults",
            post(admin::set_faults).get(admin::get_faults),
        )
        .route("/admin/reset", post(admin::reset))
        .route("/admin/codes", post(admin::issue_admin_code))
        .route("/admin/stats", get(admin::get_stats))
        .route("/admin/stats/reset", post(admin::reset_stats))
        .route("/admin/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed);

    let with_cors = token_routes
        .merge(admin_routes)
        .layer(accounts_cors)
        .merge(web_api_routes.layer(web_api_cors))
        .layer(middleware::from_fn_with_state(state.clone(), strip_cors));

    let pages = Router::new()
        .route("/authorize", get(accounts::authorize::authorize))
        .route("/authorize/decision", post(accounts::authorize::decide))
        .route("/images/{file}", get(images::image))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), apply_faults));

    Ok(pages
        .merge(with_cors)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Inside the latency, so the time it measures is the provider's own.
        .layer(middleware::from_fn_with_state(state.clone(), stats::count))
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .layer(middleware::from_fn(log_request))
        .with_state(state))
}

/// One line per request on stderr: method, path (never the query, which can carry state and
/// codes), status and time taken, and what the handler noted ([`LogNote`]). This is the only
/// place that logs.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let note = response
        .extensions_mut()
        .remove::<LogNote>()
        .map(|LogNote(n)| format!(": {n}"))
        .unwrap_or_default();
    eprintln!(
        "local-spotify: {method} {path} -> {} ({} ms){note}",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

async fn not_found(uri: Uri) -> Response {
    errors::not_found_for(uri.path())
}

async fn method_not_allowed(uri: Uri) -> Response {
    errors::method_not_allowed_for(uri.path())
}

/// The latency in force, before any other layer sees the request, as a network would add it:
/// CORS preflights and refused requests wait too. `/admin/*` never waits.
async fn delay(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if Area::of(request.uri().path()) != Area::Admin {
        let latency = state.effective().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
    next.run(request).await
}

/// Chosen error statuses and malformed bodies, as the fault plan says.
async fn apply_faults(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let fault = state
        .faults()
        .on_request_with_query(request.method(), &path, &query);
    match fault {
        None => next.run(request).await,
        Some(Fault::Status {
            status,
            retry_after,
            no_cors,
        }) => hidden_if(no_cors, fault_response(&path, status, retry_after)),
        Some(Fault::QuotaExceeded {
            retry_after,
            no_cors,
        }) => hidden_if(
            no_cors,
            ApiError::quota_exceeded(retry_after).into_response(),
        ),
        Some(Fault::MalformedJson) => truncate_body(next.run(request).await).await,
        Some(Fault::Lost) => hidden_if(true, next.run(request).await),
    }
}

/// Marks the response [`NoCors`] when `hidden`.
fn hidden_if(hidden: bool, mut response: Response) -> Response {
    if hidden {
        response.extensions_mut().insert(NoCors);
    }
    response
}

fn fault_response(path: &str, status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut response = match Area::of(path) {
        Area::Accounts | Area::Admin => AccountsError::new(ErrorCode::for_status(status), reason)
            .with_status(status)
            .into_response(),
        Area::WebApi => {
            let message = if status == StatusCode::TOO_MANY_REQUESTS {
                "API rate limit exceeded"
            } else {
                reason
            };
            ApiError::new(status, message).into_response()
        }
    };
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// Cuts a response body in half: the JSON no longer parses, the status and headers stay.
async fn truncate_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let keep = bytes.len() / 2;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..keep)))
}

/// Marks a response that must reach the browser without CORS headers.
#[derive(Debug, Clone, Copy)]
struct NoCors;

/// Takes the CORS headers off a fault marked [`NoCors`], and, with `no_cors_on_errors`, off
/// every 4xx or 5xx answer, so a browser sees a network error instead of the status.
async fn strip_cors(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let failed = response.status().is_client_error() || response.status().is_server_error();
    let marked = response.extensions_mut().remove::<NoCors>().is_some();
    if marked || (failed && state.effective().no_cors_on_errors) {
        let names: Vec<HeaderName> = response
            .headers()
            .keys()
            .filter(|n| n.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in names {
            response.headers_mut().remove(name);
        }
    }
    response
}
